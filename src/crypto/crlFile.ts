import { X509Certificate } from "node:crypto";
import { pemBlocks } from "./pem.js";
import { certificateSubject } from "./asn1/structures.js";
import {
  crlFacts,
  crlSignedBy as signatureVerifies,
  nameKey,
  type CrlFacts,
  type ListedRevocation,
} from "./crlFacts.js";

export type { CrlFacts, ListedRevocation };

/** Every CRL in a crl.pem (one per trusted CA); blocks that do not parse are left out. */
export function readCrls(text: string | undefined): CrlFacts[] {
  const facts: CrlFacts[] = [];
  for (const pem of pemBlocks(text ?? "", "X509 CRL")) {
    try {
      facts.push(crlFacts(pem));
    } catch {
      // An unreadable block is renewed away by the next build; verify and lint name it.
    }
  }
  return facts;
}

/** Whether the CA certificate (its DER) signed this CRL: its name is the issuer (as OpenSSL compares names) and its key verifies the signature. */
export function crlSignedBy(facts: CrlFacts, caDer: Buffer): boolean {
  if (nameKey(certificateSubject(caDer)) !== facts.issuerKey) return false;
  return signatureVerifies(facts, new X509Certificate(caDer).publicKey) === true;
}

/** The highest CRL number a set of CRLs used (0 when none carries one). */
export function highestCrlNumber(crls: CrlFacts[]): number {
  return crls.reduce((high, crl) => Math.max(high, crl.number ?? 0), 0);
}
