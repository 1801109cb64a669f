import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import * as asn1 from "@peculiar/asn1-x509";
import { x509 } from "./provider.js";
import { derBitString, derPositiveInteger, derSequence, derTlv } from "./der.js";
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

/** One extension, DER-encoded. */
export function extension(extnID: string, critical: boolean, value: object): Buffer {
  return Buffer.from(AsnConvert.serialize(new asn1.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) })));
}

export interface TbsRequest {
  serialHex: string;
  issuer: asn1.Name;
  subject: asn1.Name;
  notBefore: Date;
  notAfter: Date;
  spkiDer: Buffer;
  /** Extensions already DER-encoded (constant ones are encoded once per profile). */
  extensions: Buffer[];
}

/** [0] EXPLICIT INTEGER 2: X.509 version 3. */
const VERSION_3 = Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]);

/**
 * A signer-specific builder; create once per CA and reuse for every certificate it signs.
 * The TBSCertificate is assembled from DER parts: what never changes (version, algorithm,
 * issuer, the profile's fixed extensions) is encoded once, the rest by @peculiar/asn1-schema.
 */
export class CertificateBuilder {
  private readonly algorithmIdDer: Buffer;
  private readonly formatter = new x509.AsnEcSignatureFormatter();
  private readonly issuerDer = new WeakMap<asn1.Name, Buffer>();

  constructor(private readonly signer: Signer, private readonly keyAlgorithm: KeyAlgorithm) {
    this.algorithmIdDer = Buffer.from(AsnConvert.serialize(signatureAlgorithm(keyAlgorithm)));
  }

  async build(request: TbsRequest): Promise<Buffer> {
    let issuer = this.issuerDer.get(request.issuer);
    if (!issuer) {
      issuer = Buffer.from(AsnConvert.serialize(request.issuer));
      this.issuerDer.set(request.issuer, issuer);
    }
    const tbsDer = derSequence(
      VERSION_3,
      derPositiveInteger(Buffer.from(request.serialHex, "hex")),
      this.algorithmIdDer,
      issuer,
      Buffer.from(AsnConvert.serialize(new asn1.Validity({ notBefore: request.notBefore, notAfter: request.notAfter }))),
      Buffer.from(AsnConvert.serialize(request.subject)),
      request.spkiDer,
      derTlv(0xa3, derSequence(...request.extensions)),
    );
    return derSequence(tbsDer, this.algorithmIdDer, derBitString(await this.sign(tbsDer)));
  }

  private async sign(data: Buffer): Promise<Buffer> {
    const { signer } = this;
    if (signer.signDer) return signer.signDer(data);
    const signature = await signer.crypto.subtle.sign(signer.signingAlgorithm as EcdsaParams, signer.privateKey, new Uint8Array(data));
    if (!this.keyAlgorithm.startsWith("ec-")) return Buffer.from(signature);
    // WebCrypto gives ECDSA as r||s; X.509 wants the DER ECDSA-Sig-Value (the curve sets where r ends).
    const curve = { ...signer.signingAlgorithm, namedCurve: this.keyAlgorithm === "ec-p384" ? "P-384" : "P-256" };
    return Buffer.from(this.formatter.toAsnSignature(curve, signature) as ArrayBuffer);
  }
}
