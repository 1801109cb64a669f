import { readdirSync, readFileSync } from "node:fs";
import { sha256HexOfParts } from "../crypto/hash.js";

const RENDER_DIR = new URL("./", import.meta.url);
const TEMPLATE_DIR = new URL("../../templates/", import.meta.url);
let cached: string | undefined;

/**
 * A digest of everything that turns a spec into text: the templates and the renderers' own
 * code (in the bundled CLI, the whole bundle). A file rendered by other code is not known to be right, however old its stamp.
 */
export function rendererFingerprint(): string {
  return (cached ??= sha256HexOfParts(renderingSources()));
}

/** Each file's name, then its bytes, folder by folder in name order: the digest's input, as stamps recorded it. */
function* renderingSources(): Generator<string | Buffer> {
  for (const dir of [TEMPLATE_DIR, RENDER_DIR]) {
    for (const name of readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort()) {
      if (name.endsWith(".map") || name.endsWith(".d.ts")) continue;
      yield name;
      yield readFileSync(new URL(name, dir));
    }
  }
}
