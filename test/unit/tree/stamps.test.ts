import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { treeLayout } from "../../../src/tree/layout.js";
import {
  clientFileNames,
  formatStampIndex,
  parseStampIndex,
  settledClients,
  stampClients,
  type SettleContext,
  type StampIndex,
} from "../../../src/tree/stamps.js";
import type { IssuedRecord, Ledger } from "../../../src/state/ledger.js";
import type { Spec } from "../../../src/spec/types.js";
import { clientSpec, fullSpec } from "../helpers/specs.js";

const CA = "ca-fingerprint";
const NOW = new Date("2026-06-01T00:00:00Z");
let dir: string;
let spec: Spec;

function record(name: string, overrides: Partial<IssuedRecord> = {}): IssuedRecord {
  return {
    serial: `0${name.length}`,
    role: "client",
    name,
    cn: name,
    notBefore: "2026-01-01T00:00:00Z",
    notAfter: "2027-01-01T00:00:00Z",
    fingerprint256: `fp-${name}`,
    issuer: CA,
    status: "active",
    ...overrides,
  };
}

const ledgerOf = (...records: IssuedRecord[]): Ledger => ({ version: 1, crlNumber: 0, certificates: records });

/** Writes every file the build keeps for each client, as the build would leave them. */
function writeClientFiles(spec: Spec): void {
  const layout = treeLayout(spec.out);
  for (const client of spec.clients) {
    mkdirSync(layout.clientDir(client.name), { recursive: true });
    for (const name of clientFileNames(layout, client))
      writeFileSync(path.join(layout.clientDir(client.name), name), `${client.name} ${name}\n`, { mode: 0o600 });
  }
}

function context(overrides: Partial<SettleContext> = {}): SettleContext {
  return {
    rotating: false,
    renderer: RENDERER,
    acceptedCas: [CA],
    ledger: ledgerOf(...spec.clients.map((c) => record(c.name))),
    now: NOW,
    ...overrides,
  };
}

const RENDERER = "renderer-digest";
const stampRun = () => ({
  spec,
  layout: treeLayout(spec.out),
  ledger: context().ledger!,
  rotating: false,
  renderer: RENDERER,
});

