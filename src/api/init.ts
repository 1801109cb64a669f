import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PkiError } from "../errors.js";
import { writeFileAtomic, exists } from "../io/files.js";

/** The starter spec is the bundled example: commented, valid, and built by the tests. */
const EXAMPLE = new URL("../../pki.example.yaml", import.meta.url);
const SCHEMA = new URL("../../schema/pki.schema.json", import.meta.url);

export interface InitOptions {
  file?: string;
  force?: boolean;
}

/** Writes a commented starter pki.yaml; refuses to overwrite one unless forced. */
export async function init(options: InitOptions = {}): Promise<string> {
  const file = options.file ?? "pki.yaml";
  if (!options.force && (await exists(file))) {
    throw new PkiError(`${file} already exists; nothing was written`, {
      hint: "edit it, or pass --force to replace it with the starter",
    });
  }
  // Point the editor modeline at the schema this package ships, from wherever the file is written.
  const schema = path.relative(path.dirname(path.resolve(file)), fileURLToPath(SCHEMA)) || "pki.schema.json";
  const text = (await readFile(EXAMPLE, "utf8"))
    .replace(/^# yaml-language-server: \$schema=.*$/m, `# yaml-language-server: $schema=${schema}`)
    // The example's comments name the example; the starter's name the file just written.
    .replaceAll(" (or `npm start`)", "")
    .replaceAll("-f pki.example.yaml", `-f ${path.basename(file)}`);
  await writeFileAtomic(file, text, { mode: 0o644 });
  return file;
}
