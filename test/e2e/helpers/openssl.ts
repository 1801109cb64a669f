/** Thin wrappers over the openssl CLI: an independent check of generated certs. */
import { run } from "./processes.js";

export type VerifyPurpose = "sslserver" | "sslclient";

export interface VerifyResult {
  ok: boolean;
  /** stdout + stderr, so a failing assertion shows openssl's reason. */
  output: string;
}

/** `openssl verify -CAfile ca -purpose p [extra] cert`; ok means exit 0 and "OK". */
export async function opensslVerify(
  caFile: string,
  certFile: string,
  purpose: VerifyPurpose,
  extraArgs: readonly string[] = [],
): Promise<VerifyResult> {
  const r = await run("openssl", ["verify", "-CAfile", caFile, "-purpose", purpose, ...extraArgs, certFile]);
  const output = r.stdout + r.stderr;
  return { ok: r.code === 0 && /: OK\s*$/m.test(r.stdout), output };
}

/** `openssl x509 -noout -text`; throws if openssl cannot parse the file. */
export async function opensslText(certFile: string): Promise<string> {
  const r = await run("openssl", ["x509", "-noout", "-text", "-in", certFile]);
  if (r.code !== 0) throw new Error(`openssl x509 -text ${certFile} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A device's EC P-256 key and CSR made by openssl, as a device would (`openssl req -new -newkey ec`); throws if it fails. */
export async function opensslDeviceCsr(keyFile: string, csrFile: string, cn: string): Promise<void> {
  const r = await run("openssl", [
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    keyFile,
    "-subj",
    `/CN=${cn}`,
    "-out",
    csrFile,
  ]);
  if (r.code !== 0) throw new Error(`openssl req -new ${csrFile} failed (${r.code}): ${r.stderr}`);
}
