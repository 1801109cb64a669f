import { readTlv, TAG } from "./decode.js";

/**
 * Parts of certificates and keys found by walking their DER, with no full parse: the fast key
 * checks and lint's CRL rules need one field each, and a full parser costs far more than the walk.
 */

/** The subjectPublicKey bits of a SubjectPublicKeyInfo (what RFC 5280's key identifier hashes). */
export function spkiPublicKeyBits(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.start);
  const bits = readTlv(spki, algorithm.end);
  if (outer.tag !== TAG.sequence || algorithm.tag !== TAG.sequence || bits.tag !== TAG.bitString)
    throw new Error("not a SubjectPublicKeyInfo");
  return spki.subarray(bits.start + 1, bits.end);
}

/**
 * One field of a certificate's TBSCertificate, whole (tag and length included), counted after
 * the optional [0] version: 0 serial, 1 signature, 2 issuer, 3 validity, 4 subject, 5 SPKI.
 */
function tbsField(cert: Buffer, index: number): Buffer {
  const certificate = readTlv(cert, 0, cert.length, TAG.sequence);
  const tbs = readTlv(cert, certificate.start, certificate.end, TAG.sequence);
  let at = tbs.start;
  if (cert[at] === TAG.explicit0) at = readTlv(cert, at, tbs.end).end;
  for (let field = 0; field < index; field++) at = readTlv(cert, at, tbs.end).end;
  return cert.subarray(at, readTlv(cert, at, tbs.end, TAG.sequence).end);
}

/** The subject Name (DER) of a certificate. */
export function certificateSubject(cert: Buffer): Buffer {
  return tbsField(cert, 4);
}

/** The SubjectPublicKeyInfo (DER) of a certificate. */
export function certificateSpki(cert: Buffer): Buffer {
  return tbsField(cert, 5);
}

/** id-ecPublicKey as it starts a PKCS#8 AlgorithmIdentifier's content. */
const EC_OID = Buffer.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);

/**
 * The public key an EC PKCS#8 private key carries (RFC 5915 [1] publicKey), or undefined when
 * the key is not EC or carries none. OpenSSL (and so mosquitto) compares this very value when
 * it checks that a key belongs to a certificate.
 */
export function ecPkcs8PublicKeyBits(pkcs8: Buffer): Buffer | undefined {
  try {
    const info = readTlv(pkcs8, 0);
    const version = readTlv(pkcs8, info.start);
    const algorithm = readTlv(pkcs8, version.end);
    if (!pkcs8.subarray(algorithm.start, algorithm.start + EC_OID.length).equals(EC_OID)) return undefined;
    const octets = readTlv(pkcs8, algorithm.end);
    const ecKey = readTlv(pkcs8, octets.start);
    for (let at = ecKey.start; at < ecKey.end;) {
      const field = readTlv(pkcs8, at);
      if (field.tag === 0xa1) {
        const bits = readTlv(pkcs8, field.start);
        return pkcs8.subarray(bits.start + 1, bits.end);
      }
      at = field.end;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
