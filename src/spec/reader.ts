import type { Document, LineCounter } from "yaml";
import { yamlPackage } from "./yamlPackage.js";
import { closest, distance } from "fastest-levenshtein";
import type { SourcePosition, SpecProblem } from "../errors.js";

export type YamlPath = (string | number)[];

/** Renders ['servers', 0, 'dns'] as `servers[0].dns`, the form users see in messages. */
export function formatYamlPath(path: YamlPath): string {
  return (
    path.reduce<string>((out, part) => {
      if (typeof part === "number") return `${out}[${part}]`;
      return out ? `${out}.${part}` : part;
    }, "") || "(top level)"
  );
}

/** The parsed YAML document and its line index: only needed to say where a problem is. */
export interface YamlSource {
  doc: Document;
  lines: LineCounter;
}

type Plain = Record<string, unknown>;
const isPlainMap = (value: unknown): value is Plain =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads values out of parsed YAML data while remembering where each came from, so that
 * every problem can be reported as file:line:col plus the YAML path. The values are plain
 * data; the YAML document with positions is asked for only when something is reported
 * (parsing it costs ten times more than the data, and a valid fleet spec never needs it).
 */
export class SpecReader {
  readonly problems: SpecProblem[] = [];
  private located?: YamlSource;

  constructor(
    private readonly data: unknown,
    private readonly locate: () => YamlSource,
    private readonly file: string,
  ) {}

  private get source(): YamlSource {
    return (this.located ??= this.locate());
  }

  /** Position of the value at `path` (or of its key with `atKey`), falling back to the nearest parent. */
  positionOf(path: YamlPath, atKey = false): SourcePosition {
    const { doc } = this.source;
    const { isMap, isPair, isScalar } = yamlPackage();
    for (let depth = path.length; depth >= 0; depth--) {
      const parentPath = path.slice(0, depth - 1);
      const last = path[depth - 1];
      if (atKey && depth === path.length && typeof last === "string") {
        const parent = doc.getIn(parentPath, true);
        if (isMap(parent)) {
          const pair = parent.items.find(
            (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === last,
          );
          if (pair && isScalar(pair.key) && pair.key.range) return this.toPosition(pair.key.range[0]);
        }
      }
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return this.toPosition(range[0]);
    }
    // An empty document has no node to point at: its start is the honest place.
    return { file: this.file, line: 1, col: 1 };
  }

  toPosition(offset: number): SourcePosition {
    const { line, col } = this.source.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  fail(path: YamlPath, message: string, hint?: string, atKey = false): void {
    this.problems.push({ message, hint, yamlPath: formatYamlPath(path), position: this.positionOf(path, atKey) });
  }

  get(path: YamlPath): unknown {
    let value = this.data;
    for (const part of path) {
      if (typeof part === "number" ? !Array.isArray(value) : !isPlainMap(value)) return undefined;
      value = (value as Plain)[part];
    }
    return value;
  }

  has(path: YamlPath): boolean {
    return this.get(path) !== undefined && this.get(path) !== null;
  }

  /** Reports keys of the map at `path` that are not in `allowed`, suggesting the nearest allowed one. */
  checkKeys(path: YamlPath, allowed: readonly string[]): void {
    const value = this.get(path);
    if (!isPlainMap(value)) return;
    for (const key of Object.keys(value)) {
      if (allowed.includes(key)) continue;
      const guess = closest(key, [...allowed]);
      const near = guess && distance(key, guess) <= Math.max(2, Math.floor(key.length / 3));
      this.fail(
        [...path, key],
        `unknown key \`${key}\``,
        near ? `did you mean \`${guess}\`?` : `allowed here: ${allowed.join(", ")}`,
        true,
      );
    }
  }

  /** True when `path` holds a map (reporting otherwise); absent is fine unless required. */
  expectMap(path: YamlPath, required: boolean, example: string): boolean {
    const value = this.get(path);
    if (value === undefined || value === null) {
      if (required) this.fail(path, `missing \`${formatYamlPath(path)}\``, `add it, e.g.\n${example}`);
      return false;
    }
    if (!isPlainMap(value)) {
      this.fail(path, `\`${formatYamlPath(path)}\` must be a mapping`, `write it as\n${example}`);
      return false;
    }
    return true;
  }

  /** Number of items when `path` holds a sequence, else reports and returns 0. */
  sequenceLength(path: YamlPath, example: string): number {
    const value = this.get(path);
    if (value === undefined || value === null) return 0;
    if (!Array.isArray(value)) {
      this.fail(path, `\`${formatYamlPath(path)}\` must be a list`, `write it as\n${example}`);
      return 0;
    }
    return value.length;
  }

  string(path: YamlPath, fallback?: string): string | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) return fallback;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    this.fail(path, `\`${formatYamlPath(path)}\` must be a string`, "write a plain value, e.g. `name: sensor-001`");
    return fallback;
  }

  /**
   * A string that ends up in mosquitto.conf, a script or a path: a control character there
   * (a newline above all) would start a line of its own, e.g. `include_dir /tmp/evil`.
   */
  text(path: YamlPath, fallback?: string): string | undefined {
    const value = this.string(path);
    if (value === undefined) return fallback;
    const at = value.search(/[\u0000-\u001f\u007f]/);
    if (at < 0) return value;
    const code = value.charCodeAt(at);
    this.fail(
      path,
      `\`${formatYamlPath(path)}\` contains a control character (${JSON.stringify(String.fromCharCode(code))} at character ${at + 1}): it would end up in mosquitto.conf, a script or a file name`,
      "write the value on one line, without tabs or other control characters",
    );
    return fallback;
  }

  integer(path: YamlPath, fallback: number, range: { min: number; max: number; what: string }): number {
    const value = this.get(path);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < range.min || value > range.max) {
      this.fail(
        path,
        `\`${formatYamlPath(path)}\` is ${JSON.stringify(value)}, not ${range.what}`,
        `write a whole number from ${range.min} to ${range.max}`,
      );
      return fallback;
    }
    return value;
  }

  boolean(path: YamlPath, fallback: boolean): boolean {
    const value = this.get(path);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "boolean") {
      this.fail(path, `\`${formatYamlPath(path)}\` must be true or false`, "write `true` or `false` without quotes");
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(path: YamlPath, choices: readonly T[], fallback: T): T;
  oneOf<T extends string>(path: YamlPath, choices: readonly T[], fallback?: T): T | undefined;
  oneOf<T extends string>(path: YamlPath, choices: readonly T[], fallback?: T): T | undefined {
    const value = this.string(path);
    if (value === undefined) return fallback;
    if ((choices as readonly string[]).includes(value)) return value as T;
    const guess = closest(value, [...choices]);
    this.fail(
      path,
      `\`${formatYamlPath(path)}\` is \`${value}\`, which is not one of ${choices.join(" | ")}`,
      `did you mean \`${guess}\`?`,
    );
    return fallback;
  }

  stringList(path: YamlPath, example: string): string[] {
    const value = this.get(path);
    if (value === undefined || value === null) return [];
    if (typeof value === "string") return [value];
    const count = this.sequenceLength(path, example);
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const item = this.string([...path, i]);
      if (item !== undefined) out.push(item);
    }
    return out;
  }
}
