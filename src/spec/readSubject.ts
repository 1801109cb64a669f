import { formatYamlPath, type SpecReader, type YamlPath } from "./reader.js";
import { hasControlCharacters, isSafeName } from "./rules.js";
import type { SubjectFields } from "./types.js";

export const SUBJECT_KEYS = ["cn", "o", "ou", "c", "st", "l"] as const;

/** The subject of a CA, server or client: each field one line of at most 64 characters, `c` a country code. */
export function readSubject(r: SpecReader, p: YamlPath, cnFallback?: string): SubjectFields {
  const field = (key: (typeof SUBJECT_KEYS)[number]): string | undefined => {
    const value = r.string([...p, key], key === "cn" ? cnFallback : undefined);
    if (value === undefined) return undefined;
    if (value.trim() === "" || hasControlCharacters(value)) {
      r.fail(
        [...p, key],
        `\`${key}\` must be non-empty text without control characters`,
        `write a plain name, e.g. \`${key}: Example\``,
      );
    } else if (value.length > 64) {
      r.fail([...p, key], `\`${key}\` is ${value.length} characters; X.509 allows at most 64`, "shorten it");
    } else if (key === "c" && !/^[A-Z]{2}$/.test(value)) {
      r.fail([...p, key], `\`c\` must be a two-letter country code, got \`${value}\``, "write e.g. `c: DE`");
    }
    return value;
  };
  const cn = field("cn");
  const [o, ou, c, st, l] = [field("o"), field("ou"), field("c"), field("st"), field("l")];
  if (cn === undefined)
    r.fail(
      [...p, "cn"],
      `missing \`cn\` at ${formatYamlPath(p)}`,
      "add a common name, e.g. `cn: Example MQTT Root CA`",
      false,
    );
  // Every field present (absent ones undefined, which JSON leaves out): one object shape for a whole fleet.
  return { cn: cn ?? "", o, ou, c, st, l };
}

export const SAFE_NAME_HINT =
  "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters (e.g. `sensor-001`)";

/** A server's or client's `name`: it names a folder, so it must be file-safe. */
export function readName(r: SpecReader, p: YamlPath): string | undefined {
  const name = r.string([...p, "name"]);
  if (name === undefined) {
    r.fail(
      [...p, "name"],
      "missing `name`",
      "add a file-safe id, e.g. `name: sensor-001` (lowercase letters, digits, . _ -)",
    );
    return undefined;
  }
  if (!isSafeName(name)) {
    r.fail([...p, "name"], `\`${name}\` is not a file-safe name`, SAFE_NAME_HINT);
    return undefined;
  }
  return name;
}
