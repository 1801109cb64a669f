/**
 * `mqtt-pki doctor` against real mosquitto 2.0.11 brokers, each failure brought about for
 * real (see helpers/doctorSetups.ts): doctor must name the right cause, with TLS 1.2 and
 * TLS 1.3 where the broker reports it differently, and exit 0 on a working setup.
 */
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { doctor, doctorServer, type DoctorOptions, type DoctorReport } from "../../src/api/doctor.js";
import type { CauseId } from "../../src/doctor/causes.js";
import {
  freePort,
  makeWorkDir,
  removeWorkDir,
  requireMosquitto,
  startBroker,
  stopAll,
  type Broker,
} from "./helpers/index.js";
import type { TreeLayout } from "../../src/tree/layout.js";
import {
  buildDoctorTree,
  buildForeignTree,
  runDoctorCli,
  writeHandMadeBroker,
  type DoctorTree,
  type HandMadeBroker,
} from "./helpers/doctorSetups.js";

let dir: string;
let foreignDir: string;
let tree: DoctorTree;
let foreign: TreeLayout;
let handMade: HandMadeBroker;
const brokers: Broker[] = [];

beforeAll(async () => {
  requireMosquitto();
  dir = await makeWorkDir("mqtt-pki-e2e-doctor-");
  foreignDir = await makeWorkDir("mqtt-pki-e2e-doctor-foreign-");
  [tree, foreign] = await Promise.all([buildDoctorTree(dir), buildForeignTree(foreignDir)]);
  handMade = await writeHandMadeBroker(dir, tree);
  brokers.push(...(await Promise.all([startBroker(tree.layout.mosquittoConf), startBroker(handMade.confPath)])));
}, 30_000);

afterAll(async () => {
  await Promise.all(brokers.map((broker) => broker.stop()));
  await stopAll();
  if (dir) await removeWorkDir(dir);
  if (foreignDir) await removeWorkDir(foreignDir);
});

function check(options: DoctorOptions): Promise<DoctorReport> {
  return doctor({ specFile: tree.specFile, host: "localhost", timeoutMs: 3_000, ...options });
}

function printout(report: DoctorReport): string {
  return [
    ...report.stages.map((s) => `${s.ok ? "✓" : "✗"} ${s.stage}: ${s.detail}`),
    `cause: ${report.cause}`,
    `fix: ${report.fix}`,
  ].join("\n");
}

/** Asserts the cause, showing the whole report (and the brokers' logs) when it is another. */
function expectCause(report: DoctorReport, id: CauseId): void {
  if (report.ok || report.causeId !== id) {
    throw new Error(
      `expected cause ${id}, got ${report.ok ? "ok" : report.causeId}\n${printout(report)}\n--- broker logs (tail) ---\n${brokers.map((b) => b.logs().split("\n").slice(-15).join("\n")).join("\n---\n")}`,
    );
  }
}

function stage(report: DoctorReport, name: string): string {
  return report.stages.find((s) => s.stage === name)?.detail ?? `(no ${name} stage)`;
}

const aliceFiles = () => ({ cert: tree.layout.clientCert("alice"), key: tree.layout.clientKey("alice") });
const foreignAlice = () => ({ cert: foreign.clientCert("alice"), key: foreign.clientKey("alice") });

