import { readFile } from "node:fs/promises";
import path from "node:path";
import mqtt from "mqtt";
import { verify } from "../../src/index.js";
import { requireMosquitto, startBroker, stopAll, makeWorkDir, removeWorkDir, runShellLine } from "./helpers/index.js";
import { writeSpec, buildTree } from "./helpers/specs.js";

/** Passwords on top of certificates, and per-device ACLs, on a real mosquitto. */
let dir: string;

beforeAll(() => {
  requireMosquitto();
});

afterEach(async () => {
  await stopAll();
  if (dir) await removeWorkDir(dir);
});

async function accessSpec(devBTopic = "devices/dev-b/hello") {
  dir = await makeWorkDir("mqtt-pki-e2e-access-");
  return writeSpec(dir, {
    clients: [
      { name: "dev-a", topic: "devices/dev-a/hello" },
      { name: "dev-b", topic: devBTopic },
    ],
    serverLines: ["identityAsUsername: false"],
    extra: ["defaults:", "  password: true", "  acl:", "    - topic: devices/%c/#", "      access: readwrite"].join(
      "\n",
    ),
  });
}

function connect(spec: Awaited<ReturnType<typeof accessSpec>>, name: string, password?: string) {
  const layout = spec.layout;
  return readFile(path.join(layout.clientDir(name), "password"), "utf8").then(async (stored) =>
    mqtt.connectAsync(`mqtts://localhost:${spec.mqttPort}`, {
      ca: await readFile(layout.caCert),
      cert: await readFile(layout.clientCert(name)),
      key: await readFile(layout.clientKey(name)),
      username: name,
      password: password ?? stored.trim(),
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    }),
  );
}

test("a device publishes to its own topic and is refused another device's; a wrong password is refused", async () => {
  const spec = await accessSpec();
  await buildTree(spec);
  expect((await verify({ specFile: spec.specFile })).ok).toBe(true);
  await startBroker(spec.layout.mosquittoConf);

  // The generated commands (with -u/-P) do their round trip.
  const script = await runShellLine(`sh ${spec.layout.clientCommands("dev-a")}`, { timeoutMs: 20000 });
  expect(script.stdout).toContain("hello from dev-a");

  const a = await connect(spec, "dev-a");
  try {
    await expect(a.publishAsync("devices/dev-a/t", "mine", { qos: 1 })).resolves.toBeDefined();
    // MQTT 5: mosquitto answers a denied QoS 1 publish with PUBACK reason 0x87 (not authorized).
    await expect(a.publishAsync("devices/dev-b/t", "theirs", { qos: 1 })).rejects.toThrow(/135|[Nn]ot authori[sz]ed/);
  } finally {
    await a.endAsync();
  }
  await expect(connect(spec, "dev-a", "wrong-password")).rejects.toThrow(
    /[Nn]ot authori[sz]ed|[Bb]ad [Uu]ser [Nn]ame or [Pp]assword|134|135/,
  );
});

test("verify fails when a client's round-trip topic is outside its ACL", async () => {
  const spec = await accessSpec("elsewhere/dev-b");
  await buildTree(spec);
  const report = await verify({ specFile: spec.specFile });
  expect(report.ok).toBe(false);
  expect(report.checks.some((c) => c.status === "fail" && /ACL does not let it/.test(c.message))).toBe(true);
});
