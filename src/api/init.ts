import { readFile } from "node:fs/promises";
import { PkiError } from "../errors.js";
import { writeFileAtomic, exists } from "../io/files.js";

/** The starter spec is the bundled example: commented, valid, and built by the tests. */
const EXAMPLE = new URL("../../pki.example.yaml", import.meta.url);

export interface InitOptions {
  file?: string;
  force?: boolean;
}

/** Writes a commented starter pki.yaml; refuses to overwrite one unless forced. */
export async function init(options: InitOptions = {}): Promise<string> {
  const file = options.file ?? "pki.yaml";
  if (!options.force && (await exists(file))) {
    throw new PkiError(`${file} already exists; nothing was written`, { hint: "edit it, or pass --force to replace it with the starter" });
  }
  await writeFileAtomic(file, await readFile(EXAMPLE, "utf8"), { mode: 0o644 });
  return file;
}
