import { statusReport } from "../../../src/plan/statusReport.js";
import type { BuildPlan, EntityPlan } from "../../../src/plan/planBuild.js";
import type { IssuedRecord } from "../../../src/state/ledger.js";
import { FileMemory } from "../../../src/tree/fileMemory.js";
import type { TreeState } from "../../../src/tree/read.js";
import { clientSpec, fullSpec } from "../helpers/specs.js";

const NOW = new Date("2030-01-01T00:00:00.000Z");
const keep = (name: string): EntityPlan => ({
  role: "client",
  name,
  action: "keep",
  newKey: false,
  reasons: [],
  issuer: "current",
  archive: false,
});
const record = (name: string, notAfter: string, status: IssuedRecord["status"] = "active"): IssuedRecord => ({
  serial: `${name}-serial`,
  role: "client",
  name,
  cn: name,
  notBefore: "2029-01-01T00:00:00.000Z",
  notAfter,
  fingerprint256: `${name}-fp`,
  issuer: "CA-FP",
  status,
});

const caKept: EntityPlan = { ...keep("ca"), role: "ca" };

/** A tree whose clients the cache vouched for: nothing of them read, their rows from the ledger. */
function untouchedTree(records: IssuedRecord[]): TreeState {
  return {
    exists: true,
    ca: {},
    previousCa: {},
    ledger: { version: 1, crlNumber: 0, certificates: records },
    servers: new Map(),
    clients: new Map(records.map((r) => [r.name, { untouched: true }] as const)),
    strayServers: [],
    strayClients: [],
    files: new FileMemory(),
  };
}

test("untouched clients are reported from their ledger records: ISO date as recorded, days left, expiring inside renewBeforeDays", () => {
  const spec = fullSpec({ servers: [], clients: [clientSpec({ name: "far" }), clientSpec({ name: "soon" })] });
  const tree = untouchedTree([record("far", "2031-01-01T00:00:00.000Z"), record("soon", "2030-01-11T12:00:00.000Z")]);
  const plan = { ca: caKept, servers: [], clients: [keep("far"), keep("soon")] } as unknown as BuildPlan;
  const rows = statusReport({ spec, tree, plan, now: NOW }).rows.filter((row) => row.role === "client");
  expect(rows).toEqual([
    {
      name: "far",
      role: "client",
      cn: "far",
      serial: "far-serial",
      notAfter: "2031-01-01T00:00:00.000Z",
      daysLeft: 365,
      state: "ok",
    },
    {
      name: "soon",
      role: "client",
      cn: "soon",
      serial: "soon-serial",
      notAfter: "2030-01-11T12:00:00.000Z",
      daysLeft: 10,
      state: "expiring",
    },
  ]);
});

test("a recorded date in another form is put in toISOString's form", () => {
  const spec = fullSpec({ servers: [], clients: [clientSpec({ name: "a" })] });
  const tree = untouchedTree([record("a", "2031-01-01T00:00:00Z")]);
  const plan = { ca: caKept, servers: [], clients: [keep("a")] } as unknown as BuildPlan;
  const [row] = statusReport({ spec, tree, plan, now: NOW }).rows.filter((r) => r.role === "client");
  expect(row.notAfter).toBe("2031-01-01T00:00:00.000Z");
});
