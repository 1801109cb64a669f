/**
 * A pretended time never leaks into real certificates: every writing command refuses a --now
 * (or $MQTT_PKI_NOW) ahead of the clock with exit 2 and changes nothing, unless
 * --issue-in-the-future is given, which prints a banner. Read-only commands keep --now.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { main } from "../../src/index.js";
import { makeWorkDir, opensslDeviceCsr, removeWorkDir, run } from "./helpers/index.js";
import { buildTree, captureOutput, writeSpec, type WrittenSpec } from "./helpers/specs.js";

let dir: string;
let spec: WrittenSpec;
const AHEAD = new Date(Date.now() + 365 * 86_400_000).toISOString();

beforeAll(async () => {
  dir = await makeWorkDir("mqtt-pki-e2e-future-");
  spec = await writeSpec(dir, { clients: ["alice", "bob"] });
  await buildTree(spec);
  await opensslDeviceCsr(path.join(dir, "dev.key"), path.join(dir, "dev.csr"), "dev-9");
});
afterAll(async () => {
  if (dir) await removeWorkDir(dir);
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const output = captureOutput();
  const code = await main(argv, output);
  return { code, out: output.stdout(), err: output.stderr() };
}

/** Every file in the work folder with its hash and mtime: "changes nothing" to the byte and the stat. */
async function everything(root: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else
        found.set(
          full,
          `${createHash("sha256")
            .update(await readFile(full))
            .digest("hex")} ${(await stat(full)).mtimeMs}`,
        );
    }
  };
  await walk(root);
  return found;
}

test.each([
  ["build", ["build"]],
  ["issue", ["issue", "carol"]],
  ["sign", ["sign", "--csr", "CSR", "--name", "dev-9"]],
  ["rotate", ["rotate", "alice"]],
  ["revoke", ["revoke", "bob"]],
  ["crl", ["crl", "--force"]],
])("%s with --now a year ahead exits 2, says why, and changes nothing", async (_name, argv) => {
  const before = await everything(dir);
  const args = argv.map((arg) => (arg === "CSR" ? path.join(dir, "dev.csr") : arg));
  const result = await cli([...args, "-f", spec.specFile, "--now", AHEAD]);
  expect(result.code).toBe(2);
  expect(result.err).toMatch(/the pretended time .* is ahead of this machine's clock .*; nothing was written/);
  expect(result.err).toMatch(/--issue-in-the-future/);
  expect(result.err).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(await everything(dir)).toEqual(before);
});

test("$MQTT_PKI_NOW ahead of the clock is refused the same way", async () => {
  const saved = process.env.MQTT_PKI_NOW;
  process.env.MQTT_PKI_NOW = AHEAD;
  try {
    expect((await cli(["build", "-f", spec.specFile])).code).toBe(2);
  } finally {
    if (saved === undefined) delete process.env.MQTT_PKI_NOW;
    else process.env.MQTT_PKI_NOW = saved;
  }
});

test("read-only commands keep --now: status and verify answer for that time", async () => {
  const status = await cli(["status", "--check", "-f", spec.specFile, "--now", AHEAD]);
  expect(status.code).toBe(1);
  expect(status.out).toMatch(/CRL: the CRL expired on/);
  expect((await cli(["verify", "-f", spec.specFile, "--now", AHEAD])).code).toBe(1);
  expect((await cli(["build", "--dry-run", "-f", spec.specFile, "--now", AHEAD])).code).toBe(0);
});

test("--issue-in-the-future writes, dated then, under a banner", async () => {
  const result = await cli(["crl", "--force", "-f", spec.specFile, "--now", AHEAD, "--issue-in-the-future"]);
  expect(result.code).toBe(0);
  expect(result.err).toMatch(/!! issuing as of .*, ahead of this machine's clock \(--issue-in-the-future\)/);
  const shown = await run("openssl", ["crl", "-in", spec.layout.crl, "-noout", "-lastupdate"]);
  expect(new Date(shown.stdout.trim().replace(/^lastUpdate=/, "")).getTime()).toBeGreaterThan(
    Date.now() + 300 * 86_400_000,
  );
});
