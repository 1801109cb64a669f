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

/** Reads one TLV at `offset` (short or long form length): where its content starts and ends. */
export function readTlv(der: Buffer, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i++) length = (length << 8) | der[start + i];
    start += bytes;
  }
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
