import { TreeError } from "../errors.js";
import { certMatchesKey, CLIENT_AUTH, issuedBy, SERVER_AUTH, type CertFacts } from "../crypto/facts.js";
import { loadPrivateKey } from "../crypto/keys.js";
import { sanCovers } from "../spec/rules.js";
import type { Role } from "../crypto/profiles.js";
import type { StoredPair, TreeState } from "../tree/read.js";
import type { ClientSpec, KeyAlgorithm, ServerSpec, Spec, SubjectFields } from "../spec/types.js";

export type PlanAction = "create" | "reissue" | "keep";

/** What the build will do for one certificate holder, and why. */
export interface EntityPlan {
  role: Role;
  name: string;
  action: PlanAction;
  /** Whether a new key is made (otherwise the one on disk is reused). */
  newKey: boolean;
  reasons: string[];
}

export interface BuildPlan {
  ca: EntityPlan;
  servers: EntityPlan[];
  clients: EntityPlan[];
  /** Things the build leaves alone but the user should hear about. */
  notes: string[];
}

/**
 * Decides what to create, keep or reissue so the tree matches the spec. Pure over the
 * spec and what is on disk; never plans to replace an existing CA key.
 */
export function planBuild(spec: Spec, tree: TreeState, now: Date): BuildPlan {
  const notes: string[] = [];
  const ca = planCa(spec, tree.ca, notes);
  const caFacts = ca.action === "keep" ? tree.ca.facts : undefined;
  const caChanged = ca.action !== "keep";
  const servers = spec.servers.map((server) => planLeaf("server", server, tree.servers.get(server.name) ?? {}, caFacts, caChanged, now));
  const clients = spec.clients.map((client) => planLeaf("client", client, tree.clients.get(client.name) ?? {}, caFacts, caChanged, now));
  for (const name of tree.strayClients) notes.push(`clients/${name} is in the tree but not in the spec; left untouched (its key is kept)`);
  for (const name of tree.strayServers) notes.push(`servers/${name} is in the tree but not in the spec; left untouched (its key is kept)`);
  return { ca, servers, clients, notes };
}

function planCa(spec: Spec, stored: StoredPair, notes: string[]): EntityPlan {
  const base = { role: "ca" as const, name: "ca" };
  if (stored.keyPem === undefined && stored.certPem === undefined) return { ...base, action: "create", newKey: true, reasons: ["no CA yet"] };
  if (stored.keyPem === undefined) {
    throw new TreeError("the CA certificate exists but its key ca/ca.key is missing", {
      hint: "restore ca/ca.key from your backup; mqtt-pki never replaces an existing CA on its own, because every device trusts it",
    });
  }
  if (!stored.facts) return { ...base, action: "reissue", newKey: false, reasons: [stored.certError ? "ca.crt is unreadable" : "ca.crt is missing"] };
  if (!certMatchesKey(stored.facts, stored.keyPem)) {
    throw new TreeError("ca/ca.crt does not belong to ca/ca.key", {
      hint: "put back the matching pair from your backup; mqtt-pki will not guess which of the two is right",
    });
  }
  if (stored.facts.cn !== spec.ca.cn) notes.push(`the CA on disk has CN "${stored.facts.cn}", the spec says "${spec.ca.cn}"; the CA is kept (replacing it would cut off every device)`);
  return { ...base, action: "keep", newKey: false, reasons: [] };
}

function planLeaf(role: "server" | "client", entry: ServerSpec | ClientSpec, stored: StoredPair, ca: CertFacts | undefined, caChanged: boolean, now: Date): EntityPlan {
  const base = { role, name: entry.name };
  const keyAlgorithm = stored.keyPem !== undefined ? keyAlgorithmOf(stored.keyPem) : undefined;
  const keyUsable = keyAlgorithm === entry.key;
  const newKey = !keyUsable;
  const keyReason = stored.keyPem === undefined ? "no key yet" : keyAlgorithm === undefined ? "key file unreadable" : `key type changes from ${keyAlgorithm} to ${entry.key}`;
  if (!stored.facts) {
    return { ...base, action: stored.keyPem === undefined && stored.certPem === undefined ? "create" : "reissue", newKey, reasons: [stored.certPem === undefined ? "no certificate yet" : "certificate unreadable", ...(newKey && stored.keyPem !== undefined ? [keyReason] : [])] };
  }
  const reasons = leafDrift(role, entry, stored.facts, ca, caChanged, now);
  if (newKey) reasons.unshift(keyReason);
  else if (!certMatchesKey(stored.facts, stored.keyPem!)) reasons.push("certificate does not match the key");
  return { ...base, action: reasons.length > 0 ? "reissue" : "keep", newKey, reasons };
}

/** Every way an existing leaf certificate differs from what the spec asks for. */
function leafDrift(role: "server" | "client", entry: ServerSpec | ClientSpec, facts: CertFacts, ca: CertFacts | undefined, caChanged: boolean, now: Date): string[] {
  const reasons: string[] = [];
  if (caChanged || !ca) reasons.push("the CA is new");
  else if (!issuedBy(facts, ca)) reasons.push("issued by another CA");
  if (!sameSubject(facts.subject, entry)) reasons.push(`subject changes from "${facts.cn}" to "${entry.cn}"`);
  if (facts.notAfter.getTime() <= now.getTime()) reasons.push("expired");
  const usage = role === "server" ? SERVER_AUTH : CLIENT_AUTH;
  if (!facts.extendedKeyUsage.includes(usage)) reasons.push(`lacks the ${role} usage`);
  if (role === "server") {
    const server = entry as ServerSpec;
    if (!sameSet(facts.dns.map((d) => d.toLowerCase()), server.dns.map((d) => d.toLowerCase())) || !sameIps(facts.ip, server.ip)) {
      reasons.push("subject alternative names change");
    }
  }
  return reasons;
}

function keyAlgorithmOf(pem: string): KeyAlgorithm | undefined {
  try {
    return loadPrivateKey(pem).algorithm;
  } catch {
    return undefined;
  }
}

function sameSubject(actual: Record<string, string>, wanted: SubjectFields): boolean {
  const pairs: [string, string | undefined][] = [["CN", wanted.cn], ["O", wanted.o], ["OU", wanted.ou], ["C", wanted.c], ["ST", wanted.st], ["L", wanted.l]];
  return pairs.every(([key, value]) => (actual[key] ?? undefined) === (value || undefined)) && Object.keys(actual).length === pairs.filter(([, v]) => v).length;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

function sameIps(actual: string[], wanted: string[]): boolean {
  return actual.length === wanted.length && wanted.every((ip) => sanCovers(ip, [], actual));
}
