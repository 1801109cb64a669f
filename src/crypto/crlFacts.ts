import { verify, type KeyObject } from "node:crypto";
import { decodeOid, decodeString, decodeTime, readTlv, smallInteger, TAG, type Span, type Tlv } from "./asn1/decode.js";
import { REVOCATION_REASONS, type RevocationReason } from "./revocationReasons.js";

/**
 * What a CRL says, read straight from its DER with node:crypto only: lint's rules are
 * synchronous and pure, and @peculiar/x509 (async signatures, ~0.1 s to load) is not in lint's
 * path. Every length is bounds-checked (asn1/decode.ts): a crl.pem is read from disk, and may be anything.
 * Reads what OpenSSL decides with (issuer, thisUpdate, nextUpdate, the signature) and what the
 * tree's ledger keeps (the entries and the CRL number).
 */
export interface CrlFacts {
  /** The PEM block as read. */
  pem: string;
  /** The issuer as OpenSSL compares names (canonical: case and spacing folded). */
  issuerKey: string;
  /** The issuer for messages: its CN, else the whole name. */
  issuerLabel: string;
  /** The whole issuer name, "CN=..., O=...", in DER order. */
  issuerName: string;
  /** The CRL Number extension, when it has one that fits a safe integer. */
  number?: number;
  entries: ListedRevocation[];
  thisUpdate: Date;
  /** Absent: the CRL never expires. */
  nextUpdate?: Date;
  /** The signed part (tbsCertList, DER), the signature algorithm's OID and the signature. */
  tbs: Buffer;
  signatureOid: string;
  signature: Buffer;
}

/** One revoked serial as a CRL lists it. */
export interface ListedRevocation {
  /** Lower-case hex of the INTEGER's bytes, as the ledger keeps serials. */
  serial: string;
  revokedAt: Date;
  reason: RevocationReason;
}

const CRL_NUMBER = "2.5.29.20";
const REASON_CODE = "2.5.29.21";
/** RFC 5280 CRLReason codes by value. */
const REASON_NAMES: Record<number, string> = {
  0: "unspecified",
  1: "keyCompromise",
  2: "cACompromise",
  3: "affiliationChanged",
  4: "superseded",
  5: "cessationOfOperation",
  6: "certificateHold",
  8: "removeFromCRL",
  9: "privilegeWithdrawn",
  10: "aACompromise",
};

/** Hash per signature algorithm, as node:crypto's verify takes it (null: the algorithm hashes itself). RSA-PSS is left out: its parameters would need reading too. */
const SIGNATURE_HASH: Record<string, string | null> = {
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.113549.1.1.14": "sha224",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.1": "sha1",
  "1.2.840.10045.4.3.1": "sha224",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.3.101.112": null,
  "1.3.101.113": null,
};

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.25": "DC",
};

/** A Name's attributes in order, each as OID and text (hex of the raw value when it is no string). */
function nameAttributes(
  der: Buffer,
  name: { start: number; end: number },
): { oid: string; text: string; isString: boolean }[] {
  const attributes = [];
  for (let at = name.start; at < name.end;) {
    const rdn = readTlv(der, at, name.end, TAG.set);
    for (let inner = rdn.start; inner < rdn.end;) {
      const attribute = readTlv(der, inner, rdn.end, TAG.sequence);
      const type = readTlv(der, attribute.start, attribute.end, TAG.oid);
      const value = readTlv(der, type.end, attribute.end);
      const text = decodeString(value.tag, der.subarray(value.start, value.end));
      attributes.push({
        oid: decodeOid(der.subarray(type.start, type.end)),
        text: text ?? der.subarray(type.end, value.end).toString("hex"),
        isString: text !== undefined,
      });
      inner = attribute.end;
    }
    at = rdn.end;
  }
  return attributes;
}

/** Canonical form of a DER Name, as OpenSSL matches a CRL to its CA: string values trimmed, spaces collapsed, lower-cased. */
export function nameKey(der: Buffer, name = readTlv(der, 0, der.length, TAG.sequence)): string {
  return nameAttributes(der, name)
    .map(({ oid, text, isString }) => `${oid}=${isString ? text.trim().replace(/\s+/g, " ").toLowerCase() : text}`)
    .join("\n");
}

