import { sha256Hex } from "../crypto/hash.js";
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

export function digest(text: string | Buffer): string {
  return sha256Hex(text);
}

/** Every revoked serial at once, as a set: a fleet looks up each of 100,000 certificates. */
export function revokedSerials(ledger: Ledger | undefined): ReadonlySet<string> {
  return new Set(
    (ledger?.certificates ?? []).filter((known) => known.status === "revoked").map((known) => known.serial),
  );
}

/** The active record of each client, by name. */
export function activeClientRecords(ledger: Ledger | undefined): Map<string, IssuedRecord> {
  return new Map(
    (ledger?.certificates ?? [])
      .filter((r) => r.role === "client" && r.status === "active")
      .map((r) => [r.name, r] as const),
  );
}

/** Revoked certificates signed by one CA, for its CRL. */
export function revokedBy(ledger: Ledger, issuerFingerprint: string): IssuedRecord[] {
  return ledger.certificates.filter((known) => known.status === "revoked" && known.issuer === issuerFingerprint);
}

/**
 * The ledger while a build changes it, indexed so that recording 10,000 certificates stays
 * linear: a holder's new certificate supersedes its active one; revoking covers every
 * still-valid certificate of the holder (an old one may sit on a stolen device too).
 */
export class LedgerBook {
  private readonly certificates: IssuedRecord[];
  private readonly byFingerprint = new Map<string, number>();
  private readonly activeByHolder = new Map<string, number>();
  /** Built on first use: only a build that reconciles the ledger with a CRL on disk looks serials up. */
  private bySerial?: Map<string, number>;
  private changed = false;
  private readonly readCrlNumber: number;
  crlNumber: number;

  constructor(ledger: Ledger) {
    this.certificates = [...ledger.certificates];
    this.crlNumber = this.readCrlNumber = ledger.crlNumber;
    this.certificates.forEach((record, index) => this.index(record, index));
  }

  private index(record: IssuedRecord, index: number): void {
    this.byFingerprint.set(record.fingerprint256, index);
    this.bySerial?.set(`${record.issuer}/${record.serial}`, index);
    if (record.status === "active") this.activeByHolder.set(`${record.role}:${record.name}`, index);
  }

  private serialIndex(): Map<string, number> {
    return (this.bySerial ??= new Map(
      this.certificates.map((record, at) => [`${record.issuer}/${record.serial}`, at]),
    ));
  }

  knowsSerial(serial: string, issuer: string): boolean {
    return this.serialIndex().has(`${issuer}/${serial}`);
  }

  has(fingerprint: string): boolean {
    return this.byFingerprint.has(fingerprint);
  }

  /** Whether anything was recorded since the ledger was read: an unchanged one need not be written again. */
  get modified(): boolean {
    return this.changed || this.crlNumber !== this.readCrlNumber;
  }

  /** Records a newly issued (or newly found) certificate; known fingerprints are ignored. */
  issued(record: IssuedRecord): void {
    if (this.byFingerprint.has(record.fingerprint256)) return;
    this.changed = true;
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
    this.changed = true;
    this.certificates[index] = { ...record, ...fields };
  }

  revoke(role: Role, name: string, reason: RevocationReason, now: Date): void {
    this.certificates.forEach((record, index) => {
      if (
        record.role !== role ||
        record.name !== name ||
        record.status === "revoked" ||
        new Date(record.notAfter) <= now
      )
        return;
      this.changed = true;
      this.certificates[index] = { ...record, status: "revoked", revokedAt: now.toISOString(), reason };
    });
    this.activeByHolder.delete(`${role}:${name}`);
  }

  /**
   * Marks a certificate revoked again because the CRL on disk lists it (state.json lost it, or
   * was edited back to active): returns its record as it was, or undefined when nothing changed
   * or the ledger does not know the serial.
   */
  restoreRevocation(
    serial: string,
    issuer: string,
    listed: { revokedAt: Date; reason: RevocationReason },
  ): IssuedRecord | undefined {
    const index = this.serialIndex().get(`${issuer}/${serial}`);
    if (index === undefined) return undefined;
    const record = this.certificates[index];
    if (record.status === "revoked") {
      // Rebuilt from the tree, it knows the revocation but not its date: the CRL does.
      if (record.revokedAt === undefined) {
        this.changed = true;
        this.certificates[index] = { ...record, revokedAt: listed.revokedAt.toISOString(), reason: listed.reason };
      }
      return undefined;
    }
    this.changed = true;
    this.certificates[index] = {
      ...record,
      status: "revoked",
      revokedAt: listed.revokedAt.toISOString(),
      reason: listed.reason,
    };
    if (this.activeByHolder.get(`${record.role}:${record.name}`) === index)
      this.activeByHolder.delete(`${record.role}:${record.name}`);
    return record;
  }

  ledger(): Ledger {
    return { version: 1, crlNumber: this.crlNumber, certificates: [...this.certificates] };
  }
}
