import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../io/files.js";
import { addClientsToSpec, type NewClient } from "../spec/edit.js";
import { DEFAULT_SPEC_FILE } from "../spec/load.js";
import { build, type BuildOptions, type BuildResult } from "./build.js";

export interface IssueOptions extends BuildOptions {
  clients: NewClient[];
}

/**
 * Adds clients to pki.yaml and issues them in one step. The spec is only changed when the
 * new entries validate, and is put back if the build then fails.
 */
export async function issue(options: IssueOptions): Promise<BuildResult> {
  const file = options.specFile ?? DEFAULT_SPEC_FILE;
  const original = await readFile(file, "utf8");
  const { text } = addClientsToSpec(original, path.relative(process.cwd(), file) || file, options.clients);
  const own = { mode: (await stat(file)).mode & 0o777 };
  await writeFileAtomic(file, text, own);
  try {
    return await build({ ...options, specFile: file });
  } catch (error) {
    await writeFileAtomic(file, original, own);
    throw error;
  }
}
