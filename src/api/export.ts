import path from "node:path";
import { currentTime } from "../clock.js";
import { loadSpecForReading } from "../build/recovery.js";
import { buildPkcs12, pkcs12Iterations } from "../crypto/pkcs12.js";
import { requireParentFolder, writeFileAtomic } from "../io/files.js";
import { askP12Password, defaultP12Password, type P12PasswordSource } from "../io/passphrase.js";
import { exportWarnings, readExportPair, type HolderRole } from "../tree/exportPair.js";

export { defaultP12Password, P12_PASSWORD_ENV, type P12PasswordSource } from "../io/passphrase.js";

export interface ExportOptions {
  /** Path of pki.yaml; default ./pki.yaml. */
  specFile?: string;
  /** The client (or server) to bundle. */
  name: string;
  /** Where to write; default <out>/clients/<name>/client.p12 (servers: <out>/servers/<name>/server.p12). */
  outFile?: string;
  /** Default: $MQTT_PKI_P12_PASSWORD, else a prompt. */
  password?: P12PasswordSource;
  /** MAC key derivation iterations (≥ 2048). */
  iterations?: number;
  /** Time the validity warning is judged at; default the clock (see clock.ts). */
  now?: Date | string;
}

export interface ExportResult {
  file: string;
  role: HolderRole;
  name: string;
  /** The friendly name inside the bundle. */
  cn: string;
  /** Subjects of the CA certificates shipped with it. */
  caSubjects: string[];
  warnings: string[];
}

/**
 * Writes a PKCS#12 bundle (certificate, private key, CA chain) for a client or server of the
 * spec, for devices and tools that import .p12/.pfx rather than PEM files. Mode 0600, atomic.
 */
export async function exportP12(options: ExportOptions): Promise<ExportResult> {
  const { spec } = await loadSpecForReading(options.specFile);
  const pair = readExportPair(spec, options.name);
  const outFile = path.resolve(options.outFile ?? pair.bundleFile);
  // The holder's own folder is there once its pair is; a folder the caller names may not be.
  if (options.outFile) await requireParentFolder(outFile, "create it, or pass another --out");
  const warnings = exportWarnings(pair, currentTime(options.now));
  // The password is asked last, so that nothing already known to fail makes anyone type it.
  const password = await askP12Password(options.password ?? defaultP12Password);
  const pfx = buildPkcs12({
    certificate: pair.certificate.raw,
    caCertificates: pair.caCertificates.map((ca) => ca.raw),
    privateKeyPem: pair.privateKeyPem,
    password,
    friendlyName: pair.cn,
    iterations: pkcs12Iterations(options.iterations),
  });
  await writeFileAtomic(outFile, pfx, { mode: 0o600 });
  return {
    file: outFile,
    role: pair.role,
    name: options.name,
    cn: pair.cn,
    caSubjects: pair.caCertificates.map((ca) => ca.subject.replace(/\n/g, ", ")),
    warnings,
  };
}
