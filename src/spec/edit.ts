import type { YAMLSeq } from "yaml";
import { PkiError } from "../errors.js";
import { parseSpec, type ParsedSpec } from "./parse.js";
import { SAFE_NAME_HINT } from "./readSubject.js";
import { isSafeName } from "./rules.js";
import type { Spec } from "./types.js";
import { yamlPackage } from "./yamlPackage.js";

/** Fields a command may set on a new client entry. */
export interface NewClient {
  name: string;
  cn?: string;
  days?: number;
  key?: string;
  deviceKey?: boolean;
}

function refuseClashes(before: Spec, file: string, clients: NewClient[]): void {
  const names = new Set(before.clients.map((c) => c.name));
  const cns = new Map([
    [before.ca.cn.toLowerCase(), "the CA"],
    ...before.servers.map((s) => [s.cn.toLowerCase(), `server \`${s.name}\``] as [string, string]),
    ...before.clients.map((c) => [c.cn.toLowerCase(), `client \`${c.name}\``] as [string, string]),
  ]);
  for (const client of clients) {
    // Said of the name as typed: the spec's positions would point into lines not yet written.
    if (!isSafeName(client.name)) {
      const lower = client.name.toLowerCase();
      throw new PkiError(`\`${client.name}\` is not a file-safe name; nothing was changed`, {
        hint: isSafeName(lower)
          ? `try \`mqtt-pki issue ${lower}\` (names are lowercase letters, digits, '.', '_' and '-', at most 63 characters)`
          : SAFE_NAME_HINT,
      });
    }
    if (names.has(client.name))
      throw new PkiError(`a client named \`${client.name}\` already exists in ${file}; nothing was changed`, {
        hint: `pick another name, or run \`mqtt-pki rotate ${client.name}\` to renew its certificate`,
      });
    const cn = (client.cn ?? client.name).toLowerCase();
    const holder = cns.get(cn);
    if (holder)
      throw new PkiError(`CN \`${client.cn ?? client.name}\` is already used by ${holder}; nothing was changed`, {
        hint: "pass --cn with a CN of its own",
      });
    names.add(client.name);
    cns.set(cn, `client \`${client.name}\``);
  }
}

function entryFields(client: NewClient): [string, unknown][] {
  const fields: [string, unknown][] = [["name", client.name]];
  if (client.cn !== undefined && client.cn !== client.name) fields.push(["cn", client.cn]);
  if (client.key !== undefined) fields.push(["key", client.key]);
  if (client.days !== undefined) fields.push(["days", client.days]);
  if (client.deviceKey) fields.push(["deviceKey", true]);
  return fields;
}

/** Block-style lines for one list item, e.g. "  - name: x\n    cn: y\n". */
function itemLines(client: NewClient, indent: string, scalar = yamlScalar): string {
  return entryFields(client)
    .map(([key, value], i) => `${indent}${i === 0 ? "- " : "  "}${key}: ${scalar(value)}\n`)
    .join("");
}

const yamlScalar = (value: unknown): string => yamlPackage().stringify(value).trimEnd();

/** Plain when it is a simple word, else JSON's quoting (valid YAML); whether it reads back as itself is checked after. */
const quickScalar = (value: unknown): string =>
  typeof value !== "string"
    ? String(value)
    : /^[A-Za-z](?:[A-Za-z0-9._ -]*[A-Za-z0-9._-])?$/.test(value)
      ? value
      : JSON.stringify(value);

/**
 * Appends clients to the spec text without touching any byte before the list: new lines go
 * right after the last item of a block-style `clients:` list. Any other form (no key, an empty
 * key, a flow list) becomes a block list in place, its items kept and any comment on the key's
 * line too. Pure: returns the new text, validated.
 */
export function addClientsToSpec(
  text: string,
  file: string,
  clients: NewClient[],
): { text: string; parsed: ParsedSpec } {
  const before = parseSpec(text, file).spec;
  refuseClashes(before, file, clients);
  const quick = appendByLines(text, clients);
  const parsed = quick === undefined ? undefined : parsedOrUndefined(quick, file);
  if (quick !== undefined && parsed && sameSpecPlus(before, parsed.spec, clients)) return { text: quick, parsed };
  const updated = editWithDocument(text, clients);
  return { text: updated, parsed: parseSpec(updated, file) };
}

/** The quick edit's spec, or undefined when it does not read (the document edit then says why). */
function parsedOrUndefined(text: string, file: string): ParsedSpec | undefined {
  try {
    return parseSpec(text, file);
  } catch {
    return undefined;
  }
}

