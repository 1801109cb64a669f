import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { writingTime } from "../clock.js";
import { withSpecLock } from "../io/lock.js";
import { checkOutFolder } from "../tree/outFolder.js";
import { addClientsToSpec, type NewClient } from "../spec/edit.js";
import { DEFAULT_SPEC_FILE } from "../spec/load.js";
import { againIfSpecReplaced, converge, type BuildOptions, type BuildResult } from "./build.js";

export interface IssueOptions extends BuildOptions {
  clients: NewClient[];
}

/**
 * Adds clients to pki.yaml and issues them in one step. The edited spec goes to disk in the
 * same commit as their files: both land, or (when anything fails first) neither.
 */
export async function issue(options: IssueOptions): Promise<BuildResult> {
  // Refused before the spec is edited: a refusal changes nothing on disk.
  if (!options.dryRun) writingTime(options.now, options.issueInTheFuture);
  const file = options.specFile ?? DEFAULT_SPEC_FILE;
  return withSpecLock(file, () => againIfSpecReplaced(() => issueLocked(options, file)));
}

/** issue, with the spec file's lock held from reading it to the end of the build. */
async function issueLocked(options: IssueOptions, file: string): Promise<BuildResult> {
  const original = await readFile(file, "utf8");
  const own = { mode: (await stat(file)).mode & 0o777 };
  const edited = addClientsToSpec(original, path.relative(process.cwd(), file) || file, options.clients);
  await checkOutFolder(edited.parsed.spec);
  const specFile = { path: edited.parsed.spec.file, content: edited.text, own, isKey: false };
  return converge(
    { ...options, specFile: file },
    { prune: options.prune },
    { parsed: edited.parsed, outside: [specFile] },
  );
}
