/**
 * PKCS#12 (RFC 7292) bundles: a holder's certificate, its private key and the CA chain in one
 * password-protected file, as Windows, Java, browsers, Android and Node's `tls` import them.
 *
 * Layout (the one OpenSSL 3 writes with `-certpbe NONE`):
 *   PFX v3
 *     authSafe: Data → AuthenticatedSafe
 *       Data → SafeContents [ CertBag(leaf, friendlyName + localKeyId), CertBag(CA)... ]
 *       Data → SafeContents [ PKCS8ShroudedKeyBag(key, friendlyName + localKeyId) ]
 *     macData: HMAC-SHA-256 over the AuthenticatedSafe, key from RFC 7292 appendix B
 *
 * The key bag is Node's encrypted PKCS#8 (PBES2: PBKDF2-HMAC-SHA-256 + AES-256-CBC). The
 * certificates are public and stay unencrypted, so any tool lists them without legacy ciphers.
 * Every structure goes through the @peculiar ASN.1 schemas; nothing here writes DER by hand.
 */
import { createHash, createHmac, createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { ContentInfo } from "@peculiar/asn1-cms";
import {
  AuthenticatedSafe,
  CertBag,
  MacData,
  PFX,
  PKCS12Attribute,
  SafeBag,
  SafeContents,
  id_certBag,
  id_pkcs8ShroudedKeyBag,
  id_x509Certificate,
} from "@peculiar/asn1-pfx";
import { FriendlyName, LocalKeyId, id_pkcs9_at_friendlyName, id_pkcs9_at_localKeyId } from "@peculiar/asn1-pkcs9";
import { DigestInfo, sha256 } from "@peculiar/asn1-rsa";
import { PkiError } from "../errors.js";
import { sha1 } from "./hash.js";

/** id-data (PKCS#7 Data). */
const ID_DATA = "1.2.840.113549.1.7.1";
/** RFC 7292 appendix B: ID byte 3 derives MAC key material. */
const KDF_ID_MAC = 3;
/** Lower bound for the MAC's key derivation (OpenSSL's PKCS12_DEFAULT_ITER). */
export const MIN_PKCS12_ITERATIONS = 2048;

export interface Pkcs12Input {
  /** DER of the holder's certificate. */
  certificate: Buffer;
  /** DER of the CA certificates to ship with it (the chain, root included). */
  caCertificates?: Buffer[];
  /** The holder's private key, unencrypted PEM (PKCS#8, SEC1 or PKCS#1). */
  privateKeyPem: string;
  password: string;
  /** friendlyName attribute of the key and its certificate (the CN, by convention). */
  friendlyName: string;
  /** MAC key derivation iterations; at least MIN_PKCS12_ITERATIONS (the default). */
  iterations?: number;
}

/** The iterations a caller asked for (the least allowed when none), refused with a hint when too few. */
export function pkcs12Iterations(requested: number | undefined): number {
  const iterations = requested ?? MIN_PKCS12_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < MIN_PKCS12_ITERATIONS) {
    throw new PkiError(`PKCS#12 iterations must be a whole number of at least ${MIN_PKCS12_ITERATIONS}`, {
      hint: `got ${iterations}`,
    });
  }
  return iterations;
}