async function stamped(): Promise<StampIndex> {
  return stampClients(stampRun(), undefined, new Set());
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "stamps-"));
  spec = fullSpec({
    out: path.join(dir, "pki"),
    clients: [
      clientSpec({ name: "a" }),
      clientSpec({ name: "b", password: true }),
      clientSpec({ name: "c", deviceKey: true }),
    ],
  });
  writeClientFiles(spec);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the stamp index", () => {
  test("vouches for every client right after it was taken, even for files written a moment before", async () => {
    const index = await stamped();
    expect([...index.clients.keys()].sort()).toEqual(["a", "b", "c"]);
    expect(settledClients(index, spec, treeLayout(spec.out), context())).toEqual(new Set(["a", "b", "c"]));
  });

  test("covers the key or the CSR, the password and commands.sh", () => {
    const layout = treeLayout(spec.out);
    expect(clientFileNames(layout, spec.clients[0])).toEqual(["client.crt", "client.key", "commands.sh"]);
    expect(clientFileNames(layout, spec.clients[1])).toEqual(["client.crt", "client.key", "password", "commands.sh"]);
    expect(clientFileNames(layout, spec.clients[2])).toEqual(["client.crt", "client.csr", "commands.sh"]);
  });

  test.each([
    ["a same-size edit in place", (file: string) => writeFileSync(file, "a commands.sx\n")],
    ["a mode change", (file: string) => chmodSync(file, 0o644)],
    ["a deletion", (file: string) => rmSync(file)],
    [
      "a replacement by rename",
      (file: string) => {
        writeFileSync(`${file}.new`, "a commands.sh\n", { mode: 0o600 });
        renameSync(`${file}.new`, file);
      },
    ],
  ])("drops a client after %s of one of its files", async (_what, change) => {
    const index = await stamped();
    const layout = treeLayout(spec.out);
    change(layout.clientCommands("a"));
    expect(settledClients(index, spec, layout, context())).toEqual(new Set(["b", "c"]));
    // Trusted without comparing (status), the index alone vouches for all three.
    expect(settledClients(index, spec, layout, context(), true)).toEqual(new Set(["a", "b", "c"]));
  });

  test("is stored as lines that read back to the same index; a torn or older file reads as no index", async () => {
    const index = await stamped();
    const text = formatStampIndex(index);
    expect(text.split("\n").filter((line) => line.startsWith("client "))).toHaveLength(3);
    expect(parseStampIndex(text)).toEqual(index);
    expect(formatStampIndex(parseStampIndex(text)!)).toBe(text);
    expect(parseStampIndex(text.slice(0, text.length - 20))).toBeUndefined();
    expect(parseStampIndex(text.replace(/\n$/, ""))).toBeUndefined();
    expect(
      parseStampIndex(JSON.stringify({ version: 2, context: index.context, fileSets: index.fileSets, clients: {} })),
    ).toBeUndefined();
    expect(parseStampIndex(text.replace(" 0 ", " 7 "))).toBeUndefined();
  });

  test("names each client's files in the index, and settles no client whose recorded file names are not the ones it keeps", async () => {
    const index = await stamped();
    const layout = treeLayout(spec.out);
    expect(index.fileSets.map((names) => names.length).sort()).toEqual([3, 3, 4]);
    expect(index.fileSets[index.clients.get("b")!.set]).toEqual(clientFileNames(layout, spec.clients[1]));
    const wrongNames: StampIndex = {
      ...index,
      fileSets: index.fileSets.map((names, i) =>
        i === index.clients.get("a")!.set ? names.map((n) => n.replace("commands.sh", "other.sh")) : names,
      ),
    };
    expect(settledClients(wrongNames, spec, layout, context(), true)).toEqual(new Set(["b", "c"]));
  });

  test("drops a client whose spec entry changed, and all of them when anything they share changed", async () => {
    const index = await stamped();
    const layout = treeLayout(spec.out);
    const renamed = {
      ...spec,
      clients: spec.clients.map((c) => (c.name === "a" ? { ...c, topic: "other/topic" } : c)),
    };
    expect(settledClients(index, renamed, layout, context())).toEqual(new Set(["b", "c"]));
    const moved = { ...spec, servers: spec.servers.map((s) => ({ ...s, host: "mqtt.example.com" })) };
    expect(settledClients(index, moved, layout, context())).toEqual(new Set());
    expect(settledClients(index, spec, layout, context({ rotating: true }))).toEqual(new Set());
  });

  test("drops a client the ledger no longer holds active, from an accepted CA, unexpired and with the stamped certificate", async () => {
    const index = await stamped();
    const layout = treeLayout(spec.out);
    const others = [record("b"), record("c")];
    expect(
      settledClients(index, spec, layout, context({ ledger: ledgerOf(record("a", { status: "revoked" }), ...others) })),
    ).toEqual(new Set(["b", "c"]));
    expect(
      settledClients(
        index,
        spec,
        layout,
        context({ ledger: ledgerOf(record("a", { fingerprint256: "fp-new" }), ...others) }),
      ),
    ).toEqual(new Set(["b", "c"]));
    expect(
      settledClients(
        index,
        spec,
        layout,
        context({ ledger: ledgerOf(record("a", { issuer: "another-ca" }), ...others) }),
      ),
    ).toEqual(new Set(["b", "c"]));
    expect(
      settledClients(
        index,
        spec,
        layout,
        context({ ledger: ledgerOf(record("a", { notAfter: "2026-05-01T00:00:00Z" }), ...others) }),
      ),
    ).toEqual(new Set(["b", "c"]));
    expect(settledClients(index, spec, layout, context({ exclude: new Set(["a"]) }))).toEqual(new Set(["b", "c"]));
  });

  test("keeps the entries of settled clients and leaves out clients with a file missing", async () => {
    const index = await stamped();
    rmSync(treeLayout(spec.out).clientCommands("c"));
    const next = await stampClients(stampRun(), index, new Set(["a"]));
    expect(next.clients.get("a")).toBe(index.clients.get("a"));
    expect([...next.clients.keys()].sort()).toEqual(["a", "b"]);
  });
});
