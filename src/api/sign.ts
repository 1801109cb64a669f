import { mkdir, readFile, stat } from "node:fs/promises";
import { PkiError } from "../errors.js";
import { readCsr, type CsrFacts } from "../crypto/csr.js";
import { writeFileAtomic } from "../io/files.js";
import { writingTime } from "../clock.js";
import { withSpecLock } from "../io/lock.js";
import { addClientsToSpec } from "../spec/edit.js";
import { DEFAULT_SPEC_FILE, loadSpecFile } from "../spec/load.js";
import { treeLayout } from "../tree/layout.js";
import { checkOutFolder } from "../tree/outFolder.js";
import { rotateKey } from "../plan/planBuild.js";
import { converge, type BuildOptions, type BuildResult } from "./build.js";

export interface SignOptions extends BuildOptions {
  csrFile: string;
  name: string;
  /** The client's CN; default the CSR's CN, else the name. */
  cn?: string;
  days?: number;
}

export interface SignResult extends BuildResult {
  csr: CsrFacts;
}

/**
 * Signs a device's CSR with the client profile: the device keeps its key. A new name is added
 * to the spec with `deviceKey: true`; a known device-key client gets a certificate for its new CSR.
 */
export async function sign(options: SignOptions): Promise<SignResult> {
  // Refused before the spec or the CSR is written: a refusal changes nothing on disk.
  writingTime(options.now, options.issueInTheFuture);
  const specFile = options.specFile ?? DEFAULT_SPEC_FILE;
  return withSpecLock(specFile, () => signLocked(options, specFile));
}

/** sign, with the spec file's lock held from reading the spec to the end of the build. */
async function signLocked(options: SignOptions, specFile: string): Promise<SignResult> {
  const csr = await readCsr(await readFile(options.csrFile).catch(() => {
    throw new PkiError(`cannot read the CSR ${options.csrFile}`, { hint: "check the path" });
  }));
  const { spec } = await loadSpecFile(specFile);
  await checkOutFolder(spec);
  const existing = spec.clients.find((client) => client.name === options.name);
  const cn = options.cn ?? existing?.cn ?? csr.cn ?? options.name;
  if (csr.cn !== undefined && csr.cn !== cn) {
    throw new PkiError(`the CSR asks for CN \`${csr.cn}\` but client \`${options.name}\` has CN \`${cn}\`; nothing was changed`, { hint: existing ? "make the CSR with the client's CN" : `pass --cn ${JSON.stringify(csr.cn)} to accept the CSR's CN` });
  }
  if (existing && !existing.deviceKey) {
    throw new PkiError(`client \`${options.name}\` already exists with a key made by mqtt-pki; nothing was changed`, { hint: "sign the CSR under a new name, or set `deviceKey: true` on that client first" });
  }

  const original = await readFile(specFile, "utf8");
  const own = { mode: (await stat(specFile)).mode & 0o777 };
  if (!existing) {
    const { text } = addClientsToSpec(original, specFile, [{ name: options.name, cn, days: options.days, key: csr.keyAlgorithm, deviceKey: true }]);
    await writeFileAtomic(specFile, text, own);
  }
  const layout = treeLayout(spec.out);
  try {
    await mkdir(layout.clientDir(options.name), { recursive: true, mode: 0o700 });
    await writeFileAtomic(layout.clientCsr(options.name), csr.pem, { mode: 0o644 });
    const result = await converge({ ...options, specFile }, { rotate: existing ? new Map([[rotateKey("client", options.name), { keepKey: true }]]) : undefined });
    return { ...result, csr };
  } catch (error) {
    if (!existing) await writeFileAtomic(specFile, original, own);
    throw error;
  }
}

