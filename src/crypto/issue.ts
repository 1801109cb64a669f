import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn1 from "@peculiar/asn1-x509";
import { x509 } from "./provider.js";
import { CertificateBuilder, subjectRdns } from "./certBuilder.js";
import { toPem } from "./der.js";
import { caExtensions, keyIdentifier, leafExtensions, newSerialNumber, subjectName, type Role } from "./profiles.js";
import type { Signer } from "./signer.js";
import type { CaSpec, ClientSpec, KeyAlgorithm, ServerSpec, SubjectFields } from "../spec/types.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Back-date notBefore a little so a device whose clock lags the CA's still accepts a fresh cert. */
const BACKDATE_MS = 5 * 60 * 1000;

/** The CA as the issuing functions need it: its key (behind Signer) and its certificate. */
export interface IssuingCa {
  signer: Signer;
  certificate: x509.X509Certificate;
  keyAlgorithm: KeyAlgorithm;
}

export interface IssuedCertificate {
  certificate: x509.X509Certificate;
  pem: string;
  /** True when the requested lifetime was cut to end with the CA. */
  clamped: boolean;
}

interface IssueRequest {
  role: Role;
  subject: SubjectFields;
  spkiDer: Buffer;
  keyAlgorithm: KeyAlgorithm;
  days: number;
  now: Date;
  dns?: string[];
  ip?: string[];
}

export function certificatePem(certificate: x509.X509Certificate): string {
  return `${certificate.toString("pem")}\n`;
}

/** Self-signed root: the signer's own key is both subject and issuer. */
export async function issueCaCert(signer: Signer, ca: CaSpec, spkiDer: Buffer, now: Date): Promise<IssuedCertificate> {
  const keyId = keyIdentifier(spkiDer);
  const name = subjectName(ca);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: newSerialNumber(),
    subject: name,
    issuer: name,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + ca.days * DAY_MS),
    publicKey: new Uint8Array(spkiDer),
    signingKey: signer.privateKey,
    signingAlgorithm: signer.signingAlgorithm,
    extensions: caExtensions(keyId),
  }, signer.crypto);
  return { certificate, pem: certificatePem(certificate), clamped: false };
}

/** A leaf as issued: its PEM plus what the ledger records, without parsing it back. */
export interface IssuedLeaf {
  pem: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it (colon-separated, upper case). */
  fingerprint256: string;
  clamped: boolean;
}

export function issueServerCert(ca: IssuingCa, server: ServerSpec, spkiDer: Buffer, now: Date): Promise<IssuedLeaf> {
  return issueLeaf(ca, { role: "server", subject: server, spkiDer, keyAlgorithm: server.key, days: server.days, now, dns: server.dns, ip: server.ip });
}

export function issueClientCert(ca: IssuingCa, client: ClientSpec, spkiDer: Buffer, now: Date): Promise<IssuedLeaf> {
  return issueLeaf(ca, { role: "client", subject: client, spkiDer, keyAlgorithm: client.key, days: client.days, now });
}

/** Per-CA work done once: the signing builder, the issuer name, the CA's key identifier. */
interface CaContext {
  builder: CertificateBuilder;
  issuer: asn1.Name;
  authorityKeyId: string;
}
const caContexts = new WeakMap<IssuingCa, CaContext>();

function caContext(ca: IssuingCa): CaContext {
  let context = caContexts.get(ca);
  if (!context) {
    context = {
      builder: new CertificateBuilder(ca.signer, ca.keyAlgorithm),
      issuer: AsnConvert.parse(ca.certificate.subjectName.toArrayBuffer(), asn1.Name),
      authorityKeyId: keyIdentifier(Buffer.from(ca.certificate.publicKey.rawData)),
    };
    caContexts.set(ca, context);
  }
  return context;
}

export function fingerprintOf(der: Buffer): string {
  return createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":");
}

async function issueLeaf(ca: IssuingCa, request: IssueRequest): Promise<IssuedLeaf> {
  const context = caContext(ca);
  const wanted = request.now.getTime() + request.days * DAY_MS;
  const caEnd = ca.certificate.notAfter.getTime();
  const notBefore = new Date(Math.max(request.now.getTime() - BACKDATE_MS, ca.certificate.notBefore.getTime()));
  const notAfter = new Date(Math.min(wanted, caEnd));
  const serial = newSerialNumber();
  const der = await context.builder.build({
    serialHex: serial,
    issuer: context.issuer,
    subject: subjectRdns(request.subject),
    notBefore,
    notAfter,
    spkiDer: request.spkiDer,
    extensions: leafExtensions({
      role: request.role as "server" | "client",
      keyAlgorithm: request.keyAlgorithm,
      subjectKeyId: keyIdentifier(request.spkiDer),
      authorityKeyId: context.authorityKeyId,
      dns: request.dns,
      ip: request.ip,
    }),
  });
  // X.509 times have whole seconds; record what the certificate says.
  const seconds = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);
  return { pem: toPem(der, "CERTIFICATE"), serial, notBefore: seconds(notBefore), notAfter: seconds(notAfter), fingerprint256: fingerprintOf(der), clamped: wanted > caEnd };
}
