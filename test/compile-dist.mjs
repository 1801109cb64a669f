// Jest globalSetup: tests that spawn the CLI (`node bin/mqtt-pki.js`, which runs dist/bundle/) or
// start worker threads run dist/, which may be stale while src/ is being edited. Compiled and
// bundled once here, before any test file runs, so no two test files rewrite dist/ under each other.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export default function compileDist() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  execFileSync(
    process.execPath,
    [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    { cwd: root, stdio: "inherit" },
  );
  execFileSync(process.execPath, [path.join(root, "scripts", "bundle.mjs")], { cwd: root, stdio: "inherit" });
}
