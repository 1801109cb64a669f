// Bundles the CLI, and the worker threads it starts, into dist/bundle/. Node loads a command's
// ~300 modules (ours and the @peculiar stack's) one file at a time, which cost every run about
// 0.25 s; a few bundled chunks load in a fraction of that. dist/bundle/ sits as deep as
// dist/render/, so paths relative to a module (templates/, pki.example.yaml) still resolve, and
// the workers are entry points of their own beside the chunks that start them.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// Chunk names carry content hashes: old ones would pile up (and enter the renderer fingerprint).
rmSync(path.join(root, "dist", "bundle"), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    cli: "src/cli.ts",
    leafWorker: "src/crypto/leafWorker.ts",
    verifyWorker: "src/verify/verifyWorker.ts",
  },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Bundled CommonJS packages call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: "warning",
});
