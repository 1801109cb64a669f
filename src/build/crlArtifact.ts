import { issueCrl, type RevokedEntry } from "../crypto/crl.js";
import { crlSignedBy, highestCrlNumber, readCrls, type CrlFacts, type ListedRevocation } from "../crypto/crlFile.js";
import type { IssuingCa } from "../crypto/issue.js";
import type { x509 } from "../crypto/provider.js";
import { revokedBy, type LedgerBook } from "../state/ledger.js";
import { DAY_MS } from "../clock.js";
import { crlRenewalDue } from "../state/crlDue.js";

/**
 * The CRL of a tree: one per trusted CA in ca/crl.pem, from the first build on (empty until
 * something is revoked), because mosquitto 2.0 applies a crlfile added to a running broker's
 * conf only after a restart, while a replaced CRL is reloaded on SIGHUP.
 *
 * The CRL on disk is also a second memory beside state.json: every serial it lists stays
 * listed, and its numbers (and those of the archived ones) are never used again.
 */

/** A CA the tree trusts, as the CRL step needs it: its certificate, and its key only to sign. */
export interface CrlIssuer {
  certificate: x509.X509Certificate;
  fingerprint256: string;
  unlock(): Promise<IssuingCa>;
}

/** What the CRL on disk knew that the ledger did not: revocations put back, serials only the CRL lists. */
export interface CrlReconciliation {
  /** ca/crl.pem as read, kept byte for byte while it is still good. */
  text?: string;
  crls: CrlFacts[];
  /** Per trusted CA (by fingerprint): which existing CRL it signed. */
  signedBy: Map<string, CrlFacts>;
  /** Listed serials the ledger has no record of (their certificate and record are gone). */
  orphans: Map<string, ListedRevocation[]>;
  notes: string[];
}

/** Puts back into the ledger every revocation the current CRL lists; un-revoking is not a feature. */
export function reconcileWithCrl(
  book: LedgerBook,
  existing: string | undefined,
  trusted: CrlIssuer[],
): CrlReconciliation {
  const crls = readCrls(existing);
  const signedBy = new Map<string, CrlFacts>();
  const orphans = new Map<string, ListedRevocation[]>();
  const notes: string[] = [];
  for (const ca of trusted) {
    const crl = crls.find((candidate) => crlSignedBy(candidate, Buffer.from(ca.certificate.rawData)));
    if (!crl) continue;
    signedBy.set(ca.fingerprint256, crl);
    const lost: ListedRevocation[] = [];
    for (const entry of crl.entries) {
      const record = book.restoreRevocation(entry.serial, ca.fingerprint256, entry);
      if (record) {
        notes.push(
          `state.json recorded ${record.role} ${record.name} (serial ${entry.serial}) as ${record.status}, but ca/crl.pem lists it as revoked on ${entry.revokedAt.toISOString().slice(0, 10)}: it stays revoked (a revocation is never undone; give the device a new certificate with \`mqtt-pki rotate ${record.name}\`)`,
        );
      } else if (!book.knowsSerial(entry.serial, ca.fingerprint256)) lost.push(entry);
    }
    if (lost.length > 0) {
      orphans.set(ca.fingerprint256, lost);
      notes.push(
        `ca/crl.pem lists ${lost.length} revoked serial(s) that state.json has no record of (${lost
          .slice(0, 3)
          .map((e) => e.serial)
          .join(", ")}${lost.length > 3 ? ", ..." : ""}): they stay on the CRL`,
      );
    }
  }
  return { text: existing, crls, signedBy, orphans, notes };
}

export interface CrlRequest {
  book: LedgerBook;
  trusted: CrlIssuer[];
  reconciled: CrlReconciliation;
  /** The highest CRL number among archived CRLs (0 when none). */
  archivedNumber: number;
  now: Date;
  crlDays: number;
  /** Renew even when the CRL on disk is still good (`mqtt-pki crl --force`). */
  force?: boolean;
}

export interface CrlOutcome {
  pem: string;
  /** False when the CRL on disk was kept byte for byte. */
  renewed: boolean;
}

/** Written CRLs start a little in the past, like certificates: a broker whose clock lags must not find them "not yet valid". */
const BACKDATE_MS = 5 * 60 * 1000;

/** The CRLs the tree should have: the one on disk while it lists the right serials and is not due, else new ones. */
export async function renderCrl(request: CrlRequest): Promise<CrlOutcome> {
  const { book, trusted, reconciled, now } = request;
  const ledger = book.ledger();
  const wanted = trusted.map((ca) => {
    const entries: RevokedEntry[] = revokedBy(ledger, ca.fingerprint256).map((r) => ({
      serial: r.serial,
      revokedAt: new Date(r.revokedAt ?? now),
      reason: r.reason ?? "unspecified",
    }));
    for (const orphan of reconciled.orphans.get(ca.fingerprint256) ?? []) entries.push(orphan);
    return { ca, entries };
  });
  const existing = reconciled.text;
  if (
    !request.force &&
    existing !== undefined &&
    reconciled.crls.length === trusted.length &&
    wanted.every(({ ca, entries }) => stillGood(reconciled.signedBy.get(ca.fingerprint256), entries, request))
  ) {
    return { pem: existing, renewed: false };
  }
  // Never reuse a number: not the ledger's, not one on disk, not an archived one.
  let number = Math.max(book.crlNumber, highestCrlNumber(reconciled.crls), request.archivedNumber);
  const blocks: string[] = [];
  for (const { ca, entries } of wanted) {
    number += 1;
    blocks.push(
      await issueCrl(await ca.unlock(), {
        entries,
        crlNumber: number,
        thisUpdate: new Date(now.getTime() - BACKDATE_MS),
        nextUpdate: new Date(now.getTime() + request.crlDays * DAY_MS),
      }),
    );
  }
  book.crlNumber = number;
  return { pem: blocks.join(""), renewed: true };
}

function stillGood(crl: CrlFacts | undefined, entries: RevokedEntry[], request: CrlRequest): boolean {
  if (
    !crl ||
    crl.thisUpdate.getTime() > request.now.getTime() ||
    crlRenewalDue(crl.nextUpdate, request.crlDays, request.now)
  )
    return false;
  const listed = new Set(crl.entries.map((entry) => entry.serial));
  return listed.size === entries.length && entries.every((entry) => listed.has(entry.serial));
}
