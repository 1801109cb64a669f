import { x509 } from "./provider.js";
import { keyIdentifier, newSerialNumber, profileExtensions, subjectName, type Role } from "./profiles.js";
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
    extensions: profileExtensions({ role: "ca", keyAlgorithm: ca.key, subjectKeyId: keyId }),
  }, signer.crypto);
  return { certificate, pem: certificatePem(certificate), clamped: false };
}

export function issueServerCert(ca: IssuingCa, server: ServerSpec, spkiDer: Buffer, now: Date): Promise<IssuedCertificate> {
  return issueLeaf(ca, { role: "server", subject: server, spkiDer, keyAlgorithm: server.key, days: server.days, now, dns: server.dns, ip: server.ip });
}

export function issueClientCert(ca: IssuingCa, client: ClientSpec, spkiDer: Buffer, now: Date): Promise<IssuedCertificate> {
  return issueLeaf(ca, { role: "client", subject: client, spkiDer, keyAlgorithm: client.key, days: client.days, now });
}

async function issueLeaf(ca: IssuingCa, request: IssueRequest): Promise<IssuedCertificate> {
  const wanted = request.now.getTime() + request.days * DAY_MS;
  const caEnd = ca.certificate.notAfter.getTime();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: newSerialNumber(),
    subject: subjectName(request.subject),
    issuer: ca.certificate.subjectName,
    notBefore: new Date(Math.max(request.now.getTime() - BACKDATE_MS, ca.certificate.notBefore.getTime())),
    notAfter: new Date(Math.min(wanted, caEnd)),
    publicKey: new Uint8Array(request.spkiDer),
    signingKey: ca.signer.privateKey,
    signingAlgorithm: ca.signer.signingAlgorithm,
    extensions: profileExtensions({
      role: request.role,
      keyAlgorithm: request.keyAlgorithm,
      subjectKeyId: keyIdentifier(request.spkiDer),
      authorityKeyId: keyIdentifier(Buffer.from(ca.certificate.publicKey.rawData)),
      dns: request.dns,
      ip: request.ip,
    }),
  }, ca.signer.crypto);
  return { certificate, pem: certificatePem(certificate), clamped: wanted > caEnd };
}
