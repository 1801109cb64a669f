import { planBuild, type BuildPlan } from "../../../src/plan/planBuild.js";
import { TreeError } from "../../../src/errors.js";
import { issueCaCert, issueClientCert, issueServerCert, type IssuingCa } from "../../../src/crypto/issue.js";
import { generateKey, type KeyMaterial } from "../../../src/crypto/keys.js";
import { softwareSigner } from "../../../src/crypto/signer.js";
import { storedPair, type StoredPair, type TreeState } from "../../../src/tree/read.js";
import { FileMemory } from "../../../src/tree/fileMemory.js";
import type { ClientSpec, ServerSpec, Spec } from "../../../src/spec/types.js";
import { clientSpec, fullSpec, serverSpec } from "../helpers/specs.js";

const DAY = 24 * 60 * 60 * 1000;
const ISSUED = new Date("2030-01-01T00:00:00Z");
const NOW = new Date(ISSUED.getTime() + DAY);

function pair(certPem: string | undefined, keyPem: string | undefined): StoredPair {
  return storedPair(certPem, keyPem);
}

function emptyTree(): TreeState {
  return {
    exists: false,
    ca: {},
    previousCa: {},
    servers: new Map(),
    clients: new Map(),
    strayServers: [],
    strayClients: [],
    files: new FileMemory(),
  };
}

interface Built {
  spec: Spec;
  ca: IssuingCa & { key: KeyMaterial; pem: string };
  keys: Map<string, KeyMaterial>;
  tree: TreeState;
}

async function makeCa(spec: Spec) {
  const key = await generateKey(spec.ca.key);
  const signer = await softwareSigner(key.privateKeyPem, spec.ca.key);
  const issued = await issueCaCert(signer, spec.ca, key.spkiDer, ISSUED);
  return { signer, certificate: issued.certificate, keyAlgorithm: spec.ca.key, key, pem: issued.pem };
}

/** Issues everything `spec` asks for, the way a first build would, and describes it as a TreeState. */
async function build(spec: Spec): Promise<Built> {
  const ca = await makeCa(spec);
  const keys = new Map<string, KeyMaterial>();
  const tree: TreeState = {
    exists: true,
    ca: pair(ca.pem, ca.key.privateKeyPem),
    previousCa: {},
    servers: new Map(),
    clients: new Map(),
    strayServers: [],
    strayClients: [],
    files: new FileMemory(),
  };
  for (const server of spec.servers) {
    const key = await generateKey(server.key);
    keys.set(`server:${server.name}`, key);
    tree.servers.set(
      server.name,
      pair((await issueServerCert(ca, server, key.spkiDer, ISSUED)).pem, key.privateKeyPem),
    );
  }
  for (const client of spec.clients) {
    const key = await generateKey(client.key);
    keys.set(`client:${client.name}`, key);
    tree.clients.set(
      client.name,
      pair((await issueClientCert(ca, client, key.spkiDer, ISSUED)).pem, key.privateKeyPem),
    );
  }
  return { spec, ca, keys, tree };
}

function actions(plan: BuildPlan): string[] {
  return [plan.ca, ...plan.servers, ...plan.clients].map(
    (entry) => `${entry.role}:${entry.name}:${entry.action}:${entry.newKey}`,
  );
}

function withServer(spec: Spec, changes: Partial<ServerSpec>): Spec {
  return { ...spec, servers: spec.servers.map((server, i) => (i === 0 ? { ...server, ...changes } : server)) };
}

function withClient(spec: Spec, index: number, changes: Partial<ClientSpec>): Spec {
  return { ...spec, clients: spec.clients.map((client, i) => (i === index ? { ...client, ...changes } : client)) };
}

