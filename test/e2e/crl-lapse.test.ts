/**
 * A CRL that lapses on a real mosquitto 2.0.11: the tree is built and a client revoked with
 * the real CLI (`node bin/mqtt-pki.js`, so ca/crl.pem lives 10 days and mosquitto.conf gets
 * crlfile), then the broker runs with its clock 40 days ahead (libfaketime), past the CRL's
 * nextUpdate but well inside the certificates' 397 days. The broker starts as root and drops
 * to user mosquitto, as in production. A valid device is refused with certificate_expired
 * (45); doctor must name the expired CRL, or say it cannot see the broker's.
 */
import { copyFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import {
  makeWorkDir,
  removeWorkDir,
  requireLibfaketime,
  requireMosquitto,
  run,
  startBroker,
  stopAll,
  type Broker,
  type RunResult,
} from "./helpers/index.js";
import { writeSpec, type WrittenSpec } from "./helpers/specs.js";

const ROOT = path.resolve(new URL("../..", import.meta.url).pathname);
const CLI = path.join(ROOT, "bin", "mqtt-pki.js");
const CRL_DAYS = 10;
const CLOCK_AHEAD_DAYS = 40;
const DAY_MS = 24 * 60 * 60 * 1000;

let dir: string;
let spec: WrittenSpec;
let broker: Broker;
/** The broker's time, which doctor is told with --now so it judges the dates as the broker does. */
let brokerNow: Date;

function cli(args: string[]): Promise<RunResult> {
  const env = { ...process.env };
  // jest's --experimental-vm-modules would only add a warning to the CLI's stderr.
  delete env.NODE_OPTIONS;
  return run(process.execPath, [CLI, ...args], { env, timeoutMs: 60_000 });
}

async function cliOk(args: string[]): Promise<string> {
  const result = await cli(args);
  if (result.code !== 0)
    throw new Error(`mqtt-pki ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The broker's log tail, for failure messages. */
const brokerLog = () => `\n--- broker log (tail) ---\n${broker.logs().split("\n").slice(-20).join("\n")}`;

beforeAll(async () => {
  requireMosquitto();
  requireLibfaketime();
  dir = await makeWorkDir("mqtt-pki-e2e-crl-lapse-");
  spec = await writeSpec(dir, { clients: ["alice", "bob"], caLines: [`crlDays: ${CRL_DAYS}`] });
  await cliOk(["build", "-f", spec.specFile]);
  await cliOk(["revoke", "bob", "-f", spec.specFile, "--reason", "keyCompromise"]);
  const conf = await readFile(spec.layout.mosquittoConf, "utf8");
  if (!conf.includes(`crlfile ${spec.layout.crl}`))
    throw new Error(`revoke left no crlfile line in mosquitto.conf:\n${conf}`);
  brokerNow = new Date(Date.now() + CLOCK_AHEAD_DAYS * DAY_MS);
  broker = await startBroker(spec.layout.mosquittoConf, { clockAhead: `+${CLOCK_AHEAD_DAYS}d` });
}, 90_000);

afterAll(async () => {
  await broker?.stop();
  await stopAll();
  if (dir) await removeWorkDir(dir);
});

test("the setup: the CRL's nextUpdate lies between real time and the broker's time", async () => {
  const shown = await run("openssl", ["crl", "-in", spec.layout.crl, "-noout", "-nextupdate"]);
  expect(shown.code).toBe(0);
  const nextUpdate = new Date(shown.stdout.trim().replace(/^nextUpdate=/, ""));
  expect(nextUpdate.getTime()).toBeGreaterThan(Date.now());
  expect(nextUpdate.getTime()).toBeLessThan(brokerNow.getTime());
});

test('a valid client\'s mosquitto_pub is refused, and the broker logs "certificate verify failed"', async () => {
  const pub = await run(
    "mosquitto_pub",
    [
      "-h",
      "localhost",
      "-p",
      String(spec.mqttPort),
      "--cafile",
      spec.layout.caCert,
      "--cert",
      spec.layout.clientCert("alice"),
      "--key",
      spec.layout.clientKey("alice"),
      "-q",
      "1",
      "-t",
      "e2e/crl-lapse",
      "-m",
      "hello",
    ],
    { timeoutMs: 10_000 },
  );
  // Refused on its own: a non-zero exit, not our timeout's SIGKILL.
  if (pub.code === 0 || pub.signal !== null)
    throw new Error(`alice was not refused: ${JSON.stringify(pub)}${brokerLog()}`);
  expect(broker.logs()).toContain("certificate verify failed");
});

test("doctor --client: exit 1, the expired CRL is the cause, `mqtt-pki crl` and a reload the fix", async () => {
  const result = await cli([
    "doctor",
    "-f",
    spec.specFile,
    "--client",
    "alice",
    "--host",
    "127.0.0.1",
    "--port",
    String(spec.mqttPort),
    "--now",
    brokerNow.toISOString(),
  ]);
  const shown = `${result.stdout}\n${result.stderr}${brokerLog()}`;
  expect({ code: result.code, shown }).toEqual({
    code: 1,
    shown: expect.stringContaining(
      "✗ client certificate: the broker rejected CN=alice: alert certificate_expired (45)",
    ),
  });
  const cause = result.stdout.split("\n").find((line) => line.startsWith("Cause: ")) ?? shown;
  const fix = result.stdout.split("\n").find((line) => line.startsWith("Fix: ")) ?? shown;
  expect(cause).toContain(`the tree's CRL of "E2E Root CA" (${spec.layout.crl}) expired on`);
  expect(cause).toContain("turns away every device");
  expect(fix).toContain(`\`mqtt-pki crl -f ${spec.specFile}\``);
  expect(fix).toContain("`kill -HUP <mosquitto pid>`");
  // The local line notes the lapsed CRL without failing on it.
  expect(result.stdout).toMatch(
    /^✓ client files: .*; the CRL expired on .*: a broker that loads it refuses every client/m,
  );
});

test("doctor with --cafile/--cert/--key only (a device's copies, no CRL): it cannot see the broker's CRL and names the likely cause", async () => {
  const device = path.join(dir, "device");
  await mkdir(device, { recursive: true });
  await Promise.all(
    ["ca.crt", "client.crt", "client.key"].map((name) =>
      copyFile(
        name === "ca.crt" ? spec.layout.caCert : path.join(spec.layout.clientDir("alice"), name),
        path.join(device, name),
      ),
    ),
  );
  const result = await cli([
    "doctor",
    "--cafile",
    path.join(device, "ca.crt"),
    "--cert",
    path.join(device, "client.crt"),
    "--key",
    path.join(device, "client.key"),
    "--host",
    "127.0.0.1",
    "--port",
    String(spec.mqttPort),
    "--now",
    brokerNow.toISOString(),
  ]);
  const shown = `${result.stdout}\n${result.stderr}${brokerLog()}`;
  expect({ code: result.code, shown }).toEqual({ code: 1, shown: expect.stringContaining("Cause: ") });
  for (const words of [
    "doctor cannot see the broker's CRL",
    "the most likely cause is an expired CRL in the broker's crlfile",
    "or the broker's clock is wrong",
    "`openssl crl -in <crlfile> -noout -nextupdate`",
    "`mqtt-pki crl -f <spec>`",
    "`kill -HUP <mosquitto pid>`",
  ])
    expect({ words, found: result.stdout.includes(words), shown }).toMatchObject({ words, found: true });
});

test("at the broker's time, status --check, verify and lint all name the lapsed CRL; renewing it at the broker's time plus SIGHUP lets the device back in", async () => {
  const at = ["--now", brokerNow.toISOString()];
  const statusCheck = await cli(["status", "--check", "-f", spec.specFile, ...at]);
  expect({ code: statusCheck.code, out: statusCheck.stdout }).toEqual({
    code: 1,
    out: expect.stringMatching(/CRL: the CRL expired on .*: then mosquitto refuses every device certificate/),
  });
  const verified = await cli(["verify", "-f", spec.specFile, ...at]);
  expect({ code: verified.code, out: verified.stdout }).toEqual({
    code: 1,
    out: expect.stringMatching(
      /✗ listener broker:\d+ .*CRL \d+ from "CN=E2E Root CA" expired on .*refuses every client certificate/,
    ),
  });
  const linted = await cli(["lint", spec.layout.mosquittoConf, ...at]);
  expect({ code: linted.code, out: linted.stdout }).toEqual({
    code: 1,
    out: expect.stringMatching(/error: the CRL of "E2E Root CA" in crlfile .* expired on/),
  });
  // Well before that, with real time: status --check is healthy, and a CRL past half its life is flagged with its days left.
  expect((await cli(["status", "--check", "-f", spec.specFile])).code).toBe(0);
  const halfway = new Date(Date.now() + (CRL_DAYS / 2 + 1) * DAY_MS).toISOString();
  const early = await cli(["status", "--check", "-f", spec.specFile, "--now", halfway]);
  expect({ code: early.code, out: early.stdout }).toEqual({
    code: 1,
    out: expect.stringMatching(/CRL: the CRL runs out in [34] days .*Run `mqtt-pki crl`/),
  });

  // The way out: a CRL issued for the broker's time (the test's one deliberate future write), then a reload.
  await cliOk(["crl", "-f", spec.specFile, "--force", ...at, "--issue-in-the-future"]);
  process.kill(broker.pid, "SIGHUP");
  await new Promise((resolve) => setTimeout(resolve, 700));
  const pub = await run(
    "mosquitto_pub",
    [
      "-h",
      "localhost",
      "-p",
      String(spec.mqttPort),
      "--cafile",
      spec.layout.caCert,
      "--cert",
      spec.layout.clientCert("alice"),
      "--key",
      spec.layout.clientKey("alice"),
      "-t",
      "lapse/alice",
      "-m",
      "back",
    ],
    { timeoutMs: 10_000 },
  );
  expect({ code: pub.code, err: pub.stderr.trim(), log: pub.code === 0 ? "" : brokerLog() }).toEqual({
    code: 0,
    err: "",
    log: "",
  });
});
