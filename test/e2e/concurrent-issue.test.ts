/**
 * Spec edits happen under a lock: four `issue` runs at once (separate processes, the real CLI)
 * either land whole or fail whole. A loser names the holder's PID and exits with the lock's own
 * code (75), and afterwards every name is in the spec exactly when it has a certificate.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { verify } from "../../src/index.js";
import { makeWorkDir, removeWorkDir, run } from "./helpers/index.js";
import { buildTree, failures, writeSpec } from "./helpers/specs.js";

const CLI = path.resolve(new URL("../../bin/mqtt-pki.js", import.meta.url).pathname);
let dir: string;
afterAll(async () => {
  if (dir) await removeWorkDir(dir);
});

test("4 concurrent issue runs: each lands whole or fails whole with exit 75, and verify holds", async () => {
  dir = await makeWorkDir("mqtt-pki-e2e-concurrent-");
  const spec = await writeSpec(dir, { clients: ["base"] });
  await buildTree(spec);
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const outcomes: { name: string; code: number | null; stderr: string }[] = [];
  // A few rounds: with four at once on two cores, at least one round has overlapping runs.
  for (let round = 0; round < 3; round++) {
    const names = [0, 1, 2, 3].map((i) => `dev-${round}-${i}`);
    const runs = await Promise.all(
      names.map((name) => run(process.execPath, [CLI, "issue", name, "-f", spec.specFile], { env, timeoutMs: 60_000 })),
    );
    runs.forEach((r, i) => outcomes.push({ name: names[i], code: r.code, stderr: r.stderr }));
  }
  for (const outcome of outcomes) {
    expect({
      name: outcome.name,
      code: [0, 75].includes(outcome.code ?? -1),
      stderr: outcome.code === 0 ? "" : outcome.stderr,
    }).toEqual({
      name: outcome.name,
      code: true,
      stderr:
        outcome.code === 0 ? "" : expect.stringMatching(/another mqtt-pki run \(PID \d+\) holds the lock .*try again/),
    });
    expect(outcome.stderr).not.toMatch(/internal error/);
  }
  expect(outcomes.some((o) => o.code === 0)).toBe(true);
  const specText = await readFile(spec.specFile, "utf8");
  for (const { name } of outcomes) {
    const inSpec = new RegExp(`^  - name: ${name}$`, "m").test(specText);
    const certified = existsSync(spec.layout.clientCert(name));
    expect({ name, inSpec, certified }).toEqual({ name, inSpec: certified, certified });
  }
  expect(failures(await verify({ specFile: spec.specFile }))).toEqual([]);
}, 180_000);
