/**
 * Property-based fuzzing of parseSpec: whatever text comes in, the parser either returns a
 * ParsedSpec or throws a SpecError whose every problem names a YAML path, says what is wrong
 * and (except a YAML syntax problem the parser could not place) where, with 1-based line and
 * column. Any other exception type is a bug.
 *
 * Inputs start from pki.example.yaml and are mutated line by line (delete, duplicate, swap,
 * re-indent, replace a scalar, add a random key), plus wholly random text and random YAML
 * structures. Run counts are tuned to keep the file near 10 s; raise them with
 * MQTT_PKI_FUZZ_RUNS (a multiplier, default 1).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { stringify } from "yaml";
import { parseSpec, type ParsedSpec } from "../../../src/spec/parse.js";
import { SpecError } from "../../../src/errors.js";

const EXAMPLE = readFileSync(new URL("../../../pki.example.yaml", import.meta.url), "utf8");
const EXAMPLE_LINES = EXAMPLE.split("\n");
const FILE = "pki.yaml";
const SCALE = Number(process.env.MQTT_PKI_FUZZ_RUNS ?? "1") || 1;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

/** Every key the spec knows, so random keys are often almost right (and sometimes right in the wrong place). */
const KNOWN_KEYS = [
  "version",
  "out",
  "defaults",
  "ca",
  "servers",
  "clients",
  "deploy",
  "cn",
  "o",
  "ou",
  "c",
  "st",
  "l",
  "key",
  "days",
  "crlDays",
  "encryptKey",
  "renewBeforeDays",
  "name",
  "dns",
  "ip",
  "host",
  "listeners",
  "requireCertificate",
  "identityAsUsername",
  "tlsVersion",
  "user",
  "port",
  "protocol",
  "bind",
  "path",
  "topic",
  "deviceKey",
  "dir",
];

// ---------- what a parse may legally end in ----------

type Outcome = { kind: "ok"; parsed: ParsedSpec } | { kind: "spec-error"; error: SpecError };

/** Runs parseSpec and checks the outcome's contract; throws (failing the property) on anything else. */
function parseChecked(text: string): Outcome {
  let parsed: ParsedSpec;
  try {
    parsed = parseSpec(text, FILE);
  } catch (error) {
    if (!(error instanceof SpecError)) {
      throw new Error(
        `parseSpec threw ${(error as Error)?.constructor?.name ?? typeof error} instead of SpecError: ${(error as Error)?.stack ?? String(error)}`,
      );
    }
    checkSpecError(error, text);
    return { kind: "spec-error", error };
  }
  checkParsed(parsed);
  return { kind: "ok", parsed };
}

function checkSpecError(error: SpecError, text: string): void {
  const lineCount = text.split("\n").length;
  if (!Array.isArray(error.problems) || error.problems.length === 0) throw new Error("SpecError without problems");
  for (const problem of error.problems) {
    const where = JSON.stringify(problem);
    if (typeof problem.yamlPath !== "string" || problem.yamlPath.length === 0)
      throw new Error(`problem without a yamlPath: ${where}`);
    if (typeof problem.message !== "string" || problem.message.trim().length === 0)
      throw new Error(`problem without a message: ${where}`);
    if (problem.hint !== undefined && typeof problem.hint !== "string")
      throw new Error(`problem with a non-string hint: ${where}`);
    const syntax = problem.yamlPath === "(syntax)";
    if (problem.position === undefined) {
      if (!syntax) throw new Error(`problem without a position (only YAML syntax problems may lack one): ${where}`);
      continue;
    }
    const { line, col, file } = problem.position;
    if (file !== FILE) throw new Error(`position names file ${file}, not ${FILE}: ${where}`);
    if (!Number.isInteger(line) || line < 1 || line > lineCount + 1)
      throw new Error(`position line ${line} outside 1..${lineCount + 1}: ${where}`);
    if (!Number.isInteger(col) || col < 1) throw new Error(`position col ${col} < 1: ${where}`);
  }
}

