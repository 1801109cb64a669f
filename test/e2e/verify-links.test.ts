/**
 * verify never follows a link planted inside the tree: a linked mosquitto.conf or certificate is
 * named as a link and failed, not read through (a linked conf once read as "every listener is
 * websockets" with zero listeners).
 */
import { copyFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { verify } from "../../src/index.js";
import { makeWorkDir, removeWorkDir } from "./helpers/index.js";
import { buildTree, failures, writeSpec } from "./helpers/specs.js";

let dir: string;
afterAll(async () => {
  if (dir) await removeWorkDir(dir);
});

test("a linked conf and a linked certificate fail as links, and what they point at is not read", async () => {
  dir = await makeWorkDir("mqtt-pki-e2e-links-");
  const spec = await writeSpec(dir, { clients: ["alice", "bob"] });
  await buildTree(spec);
  expect(failures(await verify({ specFile: spec.specFile }))).toEqual([]);

  const elsewhere = path.join(dir, "elsewhere.conf");
  await writeFile(elsewhere, "listener 1883\nprotocol websockets\n");
  await rm(spec.layout.mosquittoConf);
  await symlink(elsewhere, spec.layout.mosquittoConf);
  const stolen = path.join(dir, "alice.crt");
  await copyFile(spec.layout.clientCert("alice"), stolen);
  await rm(spec.layout.clientCert("bob"));
  await symlink(stolen, spec.layout.clientCert("bob"));

  const found = failures(await verify({ specFile: spec.specFile })).join("\n");
  expect(found).toMatch(
    new RegExp(`${spec.layout.mosquittoConf.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is a symbolic link`),
  );
  expect(found).toMatch(/clients\/bob\/client\.crt is a symbolic link/);
  expect(found).not.toMatch(/every listener is websockets/);
});