/** Builds the PFX (DER). Throws when the key does not belong to the certificate. */
export function buildPkcs12(input: Pkcs12Input): Buffer {
  const iterations = input.iterations ?? MIN_PKCS12_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < MIN_PKCS12_ITERATIONS) {
    throw new RangeError(`PKCS#12 iterations must be an integer ≥ ${MIN_PKCS12_ITERATIONS}, got ${iterations}`);
  }
  if (input.password === "") throw new RangeError("a PKCS#12 bundle needs a non-empty password");

  const privateKey = createPrivateKey(input.privateKeyPem);
  if (!new X509Certificate(input.certificate).checkPrivateKey(privateKey)) {
    throw new Error("the private key does not belong to the certificate");
  }
  // An identifier linking key and certificate, not a security property: OpenSSL's convention (SHA-1 of the certificate).
  const localKeyId = sha1(input.certificate);
  const attributes = [
    attribute(id_pkcs9_at_friendlyName, AsnConvert.serialize(new FriendlyName(input.friendlyName))),
    attribute(id_pkcs9_at_localKeyId, AsnConvert.serialize(new LocalKeyId(localKeyId))),
  ];

  const certBags = [input.certificate, ...(input.caCertificates ?? [])].map(
    (der, index) =>
      new SafeBag({
        bagId: id_certBag,
        bagValue: AsnConvert.serialize(
          new CertBag({ certId: id_x509Certificate, certValue: AsnConvert.serialize(new OctetString(der)) }),
        ),
        ...(index === 0 ? { bagAttributes: attributes } : {}),
      }),
  );
  const shroudedKey = privateKey.export({
    type: "pkcs8",
    format: "der",
    cipher: "aes-256-cbc",
    passphrase: input.password,
  });
  const keyBag = new SafeBag({
    bagId: id_pkcs8ShroudedKeyBag,
    bagValue: toArrayBuffer(shroudedKey),
    bagAttributes: attributes,
  });

  const authenticatedSafe = Buffer.from(
    AsnConvert.serialize(
      new AuthenticatedSafe([
        dataContentInfo(AsnConvert.serialize(new SafeContents(certBags))),
        dataContentInfo(AsnConvert.serialize(new SafeContents([keyBag]))),
      ]),
    ),
  );

  const salt = randomBytes(16);
  const macKey = pkcs12Kdf("sha256", input.password, salt, KDF_ID_MAC, iterations, 32);
  const mac = createHmac("sha256", macKey).update(authenticatedSafe).digest();
  const pfx = new PFX({
    version: 3,
    authSafe: dataContentInfo(authenticatedSafe),
    macData: new MacData({
      mac: new DigestInfo({ digestAlgorithm: sha256, digest: new OctetString(mac) }),
      macSalt: new OctetString(salt),
      iterations,
    }),
  });
  return Buffer.from(AsnConvert.serialize(pfx));
}

/**
 * RFC 7292 appendix B.2 key derivation. The password is a BMPString (UTF-16BE) with a
 * two-byte NUL terminator (B.1), as OpenSSL encodes it.
 */
export function pkcs12Kdf(
  hash: "sha256" | "sha1",
  password: string,
  salt: Buffer,
  id: number,
  iterations: number,
  length: number,
): Buffer {
  const u = hash === "sha256" ? 32 : 20;
  const v = 64;
  const utf16be = Buffer.from(password, "utf16le").swap16();
  const pass = password === "" ? Buffer.alloc(0) : Buffer.concat([utf16be, Buffer.alloc(2)]);
  const repeat = (data: Buffer): Buffer => {
    const out = Buffer.alloc(v * Math.ceil(data.length / v));
    for (let i = 0; i < out.length; i++) out[i] = data[i % data.length];
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([salt.length ? repeat(salt) : salt, pass.length ? repeat(pass) : pass]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let round = 1; round < iterations; round++) A = createHash(hash).update(A).digest();
    blocks.push(A);
    if (produced + u >= length) break;
    // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I, B = A repeated to v bytes.
    const B = repeat(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k] + B[k] + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function attribute(attrId: string, value: ArrayBuffer): PKCS12Attribute {
  // `new PKCS12Attribute({...})` ignores its argument in asn1-pfx 2.11.1.
  return Object.assign(new PKCS12Attribute(), { attrId, attrValues: [value] });
}

function dataContentInfo(content: ArrayBuffer | Buffer): ContentInfo {
  return new ContentInfo({ contentType: ID_DATA, content: AsnConvert.serialize(new OctetString(content)) });
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
