import { readFile, stat } from "node:fs/promises";
import { PkiError } from "../errors.js";
import { readCsr, type CsrFacts } from "../crypto/csr.js";
import { writingTime } from "../clock.js";
import { withSpecLock } from "../io/lock.js";
import { addClientsToSpec, type NewClient } from "../spec/edit.js";
import { DEFAULT_SPEC_FILE, loadSpecFile } from "../spec/load.js";
import { checkOutFolder } from "../tree/outFolder.js";
import { rotateKey } from "../plan/planBuild.js";
import { againIfSpecReplaced, converge, type BuildOptions, type BuildResult, type CommandInput } from "./build.js";

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
 * to the spec with `deviceKey: true`; a known device-key client gets a certificate for its new
 * CSR. The CSR, the certificate and the edited spec land in one commit, or none of them.
 */
export async function sign(options: SignOptions): Promise<SignResult> {
  // Refused before the spec or the CSR is written: a refusal changes nothing on disk.
  writingTime(options.now, options.issueInTheFuture);
  const specFile = options.specFile ?? DEFAULT_SPEC_FILE;
  return withSpecLock(specFile, () => againIfSpecReplaced(() => signLocked(options, specFile)));
}

/** sign, with the spec file's lock held from reading the spec to the end of the build. */
async function signLocked(options: SignOptions, specFile: string): Promise<SignResult> {
  const csr = await readCsr(
    await readFile(options.csrFile).catch(() => {
      throw new PkiError(`cannot read the CSR ${options.csrFile}`, { hint: "check the path" });
    }),
  );
  const original = await readFile(specFile, "utf8");
  const { spec } = await loadSpecFile(specFile);
  await checkOutFolder(spec);
  const existing = spec.clients.find((client) => client.name === options.name);
  const cn = options.cn ?? existing?.cn ?? csr.cn ?? options.name;
  if (csr.cn !== undefined && csr.cn !== cn) {
    throw new PkiError(
      `the CSR asks for CN \`${csr.cn}\` but client \`${options.name}\` has CN \`${cn}\`; nothing was changed`,
      {
        hint: existing
          ? "make the CSR with the client's CN"
          : `pass --cn ${JSON.stringify(csr.cn)} to accept the CSR's CN`,
      },
    );
  }
  if (existing && !existing.deviceKey) {
    throw new PkiError(`client \`${options.name}\` already exists with a key made by mqtt-pki; nothing was changed`, {
      hint: "sign the CSR under a new name, or set `deviceKey: true` on that client first",
    });
  }
  const csrs = new Map([[options.name, csr.pem]]);
  const input = existing
    ? { csrs }
    : {
        csrs,
        ...withNewClient(original, specFile, (await stat(specFile)).mode & 0o777, {
          name: options.name,
          cn,
          days: options.days,
          key: csr.keyAlgorithm,
        }),
      };
  const rotate = existing ? new Map([[rotateKey("client", options.name), { keepKey: true }]]) : undefined;
  const result = await converge({ ...options, specFile }, { rotate }, input);
  return { ...result, csr };
}

/** The spec with one more device-key client: parsed for the build, and as text to land with the tree. */
function withNewClient(
  original: string,
  specFile: string,
  mode: number,
  client: Omit<NewClient, "deviceKey">,
): Pick<CommandInput, "parsed" | "outside"> {
  const { text, parsed } = addClientsToSpec(original, specFile, [{ ...client, deviceKey: true }]);
  return { parsed, outside: [{ path: parsed.spec.file, content: text, own: { mode }, isKey: false }] };
}
