/**
 * The DER decoder. Every length is bounds-checked: what it reads comes from disk (a crl.pem, a
 * key, a certificate) and may be anything, so a damaged length throws instead of reading past
 * the end of the buffer or of the structure around it.
 */

/** Where a TLV's content starts and ends in its buffer. */
export interface Span {
  start: number;
  end: number;
}

export interface Tlv extends Span {
  tag: number;
}

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  enumerated: 0x0a,
  sequence: 0x30,
  set: 0x31,
  utcTime: 0x17,
  generalizedTime: 0x18,
  explicit0: 0xa0,
};

/**
 * Reads one TLV at `offset` (short or long form length). Throws when it does not fit in `der`,
 * has an indefinite length or one of more than four bytes, ends past `limit` (the end of the
 * structure holding it), or has another tag than `tag` (one, or any of a list) when one is asked for.
 */
export function readTlv(der: Buffer, offset: number, limit = der.length, tag?: number | number[]): Tlv {
  const found = readAnyTlv(der, offset);
  if (found.end > limit) throw new Error("truncated");
  if (tag !== undefined && !(Array.isArray(tag) ? tag : [tag]).includes(found.tag))
    throw new Error(`unexpected tag 0x${found.tag.toString(16)} at byte ${offset}`);
  return found;
}

function readAnyTlv(der: Buffer, offset: number): Tlv {
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

/** An OBJECT IDENTIFIER's content as dotted text. */
export function decodeOid(bytes: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join(".");
}

/** A UTCTime or GeneralizedTime (the tag says which) from its content. */
export function decodeTime(tag: number, text: string): Date {
  const match =
    tag === TAG.utcTime
      ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text)
      : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(text);
  if (!match) throw new Error(`unreadable time "${text}"`);
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const year = tag === TAG.utcTime ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s));
}

/** A directory string's text: UTF8String, PrintableString, IA5String and the like, BMPString (UCS-2), UniversalString (UCS-4). */
export function decodeString(tag: number, bytes: Buffer): string | undefined {
  if ([0x0c, 0x12, 0x13, 0x16, 0x1a].includes(tag)) return bytes.toString("utf8");
  if (tag === 0x14) return bytes.toString("latin1");
  if (tag === 0x1e) return Buffer.from(bytes).swap16().toString("utf16le");
  if (tag === 0x1c)
    return String.fromCodePoint(...Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readUInt32BE(i * 4)));
  return undefined;
}

/** A small INTEGER or ENUMERATED (`tag`) at the start of `span`, when it is positive and fits a safe integer. */
export function smallInteger(der: Buffer, span: Span, tag: number): number | undefined {
  const value = readTlv(der, span.start, span.end, tag);
  const bytes = der.subarray(value.start, value.end);
  if (bytes.length === 0 || bytes.length > 6 || bytes[0] & 0x80) return undefined;
  return bytes.reduce((n, byte) => n * 256 + byte, 0);
}
