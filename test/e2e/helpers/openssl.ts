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
