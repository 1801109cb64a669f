import { verify, type KeyObject } from "node:crypto";
import { readTlv } from "./der.js";

/**
 * What a CRL says, read straight from its DER with node:crypto only: lint's rules are
 * synchronous and pure, and @peculiar/x509 (async signatures, ~0.1 s to load) is not in lint's
 * path. Reads the fields OpenSSL decides with: issuer, thisUpdate, nextUpdate and the signature.
 */
export interface CrlFacts {
  /** The issuer as OpenSSL compares names (canonical: case and spacing folded). */
  issuerKey: string;
  /** The issuer for messages: its CN, else the whole name. */
  issuerLabel: string;
  thisUpdate: Date;
  /** Absent: the CRL never expires. */
  nextUpdate?: Date;
  /** The signed part (tbsCertList, DER), the signature algorithm's OID and the signature. */
  tbs: Buffer;
  signatureOid: string;
  signature: Buffer;
}

const TAG = { integer: 0x02, bitString: 0x03, oid: 0x06, sequence: 0x30, set: 0x31, utcTime: 0x17, generalizedTime: 0x18 };

/** Hash per signature algorithm, as node:crypto's verify takes it (null: the algorithm hashes itself). RSA-PSS is left out: its parameters would need reading too. */
const SIGNATURE_HASH: Record<string, string | null> = {
  "1.2.840.113549.1.1.5": "sha1", "1.2.840.113549.1.1.14": "sha224", "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384", "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.1": "sha1", "1.2.840.10045.4.3.1": "sha224", "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384", "1.2.840.10045.4.3.4": "sha512",
  "1.3.101.112": null, "1.3.101.113": null,
};

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN", "2.5.4.5": "serialNumber", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
  "2.5.4.11": "OU", "1.2.840.113549.1.9.1": "emailAddress", "0.9.2342.19200300.100.1.25": "DC",
};

/** One TLV inside [offset, limit), with bounds checked (readTlv trusts its input). */
function tlv(der: Buffer, offset: number, limit: number, tag?: number | number[]) {
  if (offset + 2 > limit) throw new Error("truncated");
  const lengthBytes = der[offset + 1] & 0x80 ? der[offset + 1] & 0x7f : 0;
  if (der[offset + 1] === 0x80 || lengthBytes > 4) throw new Error("not DER (indefinite or huge length)");
  const found = readTlv(der, offset);
  if (found.end > limit || found.start > limit) throw new Error("truncated");
  const wanted = tag === undefined ? undefined : Array.isArray(tag) ? tag : [tag];
  if (wanted && !wanted.includes(found.tag)) throw new Error(`unexpected tag 0x${found.tag.toString(16)} at byte ${offset}`);
  return found;
}

function decodeOid(bytes: Buffer): string {
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

function decodeTime(tag: number, text: string): Date {
  const match = tag === TAG.utcTime ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text) : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(text);
  if (!match) throw new Error(`unreadable time "${text}"`);
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const year = tag === TAG.utcTime ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s));
}

/** A directory string's text: UTF8String, PrintableString, IA5String and the like, BMPString (UCS-2), UniversalString (UCS-4). */
function decodeString(tag: number, bytes: Buffer): string | undefined {
  if ([0x0c, 0x12, 0x13, 0x16, 0x1a].includes(tag)) return bytes.toString("utf8");
  if (tag === 0x14) return bytes.toString("latin1");
  if (tag === 0x1e) return Buffer.from(bytes).swap16().toString("utf16le");
  if (tag === 0x1c) return String.fromCodePoint(...Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readUInt32BE(i * 4)));
  return undefined;
}

/** A Name's attributes in order, each as OID and text (hex of the raw value when it is no string). */
function nameAttributes(der: Buffer, name: { start: number; end: number }): { oid: string; text: string; isString: boolean }[] {
  const attributes = [];
  for (let at = name.start; at < name.end;) {
    const rdn = tlv(der, at, name.end, TAG.set);
    for (let inner = rdn.start; inner < rdn.end;) {
      const attribute = tlv(der, inner, rdn.end, TAG.sequence);
      const type = tlv(der, attribute.start, attribute.end, TAG.oid);
      const value = tlv(der, type.end, attribute.end);
      const text = decodeString(value.tag, der.subarray(value.start, value.end));
      attributes.push({ oid: decodeOid(der.subarray(type.start, type.end)), text: text ?? der.subarray(type.end, value.end).toString("hex"), isString: text !== undefined });
      inner = attribute.end;
    }
    at = rdn.end;
  }
  return attributes;
}

