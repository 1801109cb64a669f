import { isMap, isSeq, parseDocument, YAMLSeq } from "yaml";
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

/**
 * Appends clients to the spec text, keeping the user's comments and layout (the `yaml`
 * Document API edits the tree it parsed). Pure: returns the new text, validated, or throws
 * naming the clash.
 */
export function addClientsToSpec(text: string, file: string, clients: NewClient[]): { text: string; parsed: ParsedSpec } {
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

  const doc = parseDocument(text);
  let list = doc.get("clients", true);
  if (!isSeq(list)) {
    list = new YAMLSeq();
    doc.set("clients", list);
  }
  for (const client of clients) {
    const entry: Record<string, unknown> = { name: client.name };
    if (client.cn !== undefined && client.cn !== client.name) entry.cn = client.cn;
    if (client.key !== undefined) entry.key = client.key;
    if (client.days !== undefined) entry.days = client.days;
    if (client.deviceKey) entry.deviceKey = true;
    const node = doc.createNode(entry);
    if (isMap(node)) node.flow = false;
    (list as YAMLSeq).add(node);
  }
  const updated = doc.toString({ flowCollectionPadding: false });
  return { text: updated, parsed: parseSpec(updated, file) };
}
