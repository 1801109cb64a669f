import { createPrivateKey, X509Certificate } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { read } from "read";
import { currentTime } from "../clock.js";
import { fromPem, pemBlocks } from "../crypto/pem.js";
import { isEncryptedPem } from "../crypto/keys.js";
import { buildPkcs12, MIN_PKCS12_ITERATIONS } from "../crypto/pkcs12.js";
import { PkiError, TreeError } from "../errors.js";
import { P12_PASSWORD_ENV } from "../io/passphrase.js";
export { P12_PASSWORD_ENV };
import { writeFileAtomic } from "../io/files.js";
import { readPath } from "../io/read.js";
import { loadSpecForReading } from "../build/recovery.js";
import { treeLayout } from "../tree/layout.js";

/** Where automation puts the bundle's password; a terminal is asked instead when it is unset. */

/** A source of the bundle's password, asked only once everything else is known to be in order. */
export type P12PasswordSource = () => Promise<string>;

/** $MQTT_PKI_P12_PASSWORD, else a no-echo prompt (twice) on a terminal, else a clear error. */
export const defaultP12Password: P12PasswordSource = async () => {
  const fromEnv = process.env[P12_PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!process.stdin.isTTY) {
    throw new PkiError("a PKCS#12 bundle needs a password and none was given; nothing was written", {
      hint: `set ${P12_PASSWORD_ENV} (for automation) or run the command in a terminal to be asked`,
    });
  }
  // Prompts go to stderr so `--json` output on stdout stays parseable.
  const first = await read({
    prompt: "Password for the PKCS#12 bundle: ",
    silent: true,
    replace: "",
    output: process.stderr,
  });
  const again = await read({ prompt: "Repeat it: ", silent: true, replace: "", output: process.stderr });
  if (again !== first)
    throw new PkiError("the two passwords differ; nothing was written", { hint: "run the command again" });
  if (first.length < 8)
    throw new PkiError("the password is shorter than 8 characters; nothing was written", {
      hint: "choose a longer one",
    });
  return first;
};

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
  role: "client" | "server";
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
  const layout = treeLayout(spec.out);
  const client = spec.clients.find((c) => c.name === options.name);
  const server = client ? undefined : spec.servers.find((s) => s.name === options.name);
  if (!client && !server) {
    throw new PkiError(`no client or server named \`${options.name}\` in the spec`, {
      hint: `clients: ${spec.clients.map((c) => c.name).join(", ") || "(none)"}; servers: ${spec.servers.map((s) => s.name).join(", ") || "(none)"}`,
    });
  }
  if (client?.deviceKey) {
    throw new PkiError(
      `client \`${options.name}\` keeps its private key on the device (deviceKey: true), so the tree has no key to bundle; nothing was written`,
      {
        hint: `build the PKCS#12 on the device from its own key and clients/${options.name}/client.crt + ca/ca.crt (e.g. \`openssl pkcs12 -export\`)`,
      },
    );
  }
  const role = client ? "client" : "server";
  const cn = (client ?? server)!.cn;
  const certFile = client ? layout.clientCert(options.name) : layout.serverCert(options.name);
  const keyFile = client ? layout.clientKey(options.name) : layout.serverKey(options.name);
  const outFile = path.resolve(
    options.outFile ??
      path.join(client ? layout.clientDir(options.name) : layout.serverDir(options.name), `${role}.p12`),
  );

  // Through links, as export always read the tree: verify is what reports a link in the tree.
  const [certPem, keyPem, caPem, previousCaPem] = [certFile, keyFile, layout.caCert, layout.previousCaCert].map(
    (file) => readPath(file, { followLinks: true })?.content,
  );
  const notBuilt = { hint: "run `mqtt-pki build` first" };
  if (!certPem)
    throw new TreeError(
      `${role} \`${options.name}\` has no certificate yet (${certFile} is missing); nothing was written`,
      { ...notBuilt, path: certFile },
    );
  if (!keyPem)
    throw new TreeError(`${role} \`${options.name}\` has no private key (${keyFile} is missing); nothing was written`, {
      hint: "restore it from backup, or run `mqtt-pki rotate " + options.name + "` for a new key and certificate",
      path: keyFile,
    });
  if (!caPem)
    throw new TreeError(`the CA certificate ${layout.caCert} is missing; nothing was written`, {
      ...notBuilt,
      path: layout.caCert,
    });

  const certificate = parseCertificates(certPem, certFile)[0];
  const caCertificates = [
    ...parseCertificates(caPem, layout.caCert),
    ...(previousCaPem ? parseCertificates(previousCaPem, layout.previousCaCert) : []),
  ];
  const privateKeyPem = keyPem.toString("utf8");
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
      hint: `restore it from backup, or run \`mqtt-pki rotate ${options.name}\``,
      path: keyFile,
    });
  }
  if (!keyMatches) {
    throw new TreeError(`${keyFile} does not belong to ${certFile}; nothing was written`, {
      hint: "run `mqtt-pki verify` to see what else is off, then `mqtt-pki build`",
      path: keyFile,
    });
  }
  if (options.outFile) {
    const dir = await stat(path.dirname(outFile)).catch(() => undefined);
    if (!dir?.isDirectory())
      throw new PkiError(`the folder ${path.dirname(outFile)} does not exist; nothing was written`, {
        hint: "create it, or pass another --out",
      });
  }

  const warnings: string[] = [];
  const now = currentTime(options.now);
  if (new Date(certificate.validTo) < now)
    warnings.push(
      `the certificate expired on ${new Date(certificate.validTo).toISOString()}: run \`mqtt-pki rotate ${options.name}\` and export again`,
    );
  else if (new Date(certificate.validFrom) > now)
    warnings.push(`the certificate is not valid before ${new Date(certificate.validFrom).toISOString()}`);
  if (!caCertificates.some((ca) => certificate.checkIssued(ca)))
    warnings.push(
      `the certificate was not issued by ${path.relative(spec.out, layout.caCert)}${previousCaPem ? " nor by the previous CA" : ""}: run \`mqtt-pki verify\``,
    );

  const password = await (options.password ?? defaultP12Password)();
  if (password === "")
    throw new PkiError("the PKCS#12 password is empty; nothing was written", {
      hint: `set ${P12_PASSWORD_ENV} to a non-empty password`,
    });
  const iterations = options.iterations ?? MIN_PKCS12_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < MIN_PKCS12_ITERATIONS) {
    throw new PkiError(`PKCS#12 iterations must be a whole number of at least ${MIN_PKCS12_ITERATIONS}`, {
      hint: `got ${iterations}`,
    });
  }
  const pfx = buildPkcs12({
    certificate: certificate.raw,
    caCertificates: caCertificates.map((ca) => ca.raw),
    privateKeyPem,
    password,
    friendlyName: cn,
    iterations,
  });
  await writeFileAtomic(outFile, pfx, { mode: 0o600 });
  return {
    file: outFile,
    role,
    name: options.name,
    cn,
    caSubjects: caCertificates.map((ca) => ca.subject.replace(/\n/g, ", ")),
    warnings,
  };
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
