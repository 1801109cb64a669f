import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../io/files.js";
import { writingTime } from "../clock.js";
import { withSpecLock } from "../io/lock.js";
import { checkOutFolder } from "../tree/outFolder.js";
import { addClientsToSpec, type NewClient } from "../spec/edit.js";
import { DEFAULT_SPEC_FILE } from "../spec/load.js";
import { buildFromParsed, EarlyStart, type BuildOptions, type BuildResult } from "./build.js";
import type { ParsedSpec } from "../spec/parse.js";

export interface IssueOptions extends BuildOptions {
  clients: NewClient[];
}

/**
 * Adds clients to pki.yaml and issues them in one step. The spec is only changed when the
 * new entries validate, and is put back if the build then fails.
 */
export async function issue(options: IssueOptions): Promise<BuildResult> {
  // Refused before the spec is edited: a refusal changes nothing on disk.
  if (!options.dryRun) writingTime(options.now, options.issueInTheFuture);
  const file = options.specFile ?? DEFAULT_SPEC_FILE;
  return withSpecLock(file, () => issueLocked(options, file));
}

/** issue, with the spec file's lock held from reading it to the end of the build. */
async function issueLocked(options: IssueOptions, file: string): Promise<BuildResult> {
  const original = await readFile(file, "utf8");
  // Reading the spec to edit it already tells the tree: its stamps are compared meanwhile.
  const early = new EarlyStart();
  const own = { mode: (await stat(file)).mode & 0o777 };
  let parsed: ParsedSpec;
  try {
    const edited = addClientsToSpec(original, path.relative(process.cwd(), file) || file, options.clients, early.start);
    parsed = edited.parsed;
    // Before the spec is written: a refused `out:` leaves the spec untouched, not restored.
    await checkOutFolder(parsed.spec);
    await writeFileAtomic(file, edited.text, own);
  } catch (error) {
    await early.abandon();
    throw error;
  }
  try {
    return await buildFromParsed({ ...options, specFile: file }, parsed, early);
  } catch (error) {
    await writeFileAtomic(file, original, own);
    throw error;
  }
}
