/**
 * Build a spec, start a real mosquitto 2.0.11 on the generated mosquitto.conf (unchanged),
 * and connect with exactly what the tree hands a user: the commands.sh lines, run verbatim,
 * plus MQTT.js over wss and mqtts with the client's files.
 */
import { readFile } from "node:fs/promises";
import mqtt, { type IClientOptions } from "mqtt";
import { main } from "../../src/index.js";
import {
  type Broker,
  makeWorkDir,
  removeWorkDir,
  requireMosquitto,
  run,
  runShellLine,
  startBroker,
  stopAll,
} from "./helpers/index.js";
import {
  buildTree,
  captureOutput,
  dropFlag,
  failures,
  mosquittoLines,
  startBackgroundLine,
  stopBackgroundLines,
  verifyTree,
  waitFor,
  writeSpec,
  type WrittenSpec,
} from "./helpers/specs.js";

let dir: string;
let foreignDir: string;
let spec: WrittenSpec;
let foreign: WrittenSpec;
let broker: Broker;

beforeAll(async () => {
  requireMosquitto();
  dir = await makeWorkDir("mqtt-pki-e2e-connect-");
  foreignDir = await makeWorkDir("mqtt-pki-e2e-foreign-");
  spec = await writeSpec(dir, { clients: ["alice", { name: "edd", key: "ed25519" }] });
  // Another CA entirely, with a client of the same name and CN.
  foreign = await writeSpec(foreignDir, { caCn: "E2E Foreign CA", clients: ["alice"] });
  await Promise.all([buildTree(spec), buildTree(foreign)]);
  broker = await startBroker(spec.layout.mosquittoConf);
});

afterAll(async () => {
  await stopBackgroundLines();
  await stopAll();
  if (dir) await removeWorkDir(dir);
  if (foreignDir) await removeWorkDir(foreignDir);
});

const subacks = (): number => broker.logs().split("Sending SUBACK").length - 1;

/** Runs commands.sh's sub line (background) and pub line verbatim; returns the sub's output. */
async function roundTrip(
  client: string,
  port: number,
): Promise<{ subCode: number | null; subOut: string; pubCode: number | null; pubErr: string }> {
  const { sub, pub } = mosquittoLines(await readFile(spec.layout.clientCommands(client), "utf8"), port);
  const before = subacks();
  const job = startBackgroundLine(sub);
  await waitFor(
    () => subacks() > before,
    5_000,
    () => `sub stderr: ${job.stderr()}\n--- broker log ---\n${broker.logs()}`,
  );
  const published = await runShellLine(pub, { timeoutMs: 10_000 });
  const subCode = await job.exited;
  return { subCode, subOut: job.stdout(), pubCode: published.code, pubErr: published.stderr };
}

async function clientFiles(tree: WrittenSpec, client: string): Promise<Pick<IClientOptions, "ca" | "cert" | "key">> {
  return {
    ca: await readFile(spec.layout.caCert), // always our CA: the broker's chain must verify
    cert: await readFile(tree.layout.clientCert(client)),
    key: await readFile(tree.layout.clientKey(client)),
  };
}

/** Subscribe, publish, receive with MQTT.js; returns the received payload. */
async function mqttJsRoundTrip(
  url: string,
  files: Pick<IClientOptions, "ca" | "cert" | "key">,
  topic: string,
): Promise<string> {
  const client = await mqtt.connectAsync(url, { ...files, reconnectPeriod: 0, connectTimeout: 5_000 });
  try {
    const got = new Promise<string>((resolve) => client.once("message", (_t, m) => resolve(m.toString())));
    await client.subscribeAsync(topic, { qos: 1 });
    await client.publishAsync(topic, `via ${url}`, { qos: 1 });
    return await got;
  } finally {
    await client.endAsync();
  }
}

type Outcome = { kind: "connected" } | { kind: "no outcome" } | { kind: "error"; message: string };

/**
 * What connecting with MQTT.js leads to, bounded in time. Errors come back as their message:
 * errors made by Node's tls/net live in another realm than Jest's, so `instanceof Error` fails.
 */
async function mqttJsOutcome(url: string, files: Pick<IClientOptions, "ca" | "cert" | "key">): Promise<Outcome> {
  let client: mqtt.MqttClient | undefined;
  const attempt = mqtt.connectAsync(url, { ...files, reconnectPeriod: 0, connectTimeout: 5_000 }).then(
    (c): Outcome => {
      client = c;
      return c.connected ? { kind: "connected" } : { kind: "no outcome" };
    },
    (error: unknown): Outcome => ({
      kind: "error",
      message: String((error as { message?: unknown })?.message ?? error),
    }),
  );
  const timeout = new Promise<Outcome>((resolve) => setTimeout(() => resolve({ kind: "no outcome" }), 8_000).unref());
  const outcome = await Promise.race([attempt, timeout]);
  await client?.endAsync(true);
  return outcome;
}

