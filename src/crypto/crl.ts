import { AsnConvert } from "@peculiar/asn1-schema";
import { CRLNumber } from "@peculiar/asn1-x509";
import { x509 } from "./provider.js";
import { keyIdentifier } from "./profiles.js";
import type { IssuingCa } from "./issue.js";

import { REVOCATION_REASONS, type RevocationReason } from "./revocationReasons.js";
export { REVOCATION_REASONS, type RevocationReason };

export interface RevokedEntry {
  serial: string;
  revokedAt: Date;
  reason: RevocationReason;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A CRL signed by `ca`. PEM label "X509 CRL": OpenSSL and mosquitto reject the library's
 * default "CRL" label ("no start line").
 */
export async function issueCrl(ca: IssuingCa, entries: RevokedEntry[], crlNumber: number, now: Date, days: number): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.certificate.subjectName,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + days * DAY_MS),
    signingKey: ca.signer.privateKey,
    signingAlgorithm: ca.signer.signingAlgorithm,
    entries: entries.map((entry) => ({
      serialNumber: entry.serial,
      revocationDate: entry.revokedAt,
      reason: x509.X509CrlReason[entry.reason],
    })),
    extensions: [
      new x509.AuthorityKeyIdentifierExtension(keyIdentifier(Buffer.from(ca.certificate.publicKey.rawData)), false),
      new x509.Extension("2.5.29.20", false, AsnConvert.serialize(new CRLNumber(crlNumber))),
    ],
  }, ca.signer.crypto);
  return `${x509.PemConverter.encode(crl.rawData, "X509 CRL")}\n`;
}
