import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import * as asn1 from "@peculiar/asn1-x509";
import { x509 } from "./provider.js";
import { certificateDer, signInProcess } from "./leafTbs.js";
import type { Signer } from "./signer.js";
import type { KeyAlgorithm } from "../spec/types.js";

/**
 * Certificates straight from ASN.1 parts: the generic generator in @peculiar/x509 spends
 * ~5 ms per certificate rebuilding objects; here the TBS comes ready (leafTbs.ts) and is
 * only signed through the Signer and wrapped.
 */

/** Signature algorithm identifiers by CA key type (RFC 5758 / 8410 / 4055). */
function signatureAlgorithm(algorithm: KeyAlgorithm): asn1.AlgorithmIdentifier {
  switch (algorithm) {
    case "ec-p256":
      return new asn1.AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" });
    case "ec-p384":
      return new asn1.AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.3" });
    case "ed25519":
      return new asn1.AlgorithmIdentifier({ algorithm: "1.3.101.112" });
    default:
      return new asn1.AlgorithmIdentifier({ algorithm: "1.2.840.113549.1.1.11", parameters: null });
  }
}

/** One extension, DER-encoded. */
export function extension(extnID: string, critical: boolean, value: object): Buffer {
  return Buffer.from(
    AsnConvert.serialize(
      new asn1.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) }),
    ),
  );
}

/**
 * Signs TBSCertificates for one CA and wraps them into certificates; create once per CA.
 * Goes through the Signer only, so a key that never leaves an HSM works the same.
 */
export class CertificateBuilder {
  readonly algorithmIdDer: Buffer;
  private readonly formatter = new x509.AsnEcSignatureFormatter();

  constructor(
    private readonly signer: Signer,
    private readonly keyAlgorithm: KeyAlgorithm,
  ) {
    this.algorithmIdDer = Buffer.from(AsnConvert.serialize(signatureAlgorithm(keyAlgorithm)));
  }

  async finish(tbsDer: Buffer): Promise<Buffer> {
    return this.wrap(tbsDer, await this.sign(tbsDer));
  }

  private wrap(tbsDer: Buffer, signature: Buffer): Buffer {
    return certificateDer(tbsDer, this.algorithmIdDer, signature);
  }

  private async sign(data: Buffer): Promise<Buffer> {
    const { signer } = this;
    if (signer.inProcess) return signInProcess(signer.inProcess, data);
    const signature = await signer.crypto.subtle.sign(
      signer.signingAlgorithm as EcdsaParams,
      signer.privateKey,
      new Uint8Array(data),
    );
    if (!this.keyAlgorithm.startsWith("ec-")) return Buffer.from(signature);
    // WebCrypto gives ECDSA as r||s; X.509 wants the DER ECDSA-Sig-Value (the curve sets where r ends).
    const curve = { ...signer.signingAlgorithm, namedCurve: this.keyAlgorithm === "ec-p384" ? "P-384" : "P-256" };
    return Buffer.from(this.formatter.toAsnSignature(curve, signature) as ArrayBuffer);
  }
}