describe("planBuild", () => {
  let base: Built;
  beforeAll(async () => {
    base = await build(fullSpec());
  });

  test("empty tree: everything is created with new keys", () => {
    const plan = planBuild(fullSpec(), emptyTree(), NOW);
    expect(actions(plan)).toEqual([
      "ca:ca:create:true",
      "server:broker:create:true",
      "client:sensor-001:create:true",
      "client:sensor-002:create:true",
    ]);
    expect(plan.ca.reasons).toEqual(["no CA yet"]);
    expect(plan.servers[0].reasons).toEqual(["no certificate yet"]);
    expect(plan.notes).toEqual([]);
  });

  test("unchanged tree: everything is kept, no reasons, no notes", () => {
    const plan = planBuild(base.spec, base.tree, NOW);
    expect(actions(plan)).toEqual([
      "ca:ca:keep:false",
      "server:broker:keep:false",
      "client:sensor-001:keep:false",
      "client:sensor-002:keep:false",
    ]);
    for (const entry of [plan.ca, ...plan.servers, ...plan.clients]) expect(entry.reasons).toEqual([]);
    expect(plan.notes).toEqual([]);
  });

  test("server dns changed: that server is reissued with its existing key", () => {
    const spec = withServer(base.spec, { dns: ["mqtt.example.com", "localhost", "broker.lan"] });
    const plan = planBuild(spec, base.tree, NOW);
    expect(actions(plan)).toEqual([
      "ca:ca:keep:false",
      "server:broker:reissue:false",
      "client:sensor-001:keep:false",
      "client:sensor-002:keep:false",
    ]);
    expect(plan.servers[0].reasons).toEqual(["subject alternative names change"]);
  });

  test("server ip changed: reissue; the same IPs in another spelling or order, or DNS case: keep", () => {
    expect(planBuild(withServer(base.spec, { ip: ["127.0.0.1"] }), base.tree, NOW).servers[0].action).toBe("reissue");
    const respelled = withServer(base.spec, {
      ip: ["0:0:0:0:0:0:0:1", "127.0.0.1"],
      dns: ["LOCALHOST", "MQTT.example.com"],
    });
    expect(planBuild(respelled, base.tree, NOW).servers[0]).toMatchObject({ action: "keep", reasons: [] });
  });

  test("client key algorithm changed: reissue with a new key, the key change is the first reason", () => {
    const spec = withClient(base.spec, 1, { key: "rsa-2048" });
    const plan = planBuild(spec, base.tree, NOW);
    expect(actions(plan)).toEqual([
      "ca:ca:keep:false",
      "server:broker:keep:false",
      "client:sensor-001:keep:false",
      "client:sensor-002:reissue:true",
    ]);
    expect(plan.clients[1].reasons).toEqual(["key type changes from ec-p256 to rsa-2048"]);
  });

  test("client subject changed: reissue with the same key", () => {
    const plan = planBuild(withClient(base.spec, 0, { o: "New Org" }), base.tree, NOW);
    expect(plan.clients[0]).toMatchObject({ action: "reissue", newKey: false });
    expect(plan.clients[0].reasons).toEqual(['subject changes from "sensor-001" to "sensor-001"']);
    const renamed = planBuild(withClient(base.spec, 0, { cn: "sensor-001.plant-b" }), base.tree, NOW);
    expect(renamed.clients[0].reasons).toEqual(['subject changes from "sensor-001" to "sensor-001.plant-b"']);
  });

  test("CA certificate present but its key missing: TreeError, never a silent new CA", () => {
    const tree: TreeState = { ...base.tree, ca: pair(base.ca.pem, undefined) };
    expect(() => planBuild(base.spec, tree, NOW)).toThrow(TreeError);
    expect(() => planBuild(base.spec, tree, NOW)).toThrow(/ca\/ca\.key is missing/);
    try {
      planBuild(base.spec, tree, NOW);
    } catch (error) {
      expect((error as TreeError).hint).toMatch(/backup/);
      expect((error as TreeError).exitCode).toBe(2);
    }
  });

  test("CA certificate and key that do not belong together: TreeError", async () => {
    const otherKey = await generateKey("ec-p256");
    const tree: TreeState = { ...base.tree, ca: pair(base.ca.pem, otherKey.privateKeyPem) };
    expect(() => planBuild(base.spec, tree, NOW)).toThrow(/does not belong/);
  });

  test("CA key present but certificate missing: the CA is reissued on its key, and every leaf with it", () => {
    const tree: TreeState = { ...base.tree, ca: pair(undefined, base.ca.key.privateKeyPem) };
    const plan = planBuild(base.spec, tree, NOW);
    expect(plan.ca).toMatchObject({ action: "reissue", newKey: false, reasons: ["ca.crt is missing"] });
    for (const leaf of [...plan.servers, ...plan.clients]) {
      expect(leaf).toMatchObject({ action: "reissue", newKey: false });
      expect(leaf.reasons).toContain("the CA is new");
    }
  });

  test("an unreadable CA certificate is reissued and says so", () => {
    const tree: TreeState = { ...base.tree, ca: pair("not a certificate", base.ca.key.privateKeyPem) };
    expect(planBuild(base.spec, tree, NOW).ca.reasons).toEqual(["ca.crt is unreadable"]);
  });

  test("a CA CN change in the spec keeps the CA and adds a note", () => {
    const spec = { ...base.spec, ca: { ...base.spec.ca, cn: "Renamed Root" } };
    const plan = planBuild(spec, base.tree, NOW);
    expect(plan.ca.action).toBe("keep");
    expect(plan.notes).toHaveLength(1);
    expect(plan.notes[0]).toMatch(
      /^the CA on disk has CN "Test Root CA", the spec says "Renamed Root"; the CA is kept/,
    );
  });

  test("stray client and server folders are notes, not actions", () => {
    const tree: TreeState = { ...base.tree, strayClients: ["old-sensor"], strayServers: ["old-broker"] };
    const plan = planBuild(base.spec, tree, NOW);
    expect(plan.notes).toEqual([
      "clients/old-sensor is in the tree but not in the spec; left untouched (run `mqtt-pki build --prune` to revoke and archive it)",
      "servers/old-broker is in the tree but not in the spec; left untouched (its key is kept)",
    ]);
    expect(actions(plan).every((a) => a.includes(":keep:"))).toBe(true);
  });

  test("an expired leaf is reissued", () => {
    const later = new Date(ISSUED.getTime() + 398 * DAY);
    const plan = planBuild(base.spec, base.tree, later);
    expect(plan.ca.action).toBe("keep");
    for (const leaf of [...plan.servers, ...plan.clients])
      expect(leaf).toMatchObject({ action: "reissue", newKey: false, reasons: ["expired"] });
  });

  test("a leaf issued by another CA is reissued", async () => {
    const other = await build(fullSpec());
    const tree: TreeState = { ...base.tree, clients: new Map(base.tree.clients) };
    tree.clients.set("sensor-001", other.tree.clients.get("sensor-001")!);
    const plan = planBuild(base.spec, tree, NOW);
    expect(plan.clients[0]).toMatchObject({ action: "reissue", newKey: false, reasons: ["issued by another CA"] });
    expect(plan.clients[1].action).toBe("keep");
  });

  test("a leaf certificate that does not match its key is reissued on the key", () => {
    const tree: TreeState = { ...base.tree, clients: new Map(base.tree.clients) };
    tree.clients.set(
      "sensor-001",
      pair(base.tree.clients.get("sensor-001")!.certPem, base.keys.get("client:sensor-002")!.privateKeyPem),
    );
    const plan = planBuild(base.spec, tree, NOW);
    expect(plan.clients[0]).toMatchObject({
      action: "reissue",
      newKey: false,
      reasons: ["certificate does not match the key"],
    });
  });

  test("leaf key missing: reissue with a new key; leaf certificate missing: reissue on the old key", () => {
    const tree: TreeState = { ...base.tree, clients: new Map(base.tree.clients) };
    tree.clients.set("sensor-001", pair(base.tree.clients.get("sensor-001")!.certPem, undefined));
    tree.clients.set("sensor-002", pair(undefined, base.keys.get("client:sensor-002")!.privateKeyPem));
    const plan = planBuild(base.spec, tree, NOW);
    expect(plan.clients[0]).toMatchObject({ action: "reissue", newKey: true });
    expect(plan.clients[0].reasons[0]).toBe("no key yet");
    expect(plan.clients[1]).toMatchObject({ action: "reissue", newKey: false, reasons: ["no certificate yet"] });
  });

  test("an unreadable leaf key means a new key", () => {
    const tree: TreeState = { ...base.tree, servers: new Map(base.tree.servers) };
    tree.servers.set("broker", pair(base.tree.servers.get("broker")!.certPem, "garbage"));
    const plan = planBuild(base.spec, tree, NOW);
    expect(plan.servers[0]).toMatchObject({ action: "reissue", newKey: true, reasons: ["key file unreadable"] });
  });

  test("a spec entry not on disk is created while the rest is kept", () => {
    const spec = { ...base.spec, clients: [...base.spec.clients, clientSpec({ name: "sensor-003" })] };
    const plan = planBuild(spec, base.tree, NOW);
    expect(actions(plan).at(-1)).toBe("client:sensor-003:create:true");
    expect(plan.clients.slice(0, 2).every((c) => c.action === "keep")).toBe(true);
  });
});

