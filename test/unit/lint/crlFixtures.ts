/**
 * CAs and CRLs for the crlfile rules: real CRLs signed with the project's own issueCrl (PEM
 * label "X509 CRL"), dated relative to NOW.
 */
import { createPrivateKey } from "node:crypto";
import { issueCrl } from "../../../src/crypto/crl.js";
import type { IssuingCa } from "../../../src/crypto/issue.js";
import { algorithmOf, generateKey } from "../../../src/crypto/keys.js";
import { caExtensions, keyIdentifier, newSerialNumber } from "../../../src/crypto/profiles.js";
import { x509 } from "../../../src/crypto/provider.js";
import { softwareSigner } from "../../../src/crypto/signer.js";
import { NOW, type Pair, type TestCa } from "./fixtures.js";

const DAY = 24 * 60 * 60 * 1000;

/** The issuing CA behind a certificate + key pair of the shared material. */
export async function caOf(pair: Pair): Promise<IssuingCa> {
  const keyAlgorithm = algorithmOf(createPrivateKey(pair.key));
  return {
    signer: await softwareSigner(pair.key, keyAlgorithm),
    certificate: new x509.X509Certificate(pair.cert),
    keyAlgorithm,
  };
}

/** A CRL of `ca` listing one revoked serial, issued `issuedDaysAgo` before NOW (negative: in the future) and valid for `days`. */
export function crlOf(ca: IssuingCa, { issuedDaysAgo = 1, days = 30 } = {}): Promise<string> {
  const issued = new Date(NOW.getTime() - issuedDaysAgo * DAY);
  return issueCrl(ca, {
    entries: [{ serial: "0badc0de", revokedAt: issued, reason: "keyCompromise" }],
    crlNumber: 1,
    thisUpdate: issued,
    nextUpdate: new Date(issued.getTime() + days * 86_400_000),
  });
}

/** A CA certificate `root` issued for a fresh key (an intermediate CA). */
export async function intermediateOf(root: TestCa, cn: string): Promise<TestCa> {
  const key = await generateKey("ec-p256");
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: newSerialNumber(),
      subject: `CN=${cn}`,
      issuer: root.certificate.subject,
      notBefore: new Date(NOW.getTime() - 100 * DAY),
      notAfter: new Date(NOW.getTime() + 1000 * DAY),
      publicKey: new Uint8Array(key.spkiDer),
      signingKey: root.signer.privateKey,
      signingAlgorithm: root.signer.signingAlgorithm,
      extensions: caExtensions(keyIdentifier(key.spkiDer)),
    },
    root.signer.crypto,
  );
  const signer = await softwareSigner(key.privateKeyPem, "ec-p256");
  return {
    signer,
    certificate,
    keyAlgorithm: "ec-p256",
    pair: { cert: `${certificate.toString("pem")}\n`, key: key.privateKeyPem },
  };
}
