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

export interface CrlContent {
  entries: RevokedEntry[];
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
}

/**
 * A CRL signed by `ca`. PEM label "X509 CRL": OpenSSL and mosquitto reject the library's
 * default "CRL" label ("no start line").
 */
export async function issueCrl(ca: IssuingCa, content: CrlContent): Promise<string> {
  const crl = await x509.X509CrlGenerator.create(
    {
      issuer: ca.certificate.subjectName,
      thisUpdate: content.thisUpdate,
      nextUpdate: content.nextUpdate,
      signingKey: ca.signer.privateKey,
      signingAlgorithm: ca.signer.signingAlgorithm,
      entries: content.entries.map((entry) => ({
        serialNumber: entry.serial,
        revocationDate: entry.revokedAt,
        reason: x509.X509CrlReason[entry.reason],
      })),
      extensions: [
        new x509.AuthorityKeyIdentifierExtension(keyIdentifier(Buffer.from(ca.certificate.publicKey.rawData)), false),
        new x509.Extension("2.5.29.20", false, AsnConvert.serialize(new CRLNumber(content.crlNumber))),
      ],
    },
    ca.signer.crypto,
  );
  return `${x509.PemConverter.encode(crl.rawData, "X509 CRL")}\n`;
}