describe("a freshly built tree", () => {
  test("verify() passes and `mqtt-pki verify` exits 0", async () => {
    const report = await verifyTree(spec);
    expect(failures(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts.fail).toBe(0);
    const output = captureOutput();
    expect(await main(["verify", "-f", spec.specFile], output)).toBe(0);
    expect(output.stdout()).toMatch(/checks hold/);
  });

  test("the broker runs on the generated mosquitto.conf, which drops privileges normally", async () => {
    const conf = await readFile(spec.layout.mosquittoConf, "utf8");
    expect(conf).not.toMatch(/^\s*user\s+root/m);
    expect(conf).toMatch(/^allow_anonymous false$/m);
    expect(broker.logs()).toMatch(/mosquitto version \S+ running/);
  });
});

describe("commands.sh, run as a user would", () => {
  test("the mosquitto_sub ... & and mosquitto_pub lines, verbatim, make a round trip", async () => {
    const r = await roundTrip("alice", spec.mqttPort);
    expect(r).toMatchObject({ pubCode: 0, subCode: 0 });
    expect(r.subOut.split("\n")).toContain("hello from alice");
  });

  test("the whole commands.sh exits 0, prints the message, and names the wss listener it could not try", async () => {
    // Without the MQTTX CLI (not on the npm registry, not installed here): the wss block is skipped, and said so.
    expect((await runShellLine("command -v mqttx")).code).not.toBe(0);
    const r = await run("sh", [spec.layout.clientCommands("alice")], { timeoutMs: 20_000 });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 0,
      stderr: `skipped wss on localhost port ${spec.wsPort}: install MQTTX CLI 1.10 or later, or use the MQTT.js script from \`mqtt-pki snippets alice --format mqttjs\`\n`,
    });
    expect(r.stdout.split("\n")).toContain("hello from alice");
  });

  test("the pub line without its --cafile pair fails", async () => {
    const { pub } = mosquittoLines(await readFile(spec.layout.clientCommands("alice"), "utf8"), spec.mqttPort);
    const stripped = dropFlag(pub, "--cafile");
    expect(stripped).not.toContain("--cafile");
    const r = await runShellLine(stripped, { timeoutMs: 10_000 });
    expect(r.signal).toBeNull(); // failed on its own, did not hang
    expect(r.code).not.toBe(0);
  });

  test("an ed25519 client makes the round trip over TLS with its own lines", async () => {
    const r = await roundTrip("edd", spec.mqttPort);
    expect(r).toMatchObject({ pubCode: 0, subCode: 0 });
    expect(r.subOut.split("\n")).toContain("hello from edd");
    expect(broker.logs()).toMatch(/u'edd'/);
  });
});

describe("MQTT.js with the client's files", () => {
  test("wss to the websockets listener: subscribe + publish round trip", async () => {
    const url = `wss://localhost:${spec.wsPort}/mqtt`;
    expect(await mqttJsRoundTrip(url, await clientFiles(spec, "alice"), "e2e/wss")).toBe(`via ${url}`);
  });

  test("mqtts to the MQTT-over-TLS listener: subscribe + publish round trip", async () => {
    const url = `mqtts://localhost:${spec.mqttPort}`;
    expect(await mqttJsRoundTrip(url, await clientFiles(spec, "alice"), "e2e/mqtts")).toBe(`via ${url}`);
  });
});

describe("the broker turns away", () => {
  test("a client certificate from another CA (mosquitto_pub and MQTT.js)", async () => {
    const r = await run(
      "mosquitto_pub",
      [
        "-h",
        "localhost",
        "-p",
        String(spec.mqttPort),
        "--cafile",
        spec.layout.caCert,
        "--cert",
        foreign.layout.clientCert("alice"),
        "--key",
        foreign.layout.clientKey("alice"),
        "-t",
        "e2e/foreign",
        "-m",
        "should not arrive",
      ],
      { timeoutMs: 10_000 },
    );
    expect(r.signal).toBeNull();
    expect(r.code).not.toBe(0);

    for (const url of [`mqtts://localhost:${spec.mqttPort}`, `wss://localhost:${spec.wsPort}/mqtt`]) {
      const outcome = await mqttJsOutcome(url, await clientFiles(foreign, "alice"));
      expect({ url, outcome }).toEqual({
        url,
        outcome: {
          kind: "error",
          message: expect.stringMatching(/unknown ca|certificate|ECONNRESET|socket hang up|closed/i),
        },
      });
    }
  });

  test("a client without a certificate (--cafile only)", async () => {
    const r = await run(
      "mosquitto_pub",
      [
        "-h",
        "localhost",
        "-p",
        String(spec.mqttPort),
        "--cafile",
        spec.layout.caCert,
        "-t",
        "e2e/anon",
        "-m",
        "should not arrive",
      ],
      { timeoutMs: 10_000 },
    );
    expect(r.signal).toBeNull();
    expect(r.code).not.toBe(0);
  });
});

describe("verify ok means the generated commands work", () => {
  let noIdentityDir: string | undefined;

  afterAll(async () => {
    if (noIdentityDir) await removeWorkDir(noIdentityDir);
  });

  // With `allow_anonymous false` and no password file, a client is only authenticated
  // through `use_identity_as_username true`; without it mosquitto refuses every client
  // ("not authorised"). Either the spec is refused, or verify must fail, or the commands work.
  test("identityAsUsername: false is refused, flagged by verify, or still connects", async () => {
    noIdentityDir = await makeWorkDir("mqtt-pki-e2e-noidentity-");
    const noIdentity = await writeSpec(noIdentityDir, { serverLines: ["identityAsUsername: false"] });
    try {
      await buildTree(noIdentity);
    } catch (error) {
      expect(String((error as { message?: unknown }).message)).toMatch(/identityAsUsername|anonymous/);
      return;
    }
    const report = await verifyTree(noIdentity);
    const other = await startBroker(noIdentity.layout.mosquittoConf);
    try {
      const r = await run("sh", [noIdentity.layout.clientCommands("alice")], { timeoutMs: 20_000 });
      const outcome = { verifyOk: report.ok, commandsExit: r.code, stderr: r.stderr.trim() };
      if (report.ok) expect(outcome).toEqual({ verifyOk: true, commandsExit: 0, stderr: "" });
    } finally {
      await other.stop();
    }
  });
});
