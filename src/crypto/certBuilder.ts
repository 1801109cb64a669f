import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import * as asn1 from "@peculiar/asn1-x509";
import { x509 } from "./provider.js";
import { derBitString, derSequence } from "./der.js";
import type { Signer } from "./signer.js";
import type { KeyAlgorithm, SubjectFields } from "../spec/types.js";

/**
 * Certificates straight from ASN.1 parts: the generic generator in @peculiar/x509 spends
 * ~5 ms per certificate rebuilding objects; here constant parts are encoded once per
 * profile and only the TBS is serialized per certificate, then signed through the Signer.
 */

const OID = { CN: "2.5.4.3", O: "2.5.4.10", OU: "2.5.4.11", C: "2.5.4.6", ST: "2.5.4.8", L: "2.5.4.7" } as const;

export function subjectRdns(subject: SubjectFields): asn1.Name {
  const parts: [string, string | undefined][] = [[OID.C, subject.c], [OID.ST, subject.st], [OID.L, subject.l], [OID.O, subject.o], [OID.OU, subject.ou], [OID.CN, subject.cn]];
  return new asn1.Name(parts.filter(([, v]) => v !== undefined && v !== "").map(([type, value]) => new asn1.RelativeDistinguishedName([
    new asn1.AttributeTypeAndValue({ type, value: type === OID.C ? new asn1.AttributeValue({ printableString: value }) : new asn1.AttributeValue({ utf8String: value }) }),
  ])));
}

/** Signature algorithm identifiers by CA key type (RFC 5758 / 8410 / 4055). */
function signatureAlgorithm(algorithm: KeyAlgorithm): asn1.AlgorithmIdentifier {
  switch (algorithm) {
    case "ec-p256": return new asn1.AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" });
    case "ec-p384": return new asn1.AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.3" });
    case "ed25519": return new asn1.AlgorithmIdentifier({ algorithm: "1.3.101.112" });
    default: return new asn1.AlgorithmIdentifier({ algorithm: "1.2.840.113549.1.1.11", parameters: null });
  }
}

export function extension(extnID: string, critical: boolean, value: object): asn1.Extension {
  return new asn1.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export interface TbsRequest {
  serialHex: string;
  issuer: asn1.Name;
  subject: asn1.Name;
  notBefore: Date;
  notAfter: Date;
  spkiDer: Buffer;
  extensions: asn1.Extension[];
}

/** A signer-specific builder; create once per CA and reuse for every certificate it signs. */
export class CertificateBuilder {
  private readonly algorithmId: asn1.AlgorithmIdentifier;
  private readonly algorithmIdDer: Buffer;
  private readonly formatter = new x509.AsnEcSignatureFormatter();

  constructor(private readonly signer: Signer, private readonly keyAlgorithm: KeyAlgorithm) {
    this.algorithmId = signatureAlgorithm(keyAlgorithm);
    this.algorithmIdDer = Buffer.from(AsnConvert.serialize(this.algorithmId));
  }

  async build(request: TbsRequest): Promise<Buffer> {
    const tbs = new asn1.TBSCertificate({
      version: asn1.Version.v3,
      serialNumber: new Uint8Array(Buffer.from(request.serialHex, "hex")).buffer,
      signature: this.algorithmId,
      issuer: request.issuer,
      validity: new asn1.Validity({ notBefore: request.notBefore, notAfter: request.notAfter }),
      subject: request.subject,
      subjectPublicKeyInfo: AsnConvert.parse(request.spkiDer, asn1.SubjectPublicKeyInfo),
      extensions: new asn1.Extensions(request.extensions),
    });
    const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
    return derSequence(tbsDer, this.algorithmIdDer, derBitString(await this.sign(tbsDer)));
  }

  private async sign(data: Buffer): Promise<Buffer> {
    const { signer } = this;
    const signature = await signer.crypto.subtle.sign(signer.signingAlgorithm as EcdsaParams, signer.privateKey, new Uint8Array(data));
    if (!this.keyAlgorithm.startsWith("ec-")) return Buffer.from(signature);
    // WebCrypto gives ECDSA as r||s; X.509 wants the DER ECDSA-Sig-Value (the curve sets where r ends).
    const curve = { ...signer.signingAlgorithm, namedCurve: this.keyAlgorithm === "ec-p384" ? "P-384" : "P-256" };
    return Buffer.from(this.formatter.toAsnSignature(curve, signature) as ArrayBuffer);
  }
}
