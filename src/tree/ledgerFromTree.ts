import { fingerprintOf } from "../crypto/hash.js";
import { fromPem } from "../crypto/pem.js";
import { revokedSerials } from "../crypto/crlSerials.js";
import { issuedBy, type CertFacts } from "../crypto/facts.js";
import { emptyLedger, LedgerBook, recordOf, type IssuedRecord, type Ledger } from "../state/ledger.js";
import type { TreeState } from "./read.js";

function pemFingerprint(pem: string): string {
  return fingerprintOf(fromPem(pem));
}

/**
 * Certificates in the tree that the ledger does not know (state.json lost, or a run killed
 * between writing a certificate and writing state.json), as records to add. Only these pay
 * for the signature check that finds their issuer.
 */
export function unrecordedCertificates(tree: TreeState, known: (fingerprint: string) => boolean): IssuedRecord[] {
  const cas = [tree.previousCa.facts, tree.ca.facts].filter((facts): facts is CertFacts => facts !== undefined);
  const records: IssuedRecord[] = cas
    .filter((ca) => !known(ca.fingerprint256))
    .map((ca) => recordOf("ca", "ca", ca, ca.fingerprint256));
  const revoked = tree.crlPem ? revokedSerials(tree.crlPem) : new Set<string>();
  // Fingerprints straight from the PEM: parsing 10,000 known certificates just to skip them costs seconds.
  const leaves = [
    ...[...tree.servers].map(([name, pair]) => ({ role: "server" as const, name, pair })),
    ...[...tree.clients].map(([name, pair]) => ({ role: "client" as const, name, pair })),
  ]
    .filter(({ pair }) => pair.certPem !== undefined && !known(pemFingerprint(pair.certPem)))
    .map(({ role, name, pair }) => ({ role, name, facts: pair.facts }));
  for (const leaf of leaves) {
    if (!leaf.facts) continue;
    const issuer = cas.find((ca) => issuedBy(leaf.facts!, ca));
    const record = recordOf(leaf.role, leaf.name, leaf.facts, issuer?.fingerprint256 ?? "unknown");
    records.push(revoked.has(record.serial) ? { ...record, status: "revoked", reason: "unspecified" } : record);
  }
  return records;
}

/**
 * Rebuilds a lost state.json from what the tree still shows: the CA(s), every leaf on disk,
 * and the serials listed in crl.pem.
 */
export function ledgerFromTree(tree: TreeState): Ledger {
  const book = new LedgerBook(emptyLedger());
  for (const record of unrecordedCertificates(tree, () => false)) book.issued(record);
  return book.ledger();
}
