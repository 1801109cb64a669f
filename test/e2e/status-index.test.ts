/**
 * status takes the stamp index's word for clients nothing touched, and reports them from the
 * ledger: that fast path must give the very rows the full reading gives (without an index),
 * for a fresh tree, with a revoked and a rotated client, and in the middle of a CA rotation.
 */
import { rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { revoke, rotate, status, type StatusReport } from "../../src/index.js";
import { makeWorkDir, removeWorkDir } from "./helpers/index.js";
import { buildTree, writeSpec, type WrittenSpec } from "./helpers/specs.js";

let dir: string;
let tree: WrittenSpec;
const LATER = new Date(Date.now() + 380 * 86_400_000).toISOString();

beforeAll(async () => {
  dir = await makeWorkDir("mqtt-pki-e2e-status-index-");
  tree = await writeSpec(dir, { clients: Array.from({ length: 12 }, (_, i) => `c-${i}`) });
  await buildTree(tree);
});
afterAll(async () => {
  if (dir) await removeWorkDir(dir);
});

/** status with the index (the fast path) and without it (every certificate read and parsed). */
async function bothWays(now?: string): Promise<{ fast: StatusReport; full: StatusReport }> {
  expect(existsSync(tree.layout.stamps)).toBe(true);
  const fast = await status({ specFile: tree.specFile, now });
  await rm(tree.layout.stamps);
  const full = await status({ specFile: tree.specFile, now });
  // The next writing command stamps the tree again.
  await buildTree(tree);
  return { fast, full };
}

test("a fresh tree, today and 380 days later", async () => {
  for (const now of [undefined, LATER]) {
    const { fast, full } = await bothWays(now);
    expect(fast).toEqual(full);
  }
});

test("a revoked client and a rotated one", async () => {
  await revoke({ specFile: tree.specFile, name: "c-3" });
  await rotate({ specFile: tree.specFile, names: ["c-5"] });
  const { fast, full } = await bothWays();
  expect(fast.rows.find((r) => r.name === "c-3")?.state).toBe("revoked");
  expect(fast).toEqual(full);
});

test("in the middle of a CA rotation, with clients still on the retiring CA", async () => {
  await rotate({ specFile: tree.specFile, ca: "start" });
  await rotate({ specFile: tree.specFile, names: ["c-7"] });
  const { fast, full } = await bothWays();
  expect(fast.caRotation.phase).toBe("rotating");
  expect(fast.caRotation.clientsOnOldCa.length).toBeGreaterThan(0);
  expect(fast.caRotation.clientsOnOldCa).not.toContain("c-7");
  expect(fast).toEqual(full);
});
