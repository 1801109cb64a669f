import { createPrivateKey, type KeyObject } from "node:crypto";
import { CLIENT_AUTH, issuedBy, SERVER_AUTH, type CertFacts } from "../crypto/facts.js";
import { fingerprintOf } from "../crypto/hash.js";
import { fromPem } from "../crypto/pem.js";
import { algorithmOf } from "../crypto/keys.js";
import { sanCovers } from "../spec/rules.js";
import { digest, type IssuedRecord, type Ledger } from "../state/ledger.js";
import type { StoredPair } from "../tree/read.js";
import type { ClientSpec, KeyAlgorithm, ServerSpec, SubjectFields } from "../spec/types.js";
import { specDigest } from "./specDigest.js";

/** Which CA signs a leaf: the current one, or (during a CA rotation, for servers) the retiring one. */
export type IssuerChoice = "current" | "previous";

/** What comparing a stored leaf with the spec needs: the CAs, the time, the ledger and the rotations asked for. */
export interface LeafContext {
  current?: CertFacts;
  previous?: CertFacts;
  now: Date;
  rotating: boolean;
  ledger?: Ledger;
  /** The ledger's revoked serials. */
  revoked: ReadonlySet<string>;
  /** The ledger's active record per "role:name". */
  active: Map<string, IssuedRecord>;
  rotate: Map<string, { keepKey: boolean }>;
}

/** Every way an existing leaf certificate differs from what the spec asks for. */
export function leafDrift(
  role: "server" | "client",
  entry: ServerSpec | ClientSpec,
  facts: CertFacts,
  issuer: IssuerChoice,
  context: LeafContext,
): string[] {
  const reasons: string[] = [];
  const signer = issuer === "previous" ? context.previous : context.current;
  const accepted = (role === "server" ? [signer] : [context.current, context.previous]).filter(
    (ca): ca is CertFacts => ca !== undefined,
  );
  if (accepted.length === 0) reasons.push("the CA is new");
  else if (!accepted.some((ca) => issuedBy(facts, ca))) {
    reasons.push(
      context.previous && issuedBy(facts, context.previous) ? "issued by the retiring CA" : "issued by another CA",
    );
  }
  if (!sameSubject(facts.subject, entry)) reasons.push(`subject changes from "${facts.cn}" to "${entry.cn}"`);
  if (facts.notAfter.getTime() <= context.now.getTime()) reasons.push("expired");
  const usage = role === "server" ? SERVER_AUTH : CLIENT_AUTH;
  if (!facts.extendedKeyUsage.includes(usage)) reasons.push(`lacks the ${role} usage`);
  if (role === "server") {
    const server = entry as ServerSpec;
    if (
      !sameSet(
        facts.dns.map((d) => d.toLowerCase()),
        server.dns.map((d) => d.toLowerCase()),
      ) ||
      !sameIps(facts.ip, server.ip)
    ) {
      reasons.push("subject alternative names change");
    }
  }
  return reasons;
}

export function parseKey(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}

export function safeAlgorithm(key: KeyObject): KeyAlgorithm | undefined {
  try {
    return algorithmOf(key);
  } catch {
    return undefined;
  }
}

/**
 * The fast path for large fleets: the ledger says this exact certificate and key file were
 * written together for this exact spec entry by an accepted CA, and it has not expired, so
 * nothing needs parsing. Anything else falls through to the full comparison.
 */
export function untouchedSinceIssued(
  role: "server" | "client",
  entry: ServerSpec | ClientSpec,
  stored: StoredPair,
  issuer: IssuerChoice,
  context: LeafContext,
): boolean {
  const record = context.active.get(`${role}:${entry.name}`);
  if (!record || !record.keyDigest || !record.specDigest || stored.certPem === undefined || stored.keyPem === undefined)
    return false;
  const accepted =
    role === "server"
      ? [issuer === "previous" ? context.previous : context.current]
      : [context.current, context.previous];
  return (
    record.fingerprint256 === fingerprintOf(fromPem(stored.certPem)) &&
    record.keyDigest === digest(stored.keyPem) &&
    record.specDigest === specDigest(role, entry) &&
    accepted.some((ca) => ca !== undefined && ca.fingerprint256 === record.issuer) &&
    new Date(record.notAfter).getTime() > context.now.getTime()
  );
}

function sameSubject(actual: Record<string, string>, wanted: SubjectFields): boolean {
  const pairs: [string, string | undefined][] = [
    ["CN", wanted.cn],
    ["O", wanted.o],
    ["OU", wanted.ou],
    ["C", wanted.c],
    ["ST", wanted.st],
    ["L", wanted.l],
  ];
  return (
    pairs.every(([key, value]) => (actual[key] ?? undefined) === (value || undefined)) &&
    Object.keys(actual).length === pairs.filter(([, v]) => v).length
  );
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

function sameIps(actual: string[], wanted: string[]): boolean {
  return actual.length === wanted.length && wanted.every((ip) => sanCovers(ip, [], actual));
}
