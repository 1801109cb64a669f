/**
 * Disk and permission errors are plain: a full disk (a small tmpfs) and a read-only tree (a
 * read-only bind mount) give what happened, the path and what to do, with exit 2, never an
 * "internal error" or a stack; a failed first build leaves nothing behind.
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { main } from "../../src/index.js";
import { makeWorkDir, removeWorkDir, run } from "./helpers/index.js";
import { buildTree, captureOutput, specYaml, writeSpec } from "./helpers/specs.js";

let dir: string;
const mounted: string[] = [];

async function mount(args: string[]): Promise<void> {
  const r = await run("mount", args);
  if (r.code !== 0) throw new Error(`mount ${args.join(" ")} failed (these tests need root and mount): ${r.stderr}`);
}

beforeAll(async () => {
  dir = await makeWorkDir("mqtt-pki-e2e-disk-");
});
afterAll(async () => {
  for (const at of mounted.reverse()) await run("umount", [at]);
  if (dir) await removeWorkDir(dir);
});

async function cli(argv: string[]): Promise<{ code: number; err: string }> {
  const output = captureOutput();
  const code = await main(argv, output);
  return { code, err: output.stderr() };
}

test("a full disk: exit 2, 'no space left' with the path and the fix, and the failed first build leaves nothing", async () => {
  const small = path.join(dir, "small");
  await mkdir(small);
  await mount(["-t", "tmpfs", "-o", "size=48k", "tmpfs", small]);
  mounted.push(small);
  const specFile = path.join(dir, "full.yaml");
  const clients = Array.from({ length: 40 }, (_, i) => `dev-${i}`);
  await writeFile(specFile, specYaml({ mqttPort: 18100, wsPort: 18101, clients }).replace("out: ./pki", `out: ${path.join(small, "pki")}`));
  const result = await cli(["build", "-f", specFile]);
  expect(result.code).toBe(2);
  expect(result.err).toMatch(/no space left on the device at .* \(ENOSPC/);
  expect(result.err).toMatch(new RegExp(small.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  expect(result.err).toMatch(/free some space/);
  expect(result.err).not.toMatch(/internal error|\n\s+at /);
  expect(await readdir(small)).toEqual([]);
});

test("a read-only tree: exit 2, 'read-only file system' with the path and the fix", async () => {
  await mkdir(path.join(dir, "ro"));
  const spec = await writeSpec(path.join(dir, "ro"), { clients: ["alice"] });
  await buildTree(spec);
  await mount(["--bind", spec.out, spec.out]);
  mounted.push(spec.out);
  await mount(["-o", "remount,bind,ro", spec.out]);
  const result = await cli(["rotate", "alice", "-f", spec.specFile]);
  expect({ code: result.code, err: result.err }).toEqual({ code: 2, err: expect.any(String) });
  expect(result.err).toMatch(/the file system is read-only at .* \(EROFS/);
  expect(result.err).toMatch(/remount it read-write/);
  expect(result.err).not.toMatch(/internal error|\n\s+at /);
});