describe("planBuild: intents", () => {
  let base: Built;
  beforeAll(async () => {
    base = await build(fullSpec());
  });

  test("a requested rotation reissues an unchanged leaf and archives the old one", () => {
    const rotate = new Map([
      ["client:sensor-001", { keepKey: true }],
      ["server:broker", { keepKey: false }],
    ]);
    const plan = planBuild(base.spec, base.tree, NOW, { rotate });
    expect(plan.clients[0]).toMatchObject({
      action: "reissue",
      newKey: false,
      archive: true,
      reasons: ["rotation requested (same key)"],
    });
    expect(plan.servers[0]).toMatchObject({
      action: "reissue",
      newKey: true,
      archive: true,
      reasons: ["rotation requested (new key)"],
    });
    expect(plan.clients[1]).toMatchObject({ action: "keep", archive: false });
  });

  test("a revocation turns the entry into a revoke action", () => {
    const plan = planBuild(base.spec, base.tree, NOW, {
      revoke: [{ role: "client", name: "sensor-002", reason: "keyCompromise" }],
    });
    expect(plan.clients[1]).toMatchObject({ action: "revoke", newKey: false, reasons: ["revoked (keyCompromise)"] });
    expect(plan.revocations).toEqual([
      { role: "client", name: "sensor-002", reason: "keyCompromise", removeFolder: false },
    ]);
  });

  test("prune revokes stray clients and removes their folders instead of a note", () => {
    const plan = planBuild(base.spec, { ...base.tree, strayClients: ["old-sensor"] }, NOW, { prune: true });
    expect(plan.revocations).toEqual([
      { role: "client", name: "old-sensor", reason: "cessationOfOperation", removeFolder: true },
    ]);
    expect(plan.notes).toEqual([]);
  });

  test("finishing a CA rotation that never started, or starting one without a CA, is a TreeError", () => {
    expect(() => planBuild(base.spec, base.tree, NOW, { caRotation: "finish" })).toThrow(TreeError);
    expect(() => planBuild(base.spec, emptyTree(), NOW, { caRotation: "start" })).toThrow(/no CA to rotate/);
  });

  test("starting a CA rotation: new CA on a new key; servers stay on the retiring CA", () => {
    const plan = planBuild(base.spec, base.tree, NOW, { caRotation: "start" });
    expect(plan.ca).toMatchObject({ action: "create", newKey: true });
    expect(plan.rotating).toBe(true);
    expect(plan.caRotation).toBe("start");
    expect(plan.servers[0]).toMatchObject({ issuer: "previous", action: "keep" });
    for (const client of plan.clients) expect(client.issuer).toBe("current");
  });
});

describe("planBuild: IP spellings that survive issuance", () => {
  test("an IPv6 SAN written compressed is kept on an unchanged rebuild", async () => {
    // The certificate prints ::1 as 0:0:0:0:0:0:0:1; an unchanged spec must not look changed on every build.
    const spec = fullSpec({
      servers: [serverSpec({ ip: ["::1", "2001:db8::10"], dns: ["mqtt.example.com"], host: "mqtt.example.com" })],
    });
    const built = await build(spec);
    expect(planBuild(spec, built.tree, NOW).servers[0]).toMatchObject({ action: "keep", reasons: [] });
  });
});
