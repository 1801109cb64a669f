import { createPrivateKey, X509Certificate } from "node:crypto";
import path from "node:path";
import { isEncryptedPem } from "../crypto/keys.js";
import { fromPem, pemBlocks } from "../crypto/pem.js";
import { PkiError, TreeError } from "../errors.js";
import { readPath } from "../io/read.js";
import type { Spec } from "../spec/types.js";
import { treeLayout, type TreeLayout } from "./layout.js";

/**
 * A client's or server's certificate, key and CA chain as the tree holds them, read for
 * `export` and refused with the reason and the fix when they could not make a working
 * bundle: missing, unreadable, encrypted, or a key of another certificate.
 */

export type HolderRole = "client" | "server";

export interface ExportPair {
  role: HolderRole;
  name: string;
  cn: string;
  /** Where the bundle goes unless the caller says otherwise: <role>.p12 in the holder's folder. */
  bundleFile: string;
  certificate: X509Certificate;
  /** The CA, then the previous CA while a CA rotation is under way. */
  caCertificates: X509Certificate[];
  /** Unencrypted, and known to belong to `certificate`. */
  privateKeyPem: string;
  /** The CA certificate's file, relative to the tree, as warnings name it. */
  caFile: string;
  /** A CA rotation is under way: the previous CA is in the chain too. */
  withPreviousCa: boolean;
}

interface Holder {
  role: HolderRole;
  name: string;
  cn: string;
  certFile: string;
  keyFile: string;
  folder: string;
}

/** The named holder's pair and CA chain from the spec's tree; refused with a fix when no working bundle can be made of them. */
export function readExportPair(spec: Spec, name: string): ExportPair {
  const layout = treeLayout(spec.out);
  const holder = holderOf(spec, layout, name);
  // Through links, as export always read the tree: verify is what reports a link in the tree.
  const [certPem, keyPem, caPem, previousCaPem] = [
    holder.certFile,
    holder.keyFile,
    layout.caCert,
    layout.previousCaCert,
  ].map((file) => readPath(file, { followLinks: true })?.content);
  const present = presentOrRefused({ holder, layout, certPem, keyPem, caPem });
  const certificate = parseCertificates(present.certPem, holder.certFile)[0];
  const caCertificates = [
    ...parseCertificates(present.caPem, layout.caCert),
    ...(previousCaPem ? parseCertificates(previousCaPem, layout.previousCaCert) : []),
  ];
  const privateKeyPem = keyOf(holder, present.keyPem.toString("utf8"), certificate);
  return {
    role: holder.role,
    name: holder.name,
    cn: holder.cn,
    bundleFile: path.join(holder.folder, `${holder.role}.p12`),
    certificate,
    caCertificates,
    privateKeyPem,
    caFile: path.relative(spec.out, layout.caCert),
    withPreviousCa: previousCaPem !== undefined,
  };
}

/** The spec's client of that name, else its server; a client whose key stays on its device has nothing to bundle. */
function holderOf(spec: Spec, layout: TreeLayout, name: string): Holder {
  const client = spec.clients.find((c) => c.name === name);
  const server = client ? undefined : spec.servers.find((s) => s.name === name);
  if (!client && !server) {
    throw new PkiError(`no client or server named \`${name}\` in the spec`, {
      hint: `clients: ${spec.clients.map((c) => c.name).join(", ") || "(none)"}; servers: ${spec.servers.map((s) => s.name).join(", ") || "(none)"}`,
    });
  }
  if (client?.deviceKey) {
    throw new PkiError(
      `client \`${name}\` keeps its private key on the device (deviceKey: true), so the tree has no key to bundle; nothing was written`,
      {
        hint: `build the PKCS#12 on the device from its own key and clients/${name}/client.crt + ca/ca.crt (e.g. \`openssl pkcs12 -export\`)`,
      },
    );
  }
  if (client)
    return {
      role: "client",
      name,
      cn: client.cn,
      certFile: layout.clientCert(name),
      keyFile: layout.clientKey(name),
      folder: layout.clientDir(name),
    };
  return {
    role: "server",
    name,
    cn: server!.cn,
    certFile: layout.serverCert(name),
    keyFile: layout.serverKey(name),
    folder: layout.serverDir(name),
  };
}