/** Canonical form of a DER Name, as OpenSSL matches a CRL to its CA: string values trimmed, spaces collapsed, lower-cased. */
export function nameKey(der: Buffer, name = tlv(der, 0, der.length, TAG.sequence)): string {
  return nameAttributes(der, name)
    .map(({ oid, text, isString }) => `${oid}=${isString ? text.trim().replace(/\s+/g, " ").toLowerCase() : text}`)
    .join("\n");
}

/** The subject Name (DER) of a certificate's DER, found by walking it. */
export function certificateSubject(cert: Buffer): Buffer {
  const certificate = tlv(cert, 0, cert.length, TAG.sequence);
  const tbs = tlv(cert, certificate.start, certificate.end, TAG.sequence);
  let at = tbs.start;
  if (cert[at] === 0xa0) at = tlv(cert, at, tbs.end).end; // [0] version
  for (let field = 0; field < 4; field++) at = tlv(cert, at, tbs.end).end; // serial, signature, issuer, validity
  return cert.subarray(at, tlv(cert, at, tbs.end, TAG.sequence).end);
}

/** Parses one PEM CRL block ("-----BEGIN X509 CRL-----"); throws, naming what is wrong, on a damaged one. */
export function crlFacts(pem: string): CrlFacts {
  const body = pem.replace(/-----(BEGIN|END) X509 CRL-----/g, "");
  if (!/^[A-Za-z0-9+/=\s]*$/.test(body)) throw new Error("not base64");
  const der = Buffer.from(body, "base64");
  const list = tlv(der, 0, der.length, TAG.sequence);
  const tbs = tlv(der, list.start, list.end, TAG.sequence);
  let at = tbs.start;
  if (der[at] === TAG.integer) at = tlv(der, at, tbs.end).end; // version
  at = tlv(der, at, tbs.end, TAG.sequence).end; // signature algorithm, repeated inside
  const issuer = tlv(der, at, tbs.end, TAG.sequence);
  const thisUpdate = tlv(der, issuer.end, tbs.end, [TAG.utcTime, TAG.generalizedTime]);
  const next = thisUpdate.end < tbs.end && [TAG.utcTime, TAG.generalizedTime].includes(der[thisUpdate.end]) ? tlv(der, thisUpdate.end, tbs.end) : undefined;
  const algorithm = tlv(der, tbs.end, list.end, TAG.sequence);
  const oid = tlv(der, algorithm.start, algorithm.end, TAG.oid);
  const signature = tlv(der, algorithm.end, list.end, TAG.bitString);
  const attributes = nameAttributes(der, issuer);
  const time = (t: { tag: number; start: number; end: number }) => decodeTime(t.tag, der.subarray(t.start, t.end).toString("latin1"));
  return {
    issuerKey: nameKey(der, issuer),
    issuerLabel: attributes.find((a) => a.oid === "2.5.4.3")?.text ?? (attributes.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${a.text}`).join(", ") || "(empty name)"),
    thisUpdate: time(thisUpdate),
    nextUpdate: next && time(next),
    tbs: der.subarray(list.start, tbs.end),
    signatureOid: decodeOid(der.subarray(oid.start, oid.end)),
    // The first content byte counts unused bits: 0 in every signature.
    signature: der.subarray(signature.start + 1, signature.end),
  };
}

/** Whether `publicKey` verifies the CRL's signature; undefined when lint cannot tell (an algorithm it does not know, e.g. RSA-PSS). */
export function crlSignedBy(crl: CrlFacts, publicKey: KeyObject): boolean | undefined {
  if (!(crl.signatureOid in SIGNATURE_HASH)) return undefined;
  try {
    return verify(SIGNATURE_HASH[crl.signatureOid], crl.tbs, publicKey, crl.signature);
  } catch {
    return false; // a key of another type (an RSA signature and an EC key) cannot have signed it
  }
}
