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
  await writeFile(
    specFile,
    specYaml({ mqttPort: 18100, wsPort: 18101, clients }).replace("out: ./pki", `out: ${path.join(small, "pki")}`),
  );
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

/** Every folder below `root` that holds nothing, and every file in its .tmp/. */
async function leftovers(root: string): Promise<{ emptyFolders: string[]; temps: string[] }> {
  const emptyFolders: string[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = await readdir(at, { withFileTypes: true });
    if (entries.length === 0 && at !== path.join(root, ".tmp")) emptyFolders.push(path.relative(root, at));
    for (const entry of entries) if (entry.isDirectory()) await walk(path.join(at, entry.name));
  };
  await walk(root);
  return { emptyFolders, temps: await readdir(path.join(root, ".tmp")).catch(() => []) };
}

test("a disk that fills up during rotate --all leaves no temp file and no empty archive folder, and the rerun converges", async () => {
  const small = path.join(dir, "fills");
  await mkdir(small);
  await mount(["-t", "tmpfs", "-o", "size=1m", "tmpfs", small]);
  mounted.push(small);
  const specFile = path.join(dir, "fills.yaml");
  const clients = Array.from({ length: 12 }, (_, i) => `dev-${i}`);
  await writeFile(
    specFile,
    specYaml({ mqttPort: 18200, wsPort: 18201, clients }).replace("out: ./pki", `out: ${path.join(small, "pki")}`),
  );
  expect((await cli(["build", "-f", specFile])).code).toBe(0);
  const before = await leftovers(path.join(small, "pki"));
  // Leave room for a few of the new files only.
  const free = Number((await run("df", ["--output=avail", "-B1", small])).stdout.trim().split("\n").pop());
  await writeFile(path.join(small, "filler"), Buffer.alloc(Math.max(0, free - 24 * 1024)));
  const failed = await cli(["rotate", "--all", "-f", specFile]);
  expect(failed.code).toBe(2);
  expect(failed.err).toMatch(/no space left on the device at .* \(ENOSPC/);
  expect(await leftovers(path.join(small, "pki"))).toEqual(before);
  await run("rm", [path.join(small, "filler")]);
  expect((await cli(["rotate", "--all", "-f", specFile])).code).toBe(0);
  expect((await cli(["verify", "-f", specFile])).code).toBe(0);
});
