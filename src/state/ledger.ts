import type { CertFacts } from "../crypto/facts.js";
import type { RevocationReason } from "../crypto/crl.js";
import type { Role } from "../crypto/profiles.js";

export type RecordStatus = "active" | "superseded" | "revoked";

/** One certificate this tree ever issued. */
export interface IssuedRecord {
  serial: string;
  role: Role;
  name: string;
  cn: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  /** Fingerprint of the CA certificate that signed it (itself for a root). */
  issuer: string;
  status: RecordStatus;
  revokedAt?: string;
  reason?: RevocationReason;
}

/**
 * The tree's memory: every serial issued, what replaced what, what was revoked. Stored as
 * state.json in the tree; when lost, `ledgerFromCertificates` rebuilds it from the certs.
 */
export interface Ledger {
  version: 1;
  /** Last CRL number used; CRL numbers only ever grow. */
  crlNumber: number;
  certificates: IssuedRecord[];
}

export function emptyLedger(): Ledger {
  return { version: 1, crlNumber: 0, certificates: [] };
}

export function recordOf(role: Role, name: string, facts: CertFacts, issuerFingerprint: string): IssuedRecord {
  return {
    serial: facts.serial,
    role,
    name,
    cn: facts.cn,
    notBefore: facts.notBefore.toISOString(),
    notAfter: facts.notAfter.toISOString(),
    fingerprint256: facts.fingerprint256,
    issuer: issuerFingerprint,
    status: "active",
  };
}

/** Adds a newly issued certificate; the holder's previous active one becomes superseded. */
export function recordIssued(ledger: Ledger, record: IssuedRecord): Ledger {
  if (ledger.certificates.some((known) => known.fingerprint256 === record.fingerprint256)) return ledger;
  const certificates = ledger.certificates.map((known) =>
    known.role === record.role && known.name === record.name && known.status === "active" ? { ...known, status: "superseded" as const } : known);
  return { ...ledger, certificates: [...certificates, record] };
}

/** Revokes every still-valid certificate of a holder (an old one may sit on the stolen device too). */
export function recordRevoked(ledger: Ledger, role: Role, name: string, reason: RevocationReason, now: Date): { ledger: Ledger; revoked: IssuedRecord[] } {
  const revoked: IssuedRecord[] = [];
  const certificates = ledger.certificates.map((known) => {
    if (known.role !== role || known.name !== name || known.status === "revoked" || new Date(known.notAfter) <= now) return known;
    const record = { ...known, status: "revoked" as const, revokedAt: now.toISOString(), reason };
    revoked.push(record);
    return record;
  });
  return { ledger: { ...ledger, certificates }, revoked };
}

/** Adds what the tree shows but the ledger lacks (a run killed after writing a certificate, before state.json). */
export function reconcile(ledger: Ledger, seen: Ledger): Ledger {
  return seen.certificates.reduce((merged, record) => recordIssued(merged, record), ledger);
}

export function activeRecord(ledger: Ledger, role: Role, name: string): IssuedRecord | undefined {
  return ledger.certificates.find((known) => known.role === role && known.name === name && known.status === "active");
}

export function isRevoked(ledger: Ledger, serial: string): boolean {
  return ledger.certificates.some((known) => known.serial === serial && known.status === "revoked");
}

/** Revoked certificates signed by one CA, for its CRL. */
export function revokedBy(ledger: Ledger, issuerFingerprint: string): IssuedRecord[] {
  return ledger.certificates.filter((known) => known.status === "revoked" && known.issuer === issuerFingerprint);
}

export function serializeLedger(ledger: Ledger): string {
  return `${JSON.stringify(ledger, null, 2)}\n`;
}
