import { readFile } from "node:fs/promises";
import path from "node:path";
import { PkiError } from "../errors.js";
import { parseSpec, type ParsedSpec } from "./parse.js";

export const DEFAULT_SPEC_FILE = "pki.yaml";

/** Reads and validates a spec file; the file's own name labels every position in errors. */
export async function loadSpecFile(file: string = DEFAULT_SPEC_FILE): Promise<ParsedSpec> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PkiError(code === "ENOENT" ? `no spec file at ${file}` : `cannot read ${file}: ${code}`, {
      hint:
        code === "ENOENT"
          ? "run `mqtt-pki init` to write a starter pki.yaml, or pass another with -f FILE"
          : "check the file's permissions",
    });
  }
  const label = path.relative(process.cwd(), file) || file;
  // Positions carry the path as the user typed it (relative to here); paths inside resolve against the file.
  return parseSpec(text, label);
}
