import crypto, { createHash } from "node:crypto";

/** The two DER wrappers the certificate builder needs around parts that are already encoded. */

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function derTlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export function derSequence(...parts: Buffer[]): Buffer {
  return derTlv(0x30, ...parts);
}

/** A positive INTEGER from big-endian bytes (a leading 0x00 is added when the top bit is set). */
export function derPositiveInteger(bytes: Buffer): Buffer {
  return derTlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/**
 * Reads one TLV at `offset` (short or long form length): where its content starts and ends.
 * Bounds-checked, since it reads files from disk: a TLV that does not fit in `der`, an
 * indefinite length or one of more than four bytes throws instead of reading past the end.
 */
export function readTlv(der: Buffer, offset: number): { tag: number; start: number; end: number } {
  if (!Number.isInteger(offset) || offset < 0 || offset + 2 > der.length)
    throw new Error(`truncated DER: no TLV at byte ${offset}`);
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4)
      throw new Error(`not DER: ${bytes === 0 ? "indefinite" : `${bytes}-byte`} length at byte ${offset}`);
    if (start + bytes > der.length) throw new Error(`truncated DER: length of the TLV at byte ${offset}`);
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
    start += bytes;
  }
  if (start + length > der.length)
    throw new Error(`truncated DER: the TLV at byte ${offset} runs ${start + length - der.length} bytes past the end`);
  return { tag, start, end: start + length };
}

/** The subjectPublicKey bits of a SubjectPublicKeyInfo (what RFC 5280's key identifier hashes). */
export function spkiPublicKeyBits(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.start);
  const bits = readTlv(spki, algorithm.end);
  if (outer.tag !== 0x30 || algorithm.tag !== 0x30 || bits.tag !== 0x03) throw new Error("not a SubjectPublicKeyInfo");
  return spki.subarray(bits.start + 1, bits.end);
}

export function derBitString(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x03]), encodeLength(bytes.length + 1), Buffer.from([0x00]), bytes]);
}

export function toPem(der: Buffer, label: string): string {
  const base64 = der.toString("base64");
  const lines: string[] = [];
  for (let at = 0; at < base64.length; at += 64) lines.push(base64.slice(at, at + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export function fromPem(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END)[^-]*-----|\s/g, ""), "base64");
}

/** The SubjectPublicKeyInfo of a certificate, found by walking its DER (no full parse). */
export function certificateSpki(cert: Buffer): Buffer {
  const certificate = readTlv(cert, 0);
  const tbs = readTlv(cert, certificate.start);
  let at = tbs.start;
  if (cert[at] === 0xa0) at = readTlv(cert, at).end; // [0] version
  for (let field = 0; field < 5; field++) at = readTlv(cert, at).end; // serial, signature, issuer, validity, subject
  const spki = readTlv(cert, at);
  return cert.subarray(at, spki.end);
}

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
    const ecOid = Buffer.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
    if (!pkcs8.subarray(algorithm.start, algorithm.start + ecOid.length).equals(ecOid)) return undefined;
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

/**
 * SHA-256 as lower-case hex. Node's one-shot crypto.hash (20.12+) costs half of a Hash object
 * for small inputs, and rebuilds of a fleet take tens of thousands of these.
 */
export const sha256Hex: (data: string | Buffer) => string =
  typeof crypto.hash === "function"
    ? (data) => crypto.hash("sha256", data)
    : (data) => createHash("sha256").update(data).digest("hex");

/** SHA-256 of a certificate's DER, as OpenSSL and Node print it (upper-case hex, colon-separated). */
export function fingerprintOf(der: Buffer): string {
  return sha256Hex(der).toUpperCase().match(/../g)!.join(":");
}

/** Splits a PEM file holding several certificates or CRLs into its blocks. */
export function pemBlocks(text: string, label: string): string[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, "g");
  return text.match(pattern) ?? [];
}
