import { isSeq, parseDocument, stringify, type YAMLSeq } from "yaml";
import { PkiError } from "../errors.js";
import { parseSpec, type ParsedSpec } from "./parse.js";

/** Fields a command may set on a new client entry. */
export interface NewClient {
  name: string;
  cn?: string;
  days?: number;
  key?: string;
  deviceKey?: boolean;
}

function refuseClashes(text: string, file: string, clients: NewClient[]): void {
  const before = parseSpec(text, file).spec;
  const names = new Set(before.clients.map((c) => c.name));
  const cns = new Map([[before.ca.cn.toLowerCase(), "the CA"], ...before.servers.map((s) => [s.cn.toLowerCase(), `server \`${s.name}\``] as [string, string]), ...before.clients.map((c) => [c.cn.toLowerCase(), `client \`${c.name}\``] as [string, string])]);
  for (const client of clients) {
    if (names.has(client.name)) throw new PkiError(`a client named \`${client.name}\` already exists in ${file}; nothing was changed`, { hint: `pick another name, or run \`mqtt-pki rotate ${client.name}\` to renew its certificate` });
    const cn = (client.cn ?? client.name).toLowerCase();
    const holder = cns.get(cn);
    if (holder) throw new PkiError(`CN \`${client.cn ?? client.name}\` is already used by ${holder}; nothing was changed`, { hint: "pass --cn with a CN of its own" });
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
function itemLines(client: NewClient, indent: string): string {
  return entryFields(client).map(([key, value], i) => `${indent}${i === 0 ? "- " : "  "}${key}: ${stringify(value).trimEnd()}\n`).join("");
}

/**
 * Appends clients to the spec text without touching any existing byte: new lines go right
 * after the last item of a block-style `clients:` list (or a new list at the end). Only a
 * flow-style list (`clients: [...]`) is re-serialized. Pure: returns the new text, validated.
 */
export function addClientsToSpec(text: string, file: string, clients: NewClient[]): { text: string; parsed: ParsedSpec } {
  refuseClashes(text, file, clients);
  const doc = parseDocument(text);
  const list = doc.get("clients", true);
  let updated: string;
  if (isSeq(list) && !list.flow && list.items.length > 0 && list.range) {
    updated = appendToBlockList(text, list);
  } else if (list === undefined || list === null || (isSeq(list) && !list.flow && list.items.length === 0 && !text.match(/^clients:.*\S.*$/m))) {
    const base = text.replace(/^clients:\s*(#.*)?$\n?/m, "");
    updated = `${base}${base.endsWith("\n") || base === "" ? "" : "\n"}clients:\n${clients.map((c) => itemLines(c, "  ")).join("")}`;
  } else {
    for (const client of clients) (list as YAMLSeq).add(doc.createNode(Object.fromEntries(entryFields(client))));
    updated = doc.toString({ flowCollectionPadding: false });
  }
  return { text: updated, parsed: parseSpec(updated, file) };

  function appendToBlockList(source: string, seq: YAMLSeq): string {
    const firstItem = (seq.items[0] as { range?: [number, number, number] }).range![0];
    const lineStart = source.lastIndexOf("\n", firstItem - 1) + 1;
    const dash = source.lastIndexOf("-", firstItem);
    const indent = " ".repeat(Math.max(0, dash - lineStart));
    const lastEnd = seq.range![1];
    const insertAt = source.indexOf("\n", lastEnd - 1);
    const at = insertAt < 0 ? source.length : insertAt + 1;
    const head = insertAt < 0 ? `${source}\n` : source.slice(0, at);
    return head + clients.map((c) => itemLines(c, indent)).join("") + source.slice(at);
  }
}
