import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { algorithmOf } from "./keys.js";
import { pemBlocks } from "./pem.js";
import type { KeyAlgorithm } from "../spec/types.js";

/**
 * What a certificate on disk says, read with Node's own X.509 parser (not the library that
 * wrote it, so verify is an independent check).
 */
export interface CertFacts {
  x509: X509Certificate;
  subject: Record<string, string>;
  issuer: Record<string, string>;
  cn: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  dns: string[];
  ip: string[];
  extendedKeyUsage: string[];
  keyAlgorithm: KeyAlgorithm | "unknown";
  /** The certified public key, made once (a CA's is asked for by every leaf it signed). */
  publicKey: KeyObject;
  fingerprint256: string;
}

export const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
export const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/**
 * Parses one PEM certificate; throws on garbage (callers turn that into a finding). Fields
 * are read off the certificate when first asked for: each costs a call into OpenSSL, and
 * verifying a fleet asks most certificates for only half of them.
 */
export function certFacts(pem: string | Buffer): CertFacts {
  const x509 = new X509Certificate(pem);
  const subject = parseDn(x509.subject);
  const once = <T>(read: () => T) => {
    let value: { v: T } | undefined;
    return () => (value ??= { v: read() }).v;
  };
  const sans = once(() => parseSubjectAltName(x509.subjectAltName ?? ""));
  const issuer = once(() => parseDn(x509.issuer));
  const publicKey = once(() => x509.publicKey);
  const keyAlgorithm = once(() => safeAlgorithm(publicKey()));
  const fingerprint256 = once(() => x509.fingerprint256);
  const serial = once(() => x509.serialNumber.toLowerCase());
  return {
    x509,
    subject,
    cn: subject.CN ?? "",
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    isCa: x509.ca,
    extendedKeyUsage: x509.keyUsage ?? [],
    get issuer() {
      return issuer();
    },
    get serial() {
      return serial();
    },
    get dns() {
      return sans().dns;
    },
    get ip() {
      return sans().ip;
    },
    get keyAlgorithm() {
      return keyAlgorithm();
    },
    get publicKey() {
      return publicKey();
    },
    get fingerprint256() {
      return fingerprint256();
    },
  };
}

function safeAlgorithm(key: KeyObject): KeyAlgorithm | "unknown" {
  try {
    return algorithmOf(key);
  } catch {
    return "unknown";
  }
}

/** Node prints names one attribute per line ("C=DE\nCN=x"); our values never contain newlines. */
function parseDn(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    // Node escapes RFC 2253 specials (, + " \ < > ; and edge spaces) with a backslash.
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).replace(/\\(.)/gs, "$1");
  }
  return out;
}

function parseSubjectAltName(text: string): { dns: string[]; ip: string[] } {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const entry of text.split(", ")) {
    if (entry.startsWith("DNS:")) dns.push(entry.slice(4));
    else if (entry.startsWith("IP Address:")) ip.push(shortestIp(entry.slice(11)));
  }
  return { dns, ip };
}

/**
 * OpenSSL spells an IPv6 SAN out in full (0:0:0:0:0:0:0:1); people write ::1. The URL
 * parser's RFC 5952 form is the one they know, and what the spec says.
 */
export function shortestIp(ip: string): string {
  if (!ip.includes(":")) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

/** Whether the private key in `keyPem` is the one the certificate certifies. */
export function certMatchesKey(
  facts: CertFacts,
  keyPem: string | Buffer | { key: string | Buffer; passphrase: string },
): boolean {
  try {
    const mine = createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "der" });
    return mine.equals(facts.publicKey.export({ type: "spki", format: "der" }));
  } catch {
    return false;
  }
}

/** Whether `issuer` signed `cert` (names chain and the signature verifies). */
export function issuedBy(cert: CertFacts, issuer: CertFacts): boolean {
  return cert.x509.checkIssued(issuer.x509) && cert.x509.verify(issuer.publicKey);
}

/** Every certificate in a PEM file (a trust bundle holds several); unparsable blocks are skipped. */
export function certsInFile(content: Buffer | undefined): CertFacts[] {
  return pemBlocks(content?.toString() ?? "", "CERTIFICATE").flatMap((block) => {
    try {
      return [certFacts(block)];
    } catch {
      return [];
    }
  });
}
