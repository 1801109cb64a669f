import { sign } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn1 from "@peculiar/asn1-x509";
import { derBitString, derPositiveInteger, derSequence, derTlv } from "./asn1/encode.js";
import { spkiPublicKeyBits } from "./asn1/structures.js";
import { sha1 } from "./hash.js";
import type { InProcessKey } from "./signer.js";
import { generateKeySync } from "./keys.js";
import type { KeyAlgorithm, SubjectFields } from "../spec/types.js";

/**
 * The part of issuing a leaf that needs no CA key: its key pair and its TBSCertificate.
 * Kept free of @peculiar/x509 (and its reflect-metadata start-up) so worker threads load
 * it quickly; the signature is added by the one holding the Signer.
 */

/** What every leaf of one profile signed by one CA shares, encoded once by the profile code. */
export interface LeafTemplate {
  algorithmIdDer: Buffer;
  issuerDer: Buffer;
  /** Extensions before the subject key identifier (basicConstraints, keyUsage, EKU, SAN). */
  extensionsBefore: Buffer[];
  /** The subjectKeyIdentifier extension up to its 20-byte key id. */
  subjectKeyIdPrefix: Buffer;
  /** Extensions after it (authorityKeyIdentifier). */
  extensionsAfter: Buffer[];
  /** The CA key, when it lives in this process: then the leaf is signed here too. */
  signingKey?: InProcessKey;
}

/** One leaf to prepare: either a key to make, or a public key to certify (kept or device-held). */
export interface LeafJob {
  template: number;
  serialHex: string;
  notBefore: number;
  notAfter: number;
  subject: SubjectFields;
  generate?: KeyAlgorithm;
  spkiDer?: Buffer;
}

export interface PreparedLeaf {
  /** PKCS#8 PEM of a key made for this job; absent when the job brought its public key. */
  keyPem?: string;
  spkiDer: Buffer;
  tbsDer: Buffer;
  /** The signed certificate, when the template carried the CA key. */
  certDer?: Buffer;
}

/** A signature as X.509 wants it (DER for ECDSA) from a key held in this process. */
export function signInProcess(signing: InProcessKey, data: Buffer): Buffer {
  return sign(signing.hash, data, { key: signing.key, dsaEncoding: "der" });
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }. */
export function certificateDer(tbsDer: Buffer, algorithmIdDer: Buffer, signature: Buffer): Buffer {
  return derSequence(tbsDer, algorithmIdDer, derBitString(signature));
}

/** RFC 5280 key identifier method 1: SHA-1 of the subjectPublicKey bits. */
export function subjectKeyId(spkiDer: Buffer): Buffer {
  return sha1(spkiPublicKeyBits(spkiDer));
}

/** The last arc of each name attribute's OID under 2.5.4 (id-at), in DER order. */
const NAME_ATTRIBUTES: [keyof SubjectFields, number][] = [
  ["c", 6],
  ["st", 8],
  ["l", 7],
  ["o", 10],
  ["ou", 11],
  ["cn", 3],
];

/**
 * The subject Name in DER order (C, ST, L, O, OU, CN), one attribute per RDN; C is a
 * PrintableString, the rest UTF8String. Encoded by hand: a fleet build makes one per device,
 * and the generic ASN.1 serializer cost more than the key generation.
 */
export function subjectDer(subject: SubjectFields): Buffer {
  const rdns: Buffer[] = [];
  for (const [field, arc] of NAME_ATTRIBUTES) {
    const value = subject[field];
    if (value === undefined || value === "") continue;
    const attribute = derSequence(
      Buffer.from([0x06, 0x03, 0x55, 0x04, arc]),
      derTlv(field === "c" ? 0x13 : 0x0c, Buffer.from(value, "utf8")),
    );
    rdns.push(derTlv(0x31, attribute));
  }
  return derSequence(...rdns);
}

/** Most leaves of a build share one validity: encode it once. */
const validityCache = new Map<string, Buffer>();

function validityDer(notBefore: number, notAfter: number): Buffer {
  const key = `${notBefore}/${notAfter}`;
  let der = validityCache.get(key);
  if (!der) {
    der = Buffer.from(
      AsnConvert.serialize(new asn1.Validity({ notBefore: new Date(notBefore), notAfter: new Date(notAfter) })),
    );
    if (validityCache.size > 64) validityCache.clear();
    validityCache.set(key, der);
  }
  return der;
}

/** [0] EXPLICIT INTEGER 2: X.509 version 3. */
const VERSION_3 = Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]);

export function prepareLeaf(template: LeafTemplate, job: LeafJob): PreparedLeaf {
  const key = job.spkiDer === undefined ? generateKeySync(job.generate!) : undefined;
  const spkiDer = key?.spkiDer ?? job.spkiDer!;
  const tbsDer = derSequence(
    VERSION_3,
    derPositiveInteger(Buffer.from(job.serialHex, "hex")),
    template.algorithmIdDer,
    template.issuerDer,
    validityDer(job.notBefore, job.notAfter),
    subjectDer(job.subject),
    spkiDer,
    derTlv(
      0xa3,
      derSequence(
        ...template.extensionsBefore,
        template.subjectKeyIdPrefix,
        subjectKeyId(spkiDer),
        ...template.extensionsAfter,
      ),
    ),
  );
  const signing = template.signingKey;
  const certDer = signing ? certificateDer(tbsDer, template.algorithmIdDer, signInProcess(signing, tbsDer)) : undefined;
  return { keyPem: key?.privateKeyPem, spkiDer, tbsDer, certDer };
}
