import { createHash } from "node:crypto";
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
  /** SHA-256 of the key file as written beside it, and of the spec entry it was issued for: with
   *  these a rebuild can tell an untouched pair from a changed one without parsing either. */
  keyDigest?: string;
  specDigest?: string;
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

export function digest(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
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

/**
 * The ledger while a build changes it: same rules as the functions above, but with indexes so
 * that recording 10,000 certificates stays linear.
 */
export class LedgerBook {
  private readonly certificates: IssuedRecord[];
  private readonly byFingerprint = new Map<string, number>();
  private readonly activeByHolder = new Map<string, number>();
  crlNumber: number;

  constructor(ledger: Ledger) {
    this.certificates = [...ledger.certificates];
    this.crlNumber = ledger.crlNumber;
    this.certificates.forEach((record, index) => this.index(record, index));
  }

  private index(record: IssuedRecord, index: number): void {
    this.byFingerprint.set(record.fingerprint256, index);
    if (record.status === "active") this.activeByHolder.set(`${record.role}:${record.name}`, index);
  }

  has(fingerprint: string): boolean {
    return this.byFingerprint.has(fingerprint);
  }

  /** Same as recordIssued. */
  issued(record: IssuedRecord): void {
    if (this.byFingerprint.has(record.fingerprint256)) return;
    const holder = `${record.role}:${record.name}`;
    const previous = this.activeByHolder.get(holder);
    if (previous !== undefined) {
      this.certificates[previous] = { ...this.certificates[previous], status: "superseded" };
      this.activeByHolder.delete(holder);
    }
    this.certificates.push(record);
    this.index(record, this.certificates.length - 1);
  }

  /** Adds digests to a known certificate's record (one issued before they were recorded). */
  annotate(fingerprint: string, fields: Pick<IssuedRecord, "keyDigest" | "specDigest">): void {
    const index = this.byFingerprint.get(fingerprint);
    if (index === undefined) return;
    const record = this.certificates[index];
    if (record.keyDigest === fields.keyDigest && record.specDigest === fields.specDigest) return;
    this.certificates[index] = { ...record, ...fields };
  }

  /** Same as reconcile. */
  reconcile(seen: Ledger): void {
    for (const record of seen.certificates) this.issued(record);
  }

  /** Same as recordRevoked. */
  revoke(role: Role, name: string, reason: RevocationReason, now: Date): void {
    const revoked = recordRevoked({ version: 1, crlNumber: 0, certificates: this.certificates.filter((r) => r.role === role && r.name === name) }, role, name, reason, now);
    const byFingerprint = new Map(revoked.ledger.certificates.map((r) => [r.fingerprint256, r]));
    this.certificates.forEach((record, index) => {
      const updated = byFingerprint.get(record.fingerprint256);
      if (updated) this.certificates[index] = updated;
    });
    this.activeByHolder.delete(`${role}:${name}`);
  }

  ledger(): Ledger {
    return { version: 1, crlNumber: this.crlNumber, certificates: [...this.certificates] };
  }
}

export function serializeLedger(ledger: Ledger): string {
  return `${JSON.stringify(ledger, null, 2)}\n`;
}