describe("a working setup", () => {
  test("mqtts: the CLI walks every stage and exits 0", async () => {
    const run = await runDoctorCli([
      "doctor",
      "-f",
      tree.specFile,
      "--host",
      "localhost",
      "--port",
      String(tree.ports.mqtts),
      "--client",
      "alice",
    ]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    for (const line of [
      "✓ TCP connect",
      "✓ TLS handshake: TLSv1.3",
      "✓ trust",
      "✓ hostname: localhost is in the SAN (DNS:localhost)",
      "✓ client certificate: the broker accepted CN=alice",
      "✓ MQTT CONNECT: CONNACK 0",
    ]) {
      expect(run.stdout).toContain(line);
    }
    expect(run.stdout).toContain("The connection works end to end.");
  });

  test("wss over TLS 1.2", async () => {
    const report = await check({ port: tree.ports.wss, protocol: "wss", client: "alice", tlsVersion: "tlsv1.2" });
    expect(report.ok).toBe(true);
    expect(stage(report, "websocket upgrade")).toContain("HTTP 101 on /mqtt, subprotocol mqtt");
    expect(stage(report, "TLS handshake")).toContain("TLSv1.2");
  });

  test("--server checks every listener of the server, --json prints the reports", async () => {
    const run = await runDoctorCli(["doctor", "-f", tree.specFile, "--server", "broker", "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(true);
    expect(result.reports.map((r: DoctorReport) => `${r.target.protocol}:${r.target.port}:${r.client}`)).toEqual([
      `mqtts:${tree.ports.mqtts}:alice`,
      `wss:${tree.ports.wss}:alice`,
    ]);
  });
});

describe("the causes, each brought about for real", () => {
  test("1a. no CA file: SELF_SIGNED_CERT_IN_CHAIN, since mosquitto sends its CA along", async () => {
    const report = await check({ port: tree.ports.mqtts, ...aliceFiles() });
    expectCause(report, "no-ca");
    expect(report.cause).toContain("SELF_SIGNED_CERT_IN_CHAIN");
  });

  test("1b. the wrong CA file", async () => {
    const report = await check({ port: tree.ports.mqtts, client: "alice", cafile: foreign.caCert });
    expectCause(report, "wrong-ca");
    expect(report.cause).toContain('"Foreign Root CA"');
    expect(report.cause).toContain('"Doctor Root CA"');
  });

  test.each(["tlsv1.2", "tlsv1.3"] as const)(
    "2. the broker does not trust the client's issuer (%s): unknown_ca 48",
    async (tlsVersion) => {
      const report = await check({ port: tree.ports.mqtts, cafile: tree.layout.caCert, ...foreignAlice(), tlsVersion });
      expectCause(report, "client-ca-untrusted");
      expect(report.cause).toContain("unknown_ca (48)");
      expect(report.cause).toContain('"Foreign Root CA"');
      expect(report.cause?.includes("after the TLS 1.3 handshake")).toBe(tlsVersion === "tlsv1.3");
    },
  );

  test.each([
    ["tlsv1.2", "mqtts", "handshake_failure (40)"],
    ["tlsv1.3", "mqtts", "certificate_required (116)"],
    ["tlsv1.3", "wss", "certificate_required (116)"],
  ] as const)("3. no client certificate sent (%s, %s): %s", async (tlsVersion, protocol, alert) => {
    const report = await check({
      port: protocol === "wss" ? tree.ports.wss : tree.ports.mqtts,
      protocol,
      cafile: tree.layout.caCert,
      tlsVersion,
    });
    expectCause(report, "client-cert-required");
    expect(report.cause).toContain(alert);
  });

  test.each(["tlsv1.2", "tlsv1.3"] as const)(
    "4. the client certificate has expired (%s): our check, and the broker's alert 45",
    async (tlsVersion) => {
      const report = await check({ port: tree.ports.mqtts, client: "carol", tlsVersion });
      expectCause(report, "client-cert-expired");
      expect(stage(report, "client files")).toContain("expired on");
      expect(stage(report, tlsVersion === "tlsv1.2" ? "TLS handshake" : "client certificate")).toContain(
        "certificate_expired (45)",
      );
      expect(report.fix).toContain("mqtt-pki rotate carol");
    },
  );

  test("5. the server certificate has expired", async () => {
    const report = await check({ port: tree.ports.stale, client: "alice" });
    expectCause(report, "server-cert-expired");
    expect(report.cause).toContain("CN=stale.doctor.test");
    expect(report.fix).toContain("mqtt-pki rotate stale");
  });

  test("6. the host dialled is not in the SAN: says what the SAN holds", async () => {
    const report = await check({ host: "127.0.0.1", port: tree.ports.mqtts, client: "alice" });
    expectCause(report, "hostname-mismatch");
    expect(report.cause).toContain("dialled 127.0.0.1");
    expect(report.cause).toContain("SAN holds only DNS:localhost");
  });

  test("7. the CA and the server certificate share a CN", async () => {
    const report = await check({ port: handMade.ports.clash, cafile: handMade.clashCa });
    expectCause(report, "ca-cn-clash");
    expect(report.cause).toContain(`"${handMade.clashCn}"`);
    expect(report.cause).toContain("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  test("8. TLS version mismatch: protocol_version 70, and the version the broker takes", async () => {
    const report = await check({ port: tree.ports.strict, client: "alice", tlsVersion: "tlsv1.2" });
    expectCause(report, "tls-version-mismatch");
    expect(report.cause).toContain("protocol_version (70)");
    expect(report.cause).toContain("it accepts TLS 1.3");
    expect(report.fix).toContain("--tls-version tlsv1.3");
  });

  test("9a. plain MQTT sent to a TLS port", async () => {
    const report = await check({ port: tree.ports.mqtts, protocol: "mqtt" });
    expectCause(report, "plain-to-tls-port");
  });

  test("9b. TLS sent to a plain MQTT port", async () => {
    const report = await check({ port: handMade.ports.plain, client: "alice" });
    expectCause(report, "tls-to-plain-port");
    expect(report.cause).toContain("plain MQTT");
  });

  test("9c. mqtts sent to a websockets port (the MQTTX wss→mqtts bug)", async () => {
    const report = await check({ port: tree.ports.wss, protocol: "mqtts", client: "alice" });
    expectCause(report, "mqtts-to-websockets-port");
    expect(report.fix).toContain(`wss://localhost:${tree.ports.wss}/mqtt`);
  });

  test("9d. wss sent to an MQTT-over-TLS port", async () => {
    const report = await check({ port: tree.ports.mqtts, protocol: "wss", client: "alice" });
    expectCause(report, "wss-to-mqtt-port");
    expect(report.fix).toContain(`mqtts://localhost:${tree.ports.mqtts}`);
  });

  test("10. the client key does not match the certificate: caught before connecting", async () => {
    const report = await check({
      port: tree.ports.mqtts,
      cafile: tree.layout.caCert,
      cert: tree.layout.clientCert("alice"),
      key: tree.layout.clientKey("bob"),
    });
    expectCause(report, "client-key-mismatch");
    expect(report.stages[0]).toMatchObject({ stage: "client files", ok: false });
  });

  test("11a. CONNACK 4 after good TLS: no certificate on a use_identity_as_username listener", async () => {
    const report = await check({ port: tree.ports.lax, cafile: tree.layout.caCert });
    expectCause(report, "connack-bad-credentials");
    expect(stage(report, "TLS handshake")).toContain("TLSv1.3");
    expect(report.cause).toContain("use_identity_as_username");
  });

  test("11b. CONNACK 5 after good TLS: the listener does not take the CN as username", async () => {
    const report = await check({ port: handMade.ports.noIdentity, client: "alice" });
    expectCause(report, "connack-not-authorized");
    expect(report.cause).toContain("allow_anonymous false");
  });

  test.each(["tlsv1.2", "tlsv1.3"] as const)(
    "12. a revoked client certificate (%s): the tree's CRL lists it, the broker sends 44",
    async (tlsVersion) => {
      const report = await check({ port: tree.ports.mqtts, client: "bob", tlsVersion });
      expectCause(report, "client-cert-revoked");
      expect(stage(report, "client files")).toContain("listed in the CRL");
      expect(stage(report, tlsVersion === "tlsv1.2" ? "TLS handshake" : "client certificate")).toContain(
        "certificate_revoked (44)",
      );
    },
  );

  test("12. revoked, with no CRL at hand: the broker's alert alone still names it", async () => {
    // A CA file away from the tree, so no ca/crl.pem sits beside it.
    const cafile = path.join(dir, "elsewhere", "ca.crt");
    await mkdir(path.dirname(cafile), { recursive: true });
    await copyFile(tree.layout.caCert, cafile);
    const report = await check({
      port: tree.ports.mqtts,
      cafile,
      cert: tree.layout.clientCert("bob"),
      key: tree.layout.clientKey("bob"),
      tlsVersion: "tlsv1.3",
    });
    expectCause(report, "client-cert-revoked");
    expect(stage(report, "client files")).not.toContain("CRL");
    expect(report.cause).toContain("certificate_revoked (44)");
  });
});

describe("edges of the command", () => {
  test("nothing listening: connection refused, exit 1", async () => {
    const port = await freePort();
    const run = await runDoctorCli(["doctor", "--host", "127.0.0.1", "--port", String(port)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ TCP connect");
    expect(run.stdout).toContain("Cause: Nothing accepts connections");
  });

  test("bad input exits 2: no host, an unknown client, --cert without --key", async () => {
    expect((await runDoctorCli(["doctor", "--port", "8883"])).code).toBe(2);
    const unknown = await runDoctorCli([
      "doctor",
      "-f",
      tree.specFile,
      "--host",
      "localhost",
      "--port",
      String(tree.ports.mqtts),
      "--client",
      "mallory",
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no client named `mallory`");
    expect(
      (await runDoctorCli(["doctor", "--host", "localhost", "--port", "1", "--cert", tree.layout.clientCert("alice")]))
        .code,
    ).toBe(2);
  });

  test("--server reports each listener's failure: a revoked client on both", async () => {
    const result = await doctorServer({ specFile: tree.specFile, server: "broker", client: "bob", timeoutMs: 3_000 });
    expect(result.ok).toBe(false);
    expect(result.reports.map((r) => r.causeId)).toEqual(["client-cert-revoked", "client-cert-revoked"]);
  });
});
