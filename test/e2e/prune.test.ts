/**
 * `build --prune` keeps everything: a pruned client's whole folder moves into the archive,
 * every file with its content and mode (the user's own files too), and a folder without a
 * certificate is moved, not emptied.
 */
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "../../src/index.js";
import { makeWorkDir, removeWorkDir } from "./helpers/index.js";
import { buildTree, writeSpec } from "./helpers/specs.js";

let dir: string;
afterAll(async () => {
  if (dir) await removeWorkDir(dir);
});

/** Every file below `root`, relative, with its content and mode. */
async function filesBelow(root: string): Promise<Map<string, { text: string; mode: number }>> {
  const found = new Map<string, { text: string; mode: number }>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else
        found.set(path.relative(root, full), {
          text: await readFile(full, "utf8"),
          mode: (await stat(full)).mode & 0o777,
        });
    }
  };
  await walk(root);
  return found;
}

test("prune moves the whole folder, the user's files with their modes, and a folder without a certificate too", async () => {
  dir = await makeWorkDir("mqtt-pki-e2e-prune-");
  const spec = await writeSpec(dir, { clients: ["keep1", "gone1"] });
  await buildTree(spec);
  const gone = spec.layout.clientDir("gone1");
  await writeFile(path.join(gone, "notes.txt"), "installed in rack 4\n", { mode: 0o640 });
  await chmod(path.join(gone, "notes.txt"), 0o640);
  await mkdir(path.join(gone, "sub", "dir"), { recursive: true });
  await writeFile(path.join(gone, "sub", "dir", "calibration.json"), "{}\n", { mode: 0o600 });
  const handmade = spec.layout.clientDir("handmade");
  await mkdir(handmade);
  await writeFile(path.join(handmade, "readme.txt"), "not made by mqtt-pki\n", { mode: 0o644 });
  const before = { gone: await filesBelow(gone), handmade: await filesBelow(handmade) };
  await writeFile(spec.specFile, spec.text.replace("  - name: gone1\n", ""));

  await build({ specFile: spec.specFile, prune: true });

  const archived = (name: string) => path.join(spec.out, "archive", "clients", name);
  const [goneFolder] = await readdir(archived("gone1"));
  expect(await filesBelow(path.join(archived("gone1"), goneFolder))).toEqual(before.gone);
  const [handmadeFolder] = await readdir(archived("handmade"));
  expect(await filesBelow(path.join(archived("handmade"), handmadeFolder))).toEqual(before.handmade);
  expect(handmadeFolder).toMatch(/^no-certificate/);
  expect(await readdir(spec.layout.clientsDir)).toEqual(["keep1"]);
  // A second prune has nothing left to move and writes nothing.
  expect((await build({ specFile: spec.specFile, prune: true })).written).toEqual([]);
});
