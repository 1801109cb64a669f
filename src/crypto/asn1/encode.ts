/**
 * The DER encoder: the few wrappers the hand-built certificate parts need around content that
 * is already encoded (leafTbs.ts builds a fleet's TBSCertificates with these instead of the
 * generic ASN.1 serializer, which cost more than the key generation).
 */

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

/** A BIT STRING of whole bytes (no unused bits), as signatures and public keys are. */
export function derBitString(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x03]), encodeLength(bytes.length + 1), Buffer.from([0x00]), bytes]);
}