/** Whether `after` is `before` with exactly these clients appended (their defaults filled in). */
function sameSpecPlus(before: Spec, after: Spec, clients: NewClient[]): boolean {
  const added = after.clients.slice(before.clients.length);
  const asAsked =
    added.length === clients.length &&
    clients.every(
      (c, i) =>
        added[i].name === c.name &&
        added[i].cn === (c.cn ?? c.name) &&
        added[i].key === (c.key ?? before.defaults.key) &&
        added[i].days === (c.days ?? before.defaults.days) &&
        added[i].deviceKey === (c.deviceKey ?? false),
    );
  return (
    asAsked &&
    JSON.stringify({ ...after, clients: after.clients.slice(0, before.clients.length) }) === JSON.stringify(before)
  );
}

/**
 * The usual case without the positioned YAML document (half a second for a fleet's spec): a
 * top-level block `clients:` list gets the new items after its last item's lines. The caller
 * keeps the result only when it reads back as the old spec with exactly the new clients added.
 */
function appendByLines(text: string, clients: NewClient[]): string | undefined {
  const lines = text.split("\n");
  const key = lines.findIndex((line) => /^clients:[ \t]*(#.*)?$/.test(line));
  if (key < 0) return undefined;
  // The list runs until the next line at column 0 that is not an item, a comment or blank.
  let last = -1;
  for (let i = key + 1; i < lines.length; i++) {
    if (lines[i] === "" || /^\s*#/.test(lines[i])) continue;
    if (!/^[ \t-]/.test(lines[i])) break;
    last = i;
  }
  const firstItem = lines.findIndex((line, i) => i > key && /^ *- /.test(line));
  if (firstItem < 0 || firstItem > last) return undefined;
  // New items are indented as the first one is.
  const prefix = /^( *)- /.exec(lines[firstItem])![1];
  const added = clients
    .map((c) => itemLines(c, prefix, quickScalar))
    .join("")
    .replace(/\n$/, "")
    .split("\n");
  return [...lines.slice(0, last + 1), ...added, ...lines.slice(last + 1)].join("\n");
}

/** Any other form, through the YAML document (which knows where every node is). */
function editWithDocument(text: string, clients: NewClient[]): string {
  const { isMap, isScalar, isSeq, parseDocument, stringify } = yamlPackage();
  const added = clients.map((c) => itemLines(c, "  ")).join("");
  const doc = parseDocument(text);
  const pair = isMap(doc.contents)
    ? doc.contents.items.find((item) => isScalar(item.key) && item.key.value === "clients")
    : undefined;
  const list = pair?.value;
  let updated: string;
  if (isSeq(list) && !list.flow && list.items.length > 0) {
    updated = appendToBlockList(text, list, clients);
  } else if (!pair || !isScalar(pair.key) || !pair.key.range) {
    updated = `${text}${text.endsWith("\n") || text === "" ? "" : "\n"}clients:\n${added}`;
  } else {
    const start = pair.key.range[0];
    // An empty value ends right after the colon; a flow list where its `]` is.
    const empty = list === null || list === undefined || (isScalar(list) && list.value === null);
    const end = empty
      ? text.indexOf(":", pair.key.range[1]) + 1
      : (list as { range: [number, number, number] }).range[1];
    const lineEnd = text.indexOf("\n", end) < 0 ? text.length : text.indexOf("\n", end);
    const kept = isSeq(list) && list.items.length > 0 ? indent(stringify(list.toJSON()), "  ") : "";
    // Whatever followed the value on its line (a comment) stays on the `clients:` line.
    updated = `${text.slice(0, start)}clients:${text.slice(end, lineEnd)}\n${kept}${added}${text.slice(lineEnd + 1)}`;
  }
  return updated;
}

function indent(block: string, prefix: string): string {
  return block
    .split("\n")
    .filter(Boolean)
    .map((line) => `${prefix}${line}\n`)
    .join("");
}

function appendToBlockList(source: string, seq: YAMLSeq, clients: NewClient[]): string {
  const firstItem = (seq.items[0] as { range?: [number, number, number] }).range![0];
  const lineStart = source.lastIndexOf("\n", firstItem - 1) + 1;
  const dash = source.lastIndexOf("-", firstItem);
  const prefix = " ".repeat(Math.max(0, dash - lineStart));
  const lastEnd = seq.range![1];
  const insertAt = source.indexOf("\n", lastEnd - 1);
  const at = insertAt < 0 ? source.length : insertAt + 1;
  const head = insertAt < 0 ? `${source}\n` : source.slice(0, at);
  return head + clients.map((c) => itemLines(c, prefix)).join("") + source.slice(at);
}
