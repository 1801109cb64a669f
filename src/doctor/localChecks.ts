import { certFacts, certMatchesKey, issuedBy, type CertFacts } from "../crypto/facts.js";
import { x509 } from "../crypto/provider.js";
import { pemBlocks } from "../crypto/pem.js";

/**
 * What doctor can know without the network, computed from file contents already read:
 * the client's certificate and key, the CRL in the tree, and how the server's chain relates
 * to the CA file the client trusts. Pure: no I/O, no clock (the caller's `now` is applied in
 * diagnose.ts).
 */

/** The parts of a certificate doctor talks about; plain data, so tests can write it by hand. */
export interface CertSummary {
  subjectCn: string;
  issuerCn: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  dns: string[];
  ip: string[];
  isCa: boolean;
  fingerprint256: string;
}

export function summarize(facts: CertFacts): CertSummary {
  return {
    subjectCn: facts.cn,
    issuerCn: facts.issuer.CN ?? "",
    serial: facts.serial,
    notBefore: facts.notBefore,
    notAfter: facts.notAfter,
    dns: facts.dns,
    ip: facts.ip,
    isCa: facts.isCa,
    fingerprint256: facts.fingerprint256,
  };
}

/** Every certificate in a PEM file (a CA bundle holds several). */
export function pemCertificates(text: string): string[] {
  return pemBlocks(text, "CERTIFICATE");
}

export interface Revocation {
  revokedAt: Date;
  reason?: string;
}

/** The dates of a CRL: a broker that loads it refuses every client outside them. */
export interface CrlSummary {
  issuerCn: string;
  thisUpdate: Date;
  /** RFC 5280 requires it; a CRL without one never expires for OpenSSL. */
  nextUpdate?: Date;
}

export interface ClientFileFacts {
  cert: CertSummary;
  /** False when the key is not the one the certificate certifies. */
  keyMatches: boolean;
  /** Whether a CRL was at hand to look the serial up in. */
  crlChecked: boolean;
  /** Set when a CRL of the certificate's issuer lists its serial. */
  revocation?: Revocation;
  /** The newest CRL at hand from the certificate's issuer: the one a broker checks it against. */
  issuerCrl?: CrlSummary;
}

export interface ClientFiles {
  certPem: string;
  keyPem: string;
  /** ca/crl.pem of the tree, when there is one: one CRL per trusted CA. */
  crlPem?: string;
}

export function checkClientFiles(files: ClientFiles): ClientFileFacts {
  const facts = certFacts(files.certPem);
  const cert = summarize(facts);
  const crls = files.crlPem ? issuerCrls(files.certPem, files.crlPem) : [];
  return {
    cert,
    keyMatches: certMatchesKey(facts, files.keyPem),
    crlChecked: files.crlPem !== undefined,
    revocation: revocationOf(files.certPem, crls),
    issuerCrl: newestCrlSummary(crls, cert.issuerCn),
  };
}

/** The CRLs in the file that the certificate's own issuer published (one per trusted CA). */
function issuerCrls(certPem: string, crlText: string): x509.X509Crl[] {
  const issuer = new x509.X509Certificate(certPem).issuer;
  return pemBlocks(crlText, "X509 CRL")
    .map((pem) => new x509.X509Crl(pem))
    .filter((crl) => crl.issuer === issuer);
}

/** The CRL entry for this certificate, from a CRL its own issuer published. */
function revocationOf(certPem: string, crls: x509.X509Crl[]): Revocation | undefined {
  const serial = normalizeSerial(new x509.X509Certificate(certPem).serialNumber);
  for (const crl of crls) {
    const entry = crl.entries.find((candidate) => normalizeSerial(candidate.serialNumber) === serial);
    if (entry)
      return {
        revokedAt: entry.revocationDate,
        reason: entry.reason === undefined ? undefined : x509.X509CrlReason[entry.reason],
      };
  }
  return undefined;
}

function newestCrlSummary(crls: x509.X509Crl[], issuerCn: string): CrlSummary | undefined {
  const newest = crls.reduce<x509.X509Crl | undefined>(
    (best, crl) => (!best || crl.thisUpdate > best.thisUpdate ? crl : best),
    undefined,
  );
  return newest && { issuerCn, thisUpdate: newest.thisUpdate, nextUpdate: newest.nextUpdate };
}

function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, "");
}

/** How the chain the server sent relates to the CA file the client trusts. */
export interface ServerChainFacts {
  leaf: CertSummary;
  /** The rest of the chain as Node assembled it (mosquitto sends its CA along). */
  issuers: CertSummary[];
  /** CNs of the certificates in the client's CA file; empty when it gave none. */
  caFileCns: string[];
  /** The CA-file certificate the chain leads to, when one does. */
  trustedBy?: CertSummary;
  /** A CN the server certificate shares with its CA: OpenSSL then takes it for self-signed. */
  cnClash?: string;
  /** The server certificate signed itself: no CA involved at all. */
  selfSigned: boolean;
}

const MAX_CHAIN_DEPTH = 8;

export function judgeServerChain(
  chainPems: readonly string[],
  caPems: readonly string[],
): ServerChainFacts | undefined {
  if (chainPems.length === 0) return undefined;
  const chain = chainPems.map((pem) => certFacts(pem));
  const cas = caPems.map((pem) => certFacts(pem));
  const [leaf, ...issuers] = chain;
  const trustedBy = trustAnchor(leaf, issuers, cas);
  const selfSigned = issuedBy(leaf, leaf);
  // The leaf names its issuer, so a clash shows even when the server sends no CA along.
  const clash =
    !selfSigned &&
    (sameCn(leaf.issuer.CN, leaf.cn) || [...issuers, ...cas].some((ca) => ca.isCa && sameCn(ca.cn, leaf.cn)));
  return {
    leaf: summarize(leaf),
    issuers: issuers.map(summarize),
    caFileCns: cas.map((ca) => ca.cn),
    trustedBy: trustedBy ? summarize(trustedBy) : undefined,
    cnClash: clash ? leaf.cn : undefined,
    selfSigned,
  };
}

function sameCn(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a !== "" && a.toLowerCase() === b.toLowerCase();
}

/** Walks up from the leaf through the certificates the server sent until a CA of ours issued one. */
function trustAnchor(leaf: CertFacts, sent: CertFacts[], cas: CertFacts[]): CertFacts | undefined {
  let current: CertFacts | undefined = leaf;
  for (let depth = 0; current && depth < MAX_CHAIN_DEPTH; depth++) {
    const here: CertFacts = current;
    const anchor = cas.find((ca) => ca.fingerprint256 === here.fingerprint256 || (ca.isCa && issuedBy(here, ca)));
    if (anchor) return anchor;
    current = sent.find((next) => next.fingerprint256 !== here.fingerprint256 && next.isCa && issuedBy(here, next));
  }
  return undefined;
}