function checkParsed(parsed: ParsedSpec): void {
  const { spec, warnings } = parsed;
  const fail = (why: string) => {
    throw new Error(`accepted spec breaks an invariant: ${why}: ${JSON.stringify(spec).slice(0, 2000)}`);
  };
  if (spec.version !== 1) fail("version");
  if (!spec.ca || typeof spec.ca.cn !== "string" || spec.ca.cn.trim() === "") fail("ca.cn");
  if (!Array.isArray(spec.servers) || spec.servers.length === 0) fail("servers");
  if (!Array.isArray(spec.clients)) fail("clients");
  const safe = /^[a-z0-9][a-z0-9._-]{0,62}$/;
  for (const holder of [...spec.servers, ...spec.clients]) {
    if (!safe.test(holder.name) || holder.name.includes("..")) fail(`unsafe name ${JSON.stringify(holder.name)}`);
    if (!Number.isInteger(holder.days) || holder.days < 1) fail(`days of ${holder.name}`);
    if (/[\u0000-\u001f\u007f]/.test(holder.cn)) fail(`control characters in the CN of ${holder.name}`);
  }
  for (const server of spec.servers) {
    if (server.listeners.length === 0) fail(`server ${server.name} without listeners`);
    for (const l of server.listeners)
      if (!Number.isInteger(l.port) || l.port < 1 || l.port > 65535) fail(`port ${l.port}`);
  }
  for (const client of spec.clients) {
    if (client.topic.length === 0 || /[+#\u0000-\u001f\u007f]/.test(client.topic)) fail(`topic of ${client.name}`);
  }
  if (!Array.isArray(warnings)) fail("warnings");
  for (const w of warnings) if (typeof w.message !== "string" || typeof w.yamlPath !== "string") fail("warning shape");
}

// ---------- generators ----------

/** Nasty scalars: random text, unicode, control characters, numbers, very long strings, YAML look-alikes. */
const nastyScalar: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.stringMatching(/^[\u0000-\u001f\u007f]{1,4}$/),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }).map(String),
  fc.constantFrom(
    "",
    "~",
    "null",
    "true",
    "no",
    "0x1F",
    "0o17",
    ".inf",
    "-.nan",
    "1e400",
    "[]",
    "{}",
    "[a, b",
    "{a: 1",
    "'",
    '"',
    "'unterminated",
    '"unterminated',
    "*alias",
    "&anchor x",
    "!!binary aGk=",
    "!!str",
    "!custom x",
    "|",
    ">-",
    "- item",
    "? key",
    "%YAML 1.2",
    "---",
    "...",
    "#comment",
    "a: b: c",
    "\t",
    "\\",
    "${HOME}",
    "$(id)",
    "`id`",
    "../../etc",
    "x; rm -rf ~",
    "::ffff:127.0.0.1",
    "fe80::1%eth0",
    "256.0.0.1",
    "*.",
    "sensor/+/x",
    "a#b",
    "\u202e",
    "\ufeff",
    "\ud800",
    "日本語",
    "😀",
    "Ā".repeat(65),
  ),
  fc
    .integer({ min: 64, max: 5000 })
    .chain((n) => fc.constantFrom("a", "9", "é", "😀", "-", " ").map((c) => c.repeat(n))),
);

/** A scalar written into YAML either raw or in quotes (JSON quoting covers control characters). */
const yamlValue: fc.Arbitrary<string> = fc.oneof(
  nastyScalar,
  nastyScalar.map((s) => JSON.stringify(s)),
  nastyScalar.map((s) => `'${s.replace(/'/g, "''")}'`),
  fc
    .array(
      nastyScalar.map((s) => JSON.stringify(s)),
      { maxLength: 3 },
    )
    .map((items) => `[${items.join(", ")}]`),
);

const randomKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...KNOWN_KEYS),
  fc.constantFrom(...KNOWN_KEYS).map((k) => `${k}s`),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,12}$/),
  nastyScalar.map((s) => JSON.stringify(s)),
);

type Mutation = (lines: string[]) => string[];

