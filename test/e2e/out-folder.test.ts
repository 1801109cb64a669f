/**
 * Rules for `out:`: a build never adopts a folder of other files, never writes into `/` or a
 * system folder, never writes over its own spec, and refuses what is not a folder, each with
 * exit 2, a plain message and nothing written.
 */
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { main } from "../../src/index.js";
import { makeWorkDir, removeWorkDir } from "./helpers/index.js";
import { buildTree, captureOutput, specYaml, writeSpec } from "./helpers/specs.js";
import { TREE_MARKER } from "../../src/tree/outFolder.js";

let dir: string;
beforeAll(async () => {
  dir = await makeWorkDir("mqtt-pki-e2e-out-");
});
afterAll(async () => {
  if (dir) await removeWorkDir(dir);
});

async function buildWithOut(tag: string, out: string): Promise<{ code: number; err: string; folder: string }> {
  const folder = path.join(dir, tag);
  await mkdir(folder, { recursive: true });
  const specFile = path.join(folder, "pki.yaml");
  await writeFile(
    specFile,
    specYaml({ mqttPort: 18000, wsPort: 18001 }).replace("out: ./pki", `out: ${JSON.stringify(out)}`),
  );
  const output = captureOutput();
  const code = await main(["build", "-f", specFile], output);
  return { code, err: output.stderr(), folder };
}

test("a non-empty folder mqtt-pki did not make is refused, and nothing in it changes", async () => {
  const foreign = path.join(dir, "foreign-files");
  await mkdir(path.join(foreign, "ca"), { recursive: true, mode: 0o755 });
  await writeFile(path.join(foreign, "holiday.jpg"), "not a tree");
  const result = await buildWithOut("foreign", foreign);
  expect(result.code).toBe(2);
  expect(result.err).toMatch(/holds files mqtt-pki did not make/);
  expect((await readdir(foreign)).sort()).toEqual(["ca", "holiday.jpg"]);
  expect((await stat(path.join(foreign, "ca"))).mode & 0o777).toBe(0o755);
});

test.each([
  ["/", "/"],
  ["/etc", "/etc"],
  ["/usr", "/usr"],
])("out: %s is refused as a system folder", async (_name, out) => {
  const result = await buildWithOut(`system${out.replaceAll("/", "-")}`, out);
  expect(result.code).toBe(2);
  expect(result.err).toMatch(/is a system folder/);
});

test("out: the spec's own folder (it would hold the spec) and the spec file itself are refused", async () => {
  const here = await buildWithOut("self", ".");
  expect(here.code).toBe(2);
  expect(here.err).toMatch(/holds the spec file itself/);
  expect(await readdir(here.folder)).toEqual(["pki.yaml"]);
  const file = await buildWithOut("self-file", "./pki.yaml");
  expect(file.code).toBe(2);
  expect(file.err).toMatch(/is the spec file|not a folder/);
});

test("out: /dev/null (not a folder) is refused without a stack trace", async () => {
  const result = await buildWithOut("devnull", "/dev/null");
  expect(result.code).toBe(2);
  expect(result.err).toMatch(/is not a folder/);
  expect(result.err).not.toMatch(/internal error|\bat .*\.(js|ts):\d+/);
});

test("an empty folder is adopted, a tree mqtt-pki made is recognised, and a tree from before the marker too", async () => {
  const empty = path.join(dir, "empty-out");
  await mkdir(empty, { mode: 0o750 });
  const adopted = await buildWithOut("empty", empty);
  expect(adopted.code).toBe(0);
  expect((await stat(empty)).mode & 0o777).toBe(0o750);
  await mkdir(path.join(dir, "ours"));
  const spec = await writeSpec(path.join(dir, "ours"));
  await buildTree(spec);
  expect(await main(["build", "-f", spec.specFile], captureOutput())).toBe(0);
  // Built before trees carried the marker: state.json and ca/ vouch for it, and the next build adds the marker.
  await rm(path.join(spec.out, TREE_MARKER));
  expect(await main(["build", "-f", spec.specFile], captureOutput())).toBe(0);
  expect((await readdir(spec.out)).includes(TREE_MARKER)).toBe(true);
});

test("issue into a spec whose out: is refused leaves the spec file untouched, to the mtime", async () => {
  const result = await buildWithOut("issue-refused", "/etc");
  expect(result.code).toBe(2);
  const specFile = path.join(result.folder, "pki.yaml");
  const before = await stat(specFile);
  const output = captureOutput();
  expect(await main(["issue", "newcomer", "-f", specFile], output)).toBe(2);
  expect(output.stderr()).toMatch(/is a system folder/);
  expect((await stat(specFile)).mtimeMs).toBe(before.mtimeMs);
});