/** An Extensions SEQUENCE as OID → the extnValue's content (the DER inside the OCTET STRING). */
function extensions(der: Buffer, list: Span): Map<string, Span> {
  const found = new Map<string, Span>();
  for (let at = list.start; at < list.end;) {
    const extension = readTlv(der, at, list.end, TAG.sequence);
    const oid = readTlv(der, extension.start, extension.end, TAG.oid);
    let value = readTlv(der, oid.end, extension.end);
    if (value.tag !== TAG.octetString) value = readTlv(der, value.end, extension.end, TAG.octetString); // after `critical`
    found.set(decodeOid(der.subarray(oid.start, oid.end)), value);
    at = extension.end;
  }
  return found;
}

function reasonOf(der: Buffer, entryExtensions: Map<string, Span>): RevocationReason {
  const span = entryExtensions.get(REASON_CODE);
  const name = span && REASON_NAMES[smallInteger(der, span, TAG.enumerated) ?? -1];
  return (REVOCATION_REASONS as readonly string[]).includes(name ?? "") ? (name as RevocationReason) : "unspecified";
}

/** revokedCertificates: SEQUENCE OF { userCertificate INTEGER, revocationDate Time, crlEntryExtensions OPTIONAL }. */
function revokedEntries(der: Buffer, list: Span, time: (t: Tlv) => Date): ListedRevocation[] {
  const entries: ListedRevocation[] = [];
  for (let at = list.start; at < list.end;) {
    const entry = readTlv(der, at, list.end, TAG.sequence);
    const serial = readTlv(der, entry.start, entry.end, TAG.integer);
    const date = readTlv(der, serial.end, entry.end, [TAG.utcTime, TAG.generalizedTime]);
    const extra =
      date.end < entry.end ? extensions(der, readTlv(der, date.end, entry.end, TAG.sequence)) : new Map<string, Span>();
    entries.push({
      serial: der.subarray(serial.start, serial.end).toString("hex"),
      revokedAt: time(date),
      reason: reasonOf(der, extra),
    });
    at = entry.end;
  }
  return entries;
}

/** Parses one PEM CRL block ("-----BEGIN X509 CRL-----"); throws, naming what is wrong, on a damaged one. */
export function crlFacts(pem: string): CrlFacts {
  const body = pem.replace(/-----(BEGIN|END) X509 CRL-----/g, "");
  if (!/^[A-Za-z0-9+/=\s]*$/.test(body)) throw new Error("not base64");
  const der = Buffer.from(body, "base64");
  const list = readTlv(der, 0, der.length, TAG.sequence);
  const tbs = readTlv(der, list.start, list.end, TAG.sequence);
  let at = tbs.start;
  if (der[at] === TAG.integer) at = readTlv(der, at, tbs.end).end; // version
  at = readTlv(der, at, tbs.end, TAG.sequence).end; // signature algorithm, repeated inside
  const issuer = readTlv(der, at, tbs.end, TAG.sequence);
  const thisUpdate = readTlv(der, issuer.end, tbs.end, [TAG.utcTime, TAG.generalizedTime]);
  const next =
    thisUpdate.end < tbs.end && [TAG.utcTime, TAG.generalizedTime].includes(der[thisUpdate.end])
      ? readTlv(der, thisUpdate.end, tbs.end)
      : undefined;
  let rest = next?.end ?? thisUpdate.end;
  const revoked = rest < tbs.end && der[rest] === TAG.sequence ? readTlv(der, rest, tbs.end, TAG.sequence) : undefined;
  rest = revoked?.end ?? rest;
  const tagged = rest < tbs.end ? readTlv(der, rest, tbs.end, TAG.explicit0) : undefined;
  const crlExtensions = tagged
    ? extensions(der, readTlv(der, tagged.start, tagged.end, TAG.sequence))
    : new Map<string, Span>();
  const numberSpan = crlExtensions.get(CRL_NUMBER);
  const algorithm = readTlv(der, tbs.end, list.end, TAG.sequence);
  const oid = readTlv(der, algorithm.start, algorithm.end, TAG.oid);
  const signature = readTlv(der, algorithm.end, list.end, TAG.bitString);
  const attributes = nameAttributes(der, issuer);
  const time = (t: Tlv) => decodeTime(t.tag, der.subarray(t.start, t.end).toString("latin1"));
  return {
    pem,
    issuerName: attributes.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${a.text}`).join(", "),
    number: numberSpan && smallInteger(der, numberSpan, TAG.integer),
    entries: revoked ? revokedEntries(der, revoked, time) : [],
    issuerKey: nameKey(der, issuer),
    issuerLabel:
      attributes.find((a) => a.oid === "2.5.4.3")?.text ??
      (attributes.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${a.text}`).join(", ") || "(empty name)"),
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
