import { x509 } from "./provider.js";
import { CertificateBuilder } from "./certBuilder.js";
import { prepareLeaves } from "./leafPool.js";
import type { LeafJob, LeafTemplate } from "./leafTbs.js";
import { fingerprintOf } from "./hash.js";
import { toPem } from "./pem.js";
export { fingerprintOf };
import { caExtensions, keyIdentifier, leafTemplate, newSerialNumber, subjectName } from "./profiles.js";
import type { Signer } from "./signer.js";
import type { CaSpec, ClientSpec, KeyAlgorithm, ServerSpec } from "../spec/types.js";
import { DAY_MS } from "../clock.js";

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

export function certificatePem(certificate: x509.X509Certificate): string {
  return `${certificate.toString("pem")}\n`;
}

/** Self-signed root: the signer's own key is both subject and issuer. */
export async function issueCaCert(signer: Signer, ca: CaSpec, spkiDer: Buffer, now: Date): Promise<IssuedCertificate> {
  const keyId = keyIdentifier(spkiDer);
  const name = subjectName(ca);
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: newSerialNumber(),
      subject: name,
      issuer: name,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + ca.days * DAY_MS),
      publicKey: new Uint8Array(spkiDer),
      signingKey: signer.privateKey,
      signingAlgorithm: signer.signingAlgorithm,
      extensions: caExtensions(keyId),
    },
    signer.crypto,
  );
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

export async function issueServerCert(
  ca: IssuingCa,
  server: ServerSpec,
  spkiDer: Buffer,
  now: Date,
): Promise<IssuedLeaf> {
  return (await issueLeaves([{ ca, role: "server", holder: server, spkiDer }], now))[0];
}

export async function issueClientCert(
  ca: IssuingCa,
  client: ClientSpec,
  spkiDer: Buffer,
  now: Date,
): Promise<IssuedLeaf> {
  return (await issueLeaves([{ ca, role: "client", holder: client, spkiDer }], now))[0];
}

/** One leaf to issue: for this holder, by this CA, for its key or (spkiDer absent) a new one. */
export interface LeafRequest {
  ca: IssuingCa;
  role: "server" | "client";
  holder: ServerSpec | ClientSpec;
  spkiDer?: Buffer;
}

export interface IssuedLeafWithKey extends IssuedLeaf {
  /** The key made for this leaf (PKCS#8 PEM); absent when the request brought its public key. */
  keyPem?: string;
  spkiDer: Buffer;
}

/** Per-CA work done once: the signing builder, the issuer name, the CA's key identifier. */
interface CaContext {
  builder: CertificateBuilder;
  issuerDer: Buffer;
  authorityKeyId: string;
}
const caContexts = new WeakMap<IssuingCa, CaContext>();

function caContext(ca: IssuingCa): CaContext {
  let context = caContexts.get(ca);
  if (!context) {
    context = {
      builder: new CertificateBuilder(ca.signer, ca.keyAlgorithm),
      issuerDer: Buffer.from(ca.certificate.subjectName.toArrayBuffer()),
      authorityKeyId: keyIdentifier(Buffer.from(ca.certificate.publicKey.rawData)),
    };
    caContexts.set(ca, context);
  }
  return context;
}

/**
 * Issues many leaves: keys and TBSCertificates are made on every core (leafPool.ts), each is
 * signed here through its CA's Signer as it arrives. `onIssued` hears of each one in
 * completion order; the result keeps the order of `requests`.
 */
export async function issueLeaves(
  requests: LeafRequest[],
  now: Date,
  onIssued?: (index: number, leaf: IssuedLeafWithKey) => void,
): Promise<IssuedLeafWithKey[]> {
  const issued: IssuedLeafWithKey[] = new Array(requests.length);
  await streamLeaves(requests, now, (index, leaf) => {
    issued[index] = leaf;
    onIssued?.(index, leaf);
  });
  return issued;
}

/**
 * issueLeaves without keeping the leaves: each is handed over once made, and forgotten (a
 * fleet's 100,000 keys and certificates are written as they come, not held to the end).
 */
export async function streamLeaves(
  requests: LeafRequest[],
  now: Date,
  onIssued: (index: number, leaf: IssuedLeafWithKey) => void,
): Promise<void> {
  const templates: LeafTemplate[] = [];
  const templateIndex = new Map<string, number>();
  const meta: { ca: IssuingCa; clamped: boolean }[] = [];
  const jobs: LeafJob[] = requests.map((request) => {
    const { ca, role, holder } = request;
    const context = caContext(ca);
    const profile = role === "server" ? { dns: (holder as ServerSpec).dns, ip: (holder as ServerSpec).ip } : {};
    const profileKey = JSON.stringify([context.authorityKeyId, role, holder.key.startsWith("rsa-"), profile]);
    let template = templateIndex.get(profileKey);
    if (template === undefined) {
      const made = leafTemplate(
        { role, keyAlgorithm: holder.key, authorityKeyId: context.authorityKeyId, ...profile },
        context.issuerDer,
        context.builder.algorithmIdDer,
      );
      template = templates.push({ ...made, signingKey: ca.signer.inProcess }) - 1;
      templateIndex.set(profileKey, template);
    }
    const wanted = now.getTime() + holder.days * DAY_MS;
    const caEnd = ca.certificate.notAfter.getTime();
    meta.push({ ca, clamped: wanted > caEnd });
    return {
      template,
      serialHex: newSerialNumber(),
      // X.509 times have whole seconds; the ledger records what the certificate says.
      notBefore: wholeSeconds(Math.max(now.getTime() - BACKDATE_MS, ca.certificate.notBefore.getTime())),
      notAfter: wholeSeconds(Math.min(wanted, caEnd)),
      subject: { c: holder.c, st: holder.st, l: holder.l, o: holder.o, ou: holder.ou, cn: holder.cn },
      ...(request.spkiDer ? { spkiDer: request.spkiDer } : { generate: holder.key }),
    };
  });
  await prepareLeaves(templates, jobs, async (index, prepared) => {
    const { builder } = caContext(meta[index].ca);
    const der = prepared.certDer ?? (await builder.finish(prepared.tbsDer));
    const job = jobs[index];
    onIssued(index, {
      pem: toPem(der, "CERTIFICATE"),
      serial: job.serialHex,
      notBefore: new Date(job.notBefore),
      notAfter: new Date(job.notAfter),
      fingerprint256: fingerprintOf(der),
      clamped: meta[index].clamped,
      keyPem: prepared.keyPem,
      spkiDer: prepared.spkiDer,
    });
  });
}

function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