const pick = fc.nat();

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // delete a line
  pick.map(
    (i): Mutation =>
      (lines) =>
        lines.filter((_, at) => at !== i % lines.length),
  ),
  // duplicate a line
  pick.map((i): Mutation => (lines) => {
    const at = i % lines.length;
    return [...lines.slice(0, at + 1), lines[at], ...lines.slice(at + 1)];
  }),
  // swap two lines
  fc.tuple(pick, pick).map(([i, j]): Mutation => (lines) => {
    const out = [...lines];
    const a = i % out.length;
    const b = j % out.length;
    [out[a], out[b]] = [out[b], out[a]];
    return out;
  }),
  // change a line's indentation (spaces, or a tab)
  fc.tuple(pick, fc.integer({ min: -4, max: 6 }), fc.boolean()).map(
    ([i, delta, tab]): Mutation =>
      (lines) =>
        lines.map((line, at) => {
          if (at !== i % lines.length) return line;
          const body = line.trimStart();
          const indent = Math.max(0, line.length - body.length + delta);
          return (tab ? "\t" : " ".repeat(indent)) + body;
        }),
  ),
  // replace the value after `key:` (or a list item's value) with something nasty
  fc.tuple(pick, yamlValue).map(([i, value]): Mutation => (lines) => {
    const candidates = lines
      .map((line, at) => ({ line, at }))
      .filter(({ line }) => /^\s*(- )?[A-Za-z]+:\s*\S/.test(line));
    if (candidates.length === 0) return lines;
    const { line, at } = candidates[i % candidates.length];
    const out = [...lines];
    out[at] = line.replace(/^(\s*(?:- )?[A-Za-z]+:)\s*.*$/, `$1 ${value}`);
    return out;
  }),
  // replace a whole key (typo, known key in the wrong place, garbage)
  fc.tuple(pick, randomKey).map(([i, key]): Mutation => (lines) => {
    const candidates = lines.map((line, at) => ({ line, at })).filter(({ line }) => /^\s*(- )?[A-Za-z]+:/.test(line));
    if (candidates.length === 0) return lines;
    const { line, at } = candidates[i % candidates.length];
    const out = [...lines];
    out[at] = line.replace(/^(\s*(?:- )?)[A-Za-z]+:/, `$1${key}:`);
    return out;
  }),
  // insert a random `key: value` line at some indentation
  fc
    .tuple(pick, fc.integer({ min: 0, max: 8 }), randomKey, yamlValue)
    .map(([i, indent, key, value]): Mutation => (lines) => {
      const at = i % (lines.length + 1);
      return [...lines.slice(0, at), `${" ".repeat(indent)}${key}: ${value}`, ...lines.slice(at)];
    }),
  // insert a random raw line (list items, comments, document markers, garbage)
  fc
    .tuple(
      pick,
      fc.oneof(
        nastyScalar,
        fc.constantFrom("  - name: x", "  -", "servers:", "clients: []", "ca: ~", "---", "...", "  - port: 1"),
      ),
    )
    .map(([i, raw]): Mutation => (lines) => {
      const at = i % (lines.length + 1);
      return [...lines.slice(0, at), raw, ...lines.slice(at)];
    }),
  // overwrite a few characters somewhere in a line
  fc.tuple(pick, pick, fc.string({ unit: "binary", minLength: 1, maxLength: 4 })).map(
    ([i, j, chars]): Mutation =>
      (lines) =>
        lines.map((line, at) => {
          if (at !== i % lines.length || line.length === 0) return line;
          const c = j % line.length;
          return line.slice(0, c) + chars + line.slice(c + chars.length);
        }),
  ),
  // truncate the file
  pick.map(
    (i): Mutation =>
      (lines) =>
        lines.slice(0, i % (lines.length + 1)),
  ),
);

const mutatedExample: fc.Arbitrary<string> = fc
  .array(mutation, { minLength: 1, maxLength: 6 })
  .map((mutations) =>
    mutations.reduce((lines, mutate) => (lines.length === 0 ? lines : mutate(lines)), EXAMPLE_LINES).join("\n"),
  );

/** Random JSON-ish values with keys biased towards the spec's own. */
const yamlTree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("leaf"), tie("list"), tie("map")),
  leaf: fc.oneof(nastyScalar, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
  list: fc.array(tie("node"), { maxLength: 4 }),
  map: fc.dictionary(fc.oneof(fc.constantFrom(...KNOWN_KEYS), fc.string({ maxLength: 8 })), tie("node"), {
    maxKeys: 6,
  }),
})).node;