/** The files every bundle needs, as read. */
interface BundleFiles {
  certPem: Buffer;
  keyPem: Buffer;
  caPem: Buffer;
}

interface PairRead extends Partial<BundleFiles> {
  holder: Holder;
  layout: TreeLayout;
}

/** The three files a bundle needs, each refused with its own fix when it is not there. */
function presentOrRefused({ holder, layout, certPem, keyPem, caPem }: PairRead): BundleFiles {
  const notBuilt = { hint: "run `mqtt-pki build` first" };
  const { role, name, certFile, keyFile } = holder;
  if (!certPem)
    throw new TreeError(`${role} \`${name}\` has no certificate yet (${certFile} is missing); nothing was written`, {
      ...notBuilt,
      path: certFile,
    });
  if (!keyPem)
    throw new TreeError(`${role} \`${name}\` has no private key (${keyFile} is missing); nothing was written`, {
      hint: "restore it from backup, or run `mqtt-pki rotate " + name + "` for a new key and certificate",
      path: keyFile,
    });
  if (!caPem)
    throw new TreeError(`the CA certificate ${layout.caCert} is missing; nothing was written`, {
      ...notBuilt,
      path: layout.caCert,
    });
  return { certPem, keyPem, caPem };
}

/** The holder's key, if it is one mqtt-pki wrote (unencrypted) and it belongs to the certificate. */
function keyOf(holder: Holder, privateKeyPem: string, certificate: X509Certificate): string {
  const { keyFile, certFile } = holder;
  if (isEncryptedPem(privateKeyPem)) {
    throw new TreeError(`${keyFile} is encrypted; mqtt-pki only bundles the unencrypted keys it wrote itself`, {
      hint: "decrypt it with `openssl pkey` first",
      path: keyFile,
    });
  }
  let keyMatches: boolean;
  try {
    keyMatches = certificate.checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch {
    throw new TreeError(`${keyFile} is not a private key Node can read`, {
      hint: `restore it from backup, or run \`mqtt-pki rotate ${holder.name}\``,
      path: keyFile,
    });
  }
  if (!keyMatches) {
    throw new TreeError(`${keyFile} does not belong to ${certFile}; nothing was written`, {
      hint: "run `mqtt-pki verify` to see what else is off, then `mqtt-pki build`",
      path: keyFile,
    });
  }
  return privateKeyPem;
}

/** What a bundle of the pair would carry that its user should know: expired, not valid yet, issued by another CA. */
export function exportWarnings(pair: ExportPair, now: Date): string[] {
  const { certificate } = pair;
  const warnings: string[] = [];
  if (new Date(certificate.validTo) < now)
    warnings.push(
      `the certificate expired on ${new Date(certificate.validTo).toISOString()}: run \`mqtt-pki rotate ${pair.name}\` and export again`,
    );
  else if (new Date(certificate.validFrom) > now)
    warnings.push(`the certificate is not valid before ${new Date(certificate.validFrom).toISOString()}`);
  if (!pair.caCertificates.some((ca) => certificate.checkIssued(ca)))
    warnings.push(
      `the certificate was not issued by ${pair.caFile}${pair.withPreviousCa ? " nor by the previous CA" : ""}: run \`mqtt-pki verify\``,
    );
  return warnings;
}

/** Every certificate of a PEM file, in order. */
function parseCertificates(pem: Buffer, file: string): X509Certificate[] {
  const blocks = pemBlocks(pem.toString("utf8"), "CERTIFICATE");
  try {
    const certificates = blocks.map((block) => new X509Certificate(fromPem(block)));
    if (certificates.length > 0) return certificates;
  } catch {
    // fall through to the error below
  }
  throw new TreeError(`${file} holds no readable certificate`, {
    hint: "restore it from backup, or run `mqtt-pki build`",
    path: file,
  });
}
