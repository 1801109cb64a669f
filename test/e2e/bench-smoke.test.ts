/**
 * The benchmark at a small N, so that `npm run bench` cannot rot between full runs: every
 * measurement runs against the real CLI and is printed. Whether the targets hold is a question
 * for the full run (N=10,000), not for a smoke run whose fixed costs dominate.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { run } from "./helpers/index.js";

const ROOT = path.resolve(new URL("../..", import.meta.url).pathname);

test("npm run bench at N=120 measures and prints every row, and leaves bench/RESULTS.md alone", async () => {
  const results = path.join(ROOT, "bench", "RESULTS.md");
  const before = await readFile(results, "utf8");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_N: "120",
    BENCH_OPENSSL_N: "4",
    BENCH_RSA_N: "4",
    BENCH_PEER_N: "2",
    BENCH_NO_WRITE: "1",
  };
  delete env.NODE_OPTIONS;
  const bench = await run(process.execPath, [path.join(ROOT, "bench", "bench.mjs")], { env, timeoutMs: 240_000 });
  // Exit 1 means a target missed, which a smoke run may; anything else, or a stack trace, is a broken bench.
  expect({ code: [0, 1].includes(bench.code ?? -1), stderr: bench.stderr }).toEqual({ code: true, stderr: "" });
  for (const row of [
    "openssl CLI loop, per device",
    "node:crypto floor",
    "node:crypto floor on all",
    // Measured where the Debian package is installed, "skipped: not installed (apt-get install ...)" elsewhere.
    "mkcert -ecdsa -client loop, per device",
    "cfssl gencert loop, per device",
    "easy-rsa build-client-full loop, per device",
    "build 120 clients from empty",
    "vs openssl CLI loop",
    "vs node:crypto floor",
    "peak RSS",
    "no-op rebuild",
    "verify",
    "add 1 client to the spec",
    "  status --check",
    "  issue 1 client",
    "  revoke 1 client",
    "  rotate 1 client",
    "RSA-2048 bulk (N=4)",
  ]) {
    expect(bench.stdout).toContain(row);
  }
  expect(bench.stdout).toMatch(/no-op rebuild: [\d.]+ s, 0 files written/);
  expect(bench.stdout).toMatch(/verify: [\d.]+ s \(ok\)/);
  expect(await readFile(results, "utf8")).toBe(before);
}, 300_000);