/** A structurally plausible spec whose every field is random. */
const plausibleSpec: fc.Arbitrary<unknown> = fc.record(
  {
    version: fc.oneof(fc.constant(1), yamlTree),
    out: fc.oneof(fc.constant("./pki"), yamlTree),
    ca: fc.oneof(
      fc.record(
        { cn: fc.oneof(fc.constant("Root CA"), nastyScalar), days: fc.oneof(fc.integer(), yamlTree) },
        { requiredKeys: [] },
      ),
      yamlTree,
    ),
    servers: fc.oneof(
      fc.array(
        fc.record(
          {
            name: fc.oneof(fc.constant("broker"), nastyScalar),
            dns: fc.oneof(fc.constant(["localhost"]), fc.array(nastyScalar, { maxLength: 3 }), yamlTree),
            ip: fc.oneof(fc.constant(["127.0.0.1"]), fc.array(nastyScalar, { maxLength: 2 })),
            host: fc.oneof(fc.constant("localhost"), nastyScalar),
            listeners: fc.oneof(
              fc.constant([{ port: 8883 }]),
              fc.array(
                fc.record(
                  {
                    port: fc.oneof(fc.integer(), nastyScalar),
                    protocol: fc.oneof(fc.constantFrom("mqtt", "websockets"), nastyScalar),
                  },
                  { requiredKeys: [] },
                ),
                { maxLength: 3 },
              ),
              yamlTree,
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      yamlTree,
    ),
    clients: fc.oneof(
      fc.array(
        fc.record(
          {
            name: fc.oneof(fc.constant("sensor-1"), nastyScalar),
            cn: nastyScalar,
            topic: nastyScalar,
            days: fc.oneof(fc.integer(), yamlTree),
            key: nastyScalar,
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
      yamlTree,
    ),
    extra: yamlTree,
  },
  { requiredKeys: [] },
);

function dump(value: unknown): string {
  try {
    return stringify(value);
  } catch {
    return String(value);
  }
}

// ---------- properties ----------

describe("parseSpec under fuzzing: a ParsedSpec or a positioned SpecError, nothing else", () => {
  test("the unmutated example parses (sanity)", () => {
    expect(parseChecked(EXAMPLE).kind).toBe("ok");
  });

  test("mutated pki.example.yaml (delete/duplicate/swap lines, re-indent, nasty scalars, random keys)", () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(mutatedExample, (text) => {
        if (parseChecked(text).kind === "ok") accepted++;
        else rejected++;
      }),
      { numRuns: runs(4000) },
    );
    // The generator must exercise both outcomes, or it tests less than it claims.
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });

  test("wholly random text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: "binary", maxLength: 200 }),
          fc.string({ unit: "grapheme", maxLength: 200 }),
        ),
        (text) => {
          parseChecked(text);
        },
      ),
      { numRuns: runs(2000) },
    );
  });

  test("random YAML structures, and plausible specs with random fields", () => {
    fc.assert(
      fc.property(fc.oneof(yamlTree, plausibleSpec), (value) => {
        parseChecked(dump(value));
      }),
      { numRuns: runs(2000) },
    );
  });

  test("a mutated example prefixed with random YAML directives/documents, or with CRLF line ends", () => {
    fc.assert(
      fc.property(
        mutatedExample,
        fc.constantFrom("", "%YAML 1.2\n---\n", "---\n", "--- !!map\n", "\ufeff", "# c\n"),
        fc.boolean(),
        (text, prefix, crlf) => {
          parseChecked(prefix + (crlf ? text.replace(/\n/g, "\r\n") : text));
        },
      ),
      { numRuns: runs(1000) },
    );
  });

  // Fixed hostile inputs worth keeping as regression cases whatever the generators find.
  // An empty spec has no node to point at; its problem is still placed, at pki.yaml:1:1.
  test.each([
    ["empty file", ""],
    ["only a comment", "# nothing here\n"],
    ["only whitespace", "   \n\n\t\n"],
  ])("an empty document (%s) is a SpecError positioned at line 1, col 1", (_name, text) => {
    const outcome = parseChecked(text);
    expect(outcome.kind).toBe("spec-error");
    if (outcome.kind === "spec-error") expect(outcome.error.problems[0].position).toMatchObject({ line: 1, col: 1 });
  });

  test.each([
    ["a bare scalar", "hello"],
    ["a list at the top", "- 1\n- 2\n"],
    ["two documents", `${EXAMPLE}\n---\n${EXAMPLE}`],
    ["duplicate top-level key", `${EXAMPLE}\nversion: 1\n`],
    [
      "alias bomb",
      `version: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nca: *e\n`,
    ],
    [
      "alias used as a client list",
      EXAMPLE.replace("clients:", "x: &l [{name: a}]\nclients:")
        .concat("\n")
        .replace(/clients:\n[\s\S]*$/, "clients: *l\n"),
    ],
    ["merge key", `${EXAMPLE.replace("ca:\n", "base: &b {cn: X}\nca:\n  <<: *b\n")}`],
    ["undefined alias", `${EXAMPLE}\nextra: *nowhere\n`],
    ["complex mapping key", `${EXAMPLE}\n? [a, b]\n: c\n`],
    ["tagged values", EXAMPLE.replace("days: 3650", "days: !!str 3650").replace("port: 8883", "port: !!float 8883")],
    ["NUL byte", EXAMPLE.replace("sensor-001", "sensor\u0000001")],
    ["very long line", `${EXAMPLE}\nclients:\n  - name: ${"a".repeat(100_000)}\n`],
    ["deep nesting", `version: 1\nca: ${"[".repeat(500)}${"]".repeat(500)}\n`],
    ["unclosed flow at end of file", `${EXAMPLE}\nextra: [a, {b: c`],
  ])("%s", (_name, text) => {
    parseChecked(text);
  });
});
