import { sha256Hex } from "../crypto/hash.js";
import { normalizeIp } from "../spec/rules.js";
import type { ClientSpec, ServerSpec } from "../spec/types.js";

/**
 * What a leaf certificate was issued from: role, subject, names and key type. Recorded in the
 * ledger at issuance; an equal digest later means the spec entry did not change.
 */
export function specDigest(role: "server" | "client", entry: ServerSpec | ClientSpec): string {
  const server = role === "server" ? (entry as ServerSpec) : undefined;
  const material = {
    role,
    subject: [entry.c, entry.st, entry.l, entry.o, entry.ou, entry.cn].map((v) => v ?? ""),
    dns: server ? server.dns.map((d) => d.toLowerCase()).sort() : [],
    ip: server ? server.ip.map(normalizeIp).sort() : [],
    key: entry.key,
    deviceKey: role === "client" ? (entry as ClientSpec).deviceKey : false,
  };
  return sha256Hex(JSON.stringify(material));
}
