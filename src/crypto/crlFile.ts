import { AsnConvert } from "@peculiar/asn1-schema";
import { CRLNumber, id_ce_cRLNumber } from "@peculiar/asn1-x509";
import { x509 } from "./provider.js";
import { pemBlocks } from "./der.js";
import { REVOCATION_REASONS, type RevocationReason } from "./revocationReasons.js";

/** One revoked serial as a CRL on disk lists it. */
export interface ListedRevocation {
  /** Lower-case hex, as the ledger keeps serials. */
  serial: string;
  revokedAt: Date;
  reason: RevocationReason;
}

/** What a CRL says, read once: who signed it, its number, its window and its entries. */
export interface CrlFacts {
  pem: string;
  crl: x509.X509Crl;
  issuer: string;
  number?: number;
  thisUpdate: Date;
  nextUpdate?: Date;
  entries: ListedRevocation[];
}

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

export function crlFacts(pem: string): CrlFacts {
  const crl = new x509.X509Crl(pem);
  return {
    pem,
    crl,
    issuer: crl.issuer,
    number: crlNumberOf(crl),
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate,
    entries: crl.entries.map((entry) => ({
      serial: entry.serialNumber.toLowerCase(),
      revokedAt: entry.revocationDate,
      reason: reasonName(entry.reason),
    })),
  };
}

function crlNumberOf(crl: x509.X509Crl): number | undefined {
  const extension = crl.extensions.find((e) => e.type === id_ce_cRLNumber);
  if (!extension) return undefined;
  const value = AsnConvert.parse(extension.value, CRLNumber).value;
  return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
}

function reasonName(code: x509.X509CrlReason | undefined): RevocationReason {
  const name = code === undefined ? undefined : x509.X509CrlReason[code];
  return (REVOCATION_REASONS as readonly string[]).includes(name ?? "") ? (name as RevocationReason) : "unspecified";
}

/** Whether `ca` (a certificate, or its DER) signed this CRL: its name is the issuer and its key verifies the signature. */
export async function crlSignedBy(facts: CrlFacts, caCert: x509.X509Certificate | Buffer): Promise<boolean> {
  const ca = Buffer.isBuffer(caCert) ? new x509.X509Certificate(new Uint8Array(caCert)) : caCert;
  if (facts.issuer !== ca.subject) return false;
  try {
    return await facts.crl.verify({ publicKey: ca.publicKey });
  } catch {
    return false;
  }
}

/** The highest CRL number a set of CRLs used (0 when none carries one). */
export function highestCrlNumber(crls: CrlFacts[]): number {
  return crls.reduce((high, crl) => Math.max(high, crl.number ?? 0), 0);
}
