/**
 * Self-test of the e2e helpers against the real programs (openssl, mosquitto
 * 2.0.11, mosquitto_pub/_sub, MQTT.js 5), with certs made by the openssl CLI.
 *
 * Findings (each one is asserted below, so they stay true or the suite fails):
 * (a) `mosquitto_pub -h localhost` reaches a broker bound to 127.0.0.1 only: YES.
 *     Here /etc/hosts maps localhost to 127.0.0.1 only. libmosquitto walks every
 *     getaddrinfo() result until a connect succeeds, so a resolver that returns
 *     ::1 first still falls back to 127.0.0.1 (checked by hand with a
 *     bind-mounted hosts file listing `::1 localhost` first; not repeated here).
 * (b) `mosquitto_pub -h 127.0.0.1` verifies against an IP SAN (IP:127.0.0.1)
 *     without --insecure: YES. Control: the machine's host name, which also
 *     resolves to 127.0.0.1 but is not a SAN, is refused with "host name
 *     verification failed" (shown only with -d), so the check is really on.
 * (c) MQTT.js 5 to `wss://localhost:PORT2/mqtt` with top-level `ca`, `cert`,
 *     `key` (Buffers) works for publish/subscribe: YES. MQTT.js copies those
 *     options into `wsOptions` for the `ws` socket; no `rejectUnauthorized:
 *     false` or `servername` is needed. The broker's ws listener needs its own
 *     `require_certificate` + `use_identity_as_username` lines, or with
 *     `allow_anonymous false` the client is refused ("Not authorized"; checked
 *     by hand).
 */
import { chown, chmod, readFile, stat, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { lookup } from "node:dns/promises";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import {
  type Broker,
  canConnect,
  freePort,
  isAlive,
  listenerPorts,
  makeWorkDir,
  opensslText,
  opensslVerify,
  removeWorkDir,
  requireMosquitto,
  run,
  runShellLine,
  spawnTracked,
  startBroker,
  stopAll,
} from "./helpers/index.js";

let dir: string;
let port: number;
let wsPort: number;
let broker: Broker | undefined;
const f = (name: string): string => path.join(dir, name);

/** Run openssl, failing the setup loudly with its stderr if it breaks. */
async function openssl(args: string[]): Promise<void> {
  const r = await run("openssl", args, { cwd: dir });
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
}

/** EC P-256 key + cert signed by ca.crt, with the given v3 extensions. */
async function issue(name: string, cn: string, ext: string): Promise<void> {
  await writeFile(f(`${name}.ext`), ext);
  await openssl([
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    f(`${name}.key`),
    "-out",
    f(`${name}.csr`),
    "-subj",
    `/CN=${cn}`,
  ]);
  await openssl([
    "x509",
    "-req",
    "-in",
    f(`${name}.csr`),
    "-CA",
    f("ca.crt"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    f(`${name}.ext`),
    "-out",
    f(`${name}.crt`),
  ]);
}

async function makePki(): Promise<void> {
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.crt"),
    "-subj",
    "/CN=Test CA",
    "-days",
    "2",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const leaf = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n";
  await issue("server", "localhost", `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`);
  await issue("client1", "client1", `${leaf}extendedKeyUsage=clientAuth\n`);
  // The broker reads its key after dropping to user mosquitto: group-readable.
  const gid = Number(execFileSync("id", ["-g", "mosquitto"], { encoding: "utf8" }).trim());
  await chown(f("server.key"), 0, gid);
  await chmod(f("server.key"), 0o640);
  for (const k of ["ca.key", "client1.key"]) await chmod(f(k), 0o600);
  for (const c of ["ca.crt", "server.crt", "client1.crt"]) await chmod(f(c), 0o644);
}

function brokerConf(): string {
  const tls = [
    `cafile ${f("ca.crt")}`,
    `certfile ${f("server.crt")}`,
    `keyfile ${f("server.key")}`,
    "require_certificate true",
    "use_identity_as_username true",
  ];
  return [
    "allow_anonymous false",
    `listener ${port} 127.0.0.1`,
    ...tls,
    `listener ${wsPort} 127.0.0.1`,
    "protocol websockets",
    "socket_domain ipv4",
    ...tls,
    "",
  ].join("\n");
}

/** TLS options for mosquitto_pub/_sub as client1. */
const clientTls = (): string[] => ["--cafile", f("ca.crt"), "--cert", f("client1.crt"), "--key", f("client1.key")];

beforeAll(async () => {
  requireMosquitto();
  dir = await makeWorkDir("mqtt-pki-selftest-");
  [port, wsPort] = [await freePort(), await freePort()];
  await makePki();
  await writeFile(f("mosquitto.conf"), brokerConf(), { mode: 0o644 });
  broker = await startBroker(f("mosquitto.conf"), { verbose: true });
});

afterAll(async () => {
  await broker?.stop();
  await stopAll();
  if (dir) await removeWorkDir(dir);
});

describe("small helpers", () => {
  test("freePort gives a bindable, currently unused port", async () => {
    const p = await freePort();
    expect(p).toBeGreaterThan(0);
    expect(await canConnect(p)).toBe(false);
  });

  test("makeWorkDir makes a 0755 dir so user mosquitto can traverse it", async () => {
    expect((await stat(dir)).mode & 0o777).toBe(0o755);
  });

  test("run reports non-zero exits, pipes input, and kills on timeout", async () => {
    expect(await run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])).toEqual({
      code: 3,
      signal: null,
      stdout: "out\n",
      stderr: "err\n",
    });
    expect((await run("cat", [], { input: "piped" })).stdout).toBe("piped");
    const slow = await run("sleep", ["30"], { timeoutMs: 200 });
    expect(slow.signal).toBe("SIGKILL");
    expect((await runShellLine("echo $((1+2))")).stdout).toBe("3\n");
  });

  test("listenerPorts reads `listener PORT [addr]` lines", () => {
    expect(listenerPorts("listener 1883\n  listener 8883 127.0.0.1\n#listener 1\nport 9")).toEqual([1883, 8883]);
  });

  test("opensslVerify checks purpose; opensslText shows SANs", async () => {
    expect(await opensslVerify(f("ca.crt"), f("server.crt"), "sslserver")).toMatchObject({ ok: true });
    expect(await opensslVerify(f("ca.crt"), f("client1.crt"), "sslclient")).toMatchObject({ ok: true });
    expect((await opensslVerify(f("ca.crt"), f("server.crt"), "sslclient")).ok).toBe(false);
    expect(await opensslText(f("server.crt"))).toMatch(/DNS:localhost, IP Address:127\.0\.0\.1/);
  });
});

describe("real mosquitto broker with mutual TLS", () => {
  test("is running with both listeners up, as user mosquitto", async () => {
    expect(broker!.logs()).toMatch(/mosquitto version \S+ running/);
    expect(await canConnect(port)).toBe(true);
    expect(await canConnect(wsPort)).toBe(true);
    expect(await readFile(f("mosquitto.conf"), "utf8")).not.toMatch(/^\s*user\s+root/m);
  });

  test("startBroker rejects with the broker log when mosquitto exits", async () => {
    const bad = f("bad.conf");
    const conf = [
      `listener ${await freePort()} 127.0.0.1`,
      `certfile ${f("missing.crt")}`,
      `keyfile ${f("server.key")}`,
    ];
    await writeFile(bad, conf.join("\n") + "\n", { mode: 0o644 });
    await expect(startBroker(bad)).rejects.toThrow(/exited with code[\s\S]*--- broker log ---[\s\S]*missing\.crt/);
  });

  test("(a) -h localhost: mosquitto_sub receives what mosquitto_pub sends", async () => {
    // Publish only once the broker logged SUBACK to this subscriber's id
    // (mosquitto_sub -d output is block-buffered on a pipe, so watch the broker).
    const sub = spawnTracked("mosquitto_sub", [
      "-i",
      "selftest-sub",
      "-h",
      "localhost",
      "-p",
      String(port),
      ...clientTls(),
      "-t",
      "t",
      "-C",
      "1",
      "-W",
      "10",
    ]);
    let out = "";
    sub.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => sub.once("exit", resolve));
    await waitFor(
      () => broker!.logs().includes("Sending SUBACK to selftest-sub"),
      5_000,
      () => broker!.logs(),
    );
    const pub = await run("mosquitto_pub", [
      "-h",
      "localhost",
      "-p",
      String(port),
      ...clientTls(),
      "-t",
      "t",
      "-m",
      "hi",
    ]);
    expect(pub).toMatchObject({ code: 0 });
    expect(await exited).toBe(0);
    expect(out.split("\n")).toContain("hi");
  });

  test("(b) -h 127.0.0.1 verifies against the IP SAN without --insecure", async () => {
    const args = ["-p", String(port), ...clientTls(), "-t", "t", "-m", "ip"];
    expect(await run("mosquitto_pub", ["-h", "127.0.0.1", ...args])).toMatchObject({ code: 0 });
    // Control: the machine's host name reaches the same 127.0.0.1 listener
    // but is not a SAN, so the connection must be refused.
    const name = os.hostname();
    expect({ name, address: (await lookup(name, { family: 4 })).address }).toEqual({ name, address: "127.0.0.1" });
    // -d makes mosquitto_pub say why (on stdout); without it only "A TLS error occurred".
    const wrongName = await run("mosquitto_pub", ["-d", "-h", name, ...args]);
    expect(wrongName.code).not.toBe(0);
    expect(wrongName.stdout + wrongName.stderr).toMatch(/host name verification failed/);
  });

  test("(c) MQTT.js over wss://localhost with ca/cert/key options", async () => {
    const client = await mqtt.connectAsync(`wss://localhost:${wsPort}/mqtt`, {
      ca: await readFile(f("ca.crt")),
      cert: await readFile(f("client1.crt")),
      key: await readFile(f("client1.key")),
      connectTimeout: 5_000,
      reconnectPeriod: 0,
    });
    try {
      const got = new Promise<string>((resolve) => client.once("message", (_t, m) => resolve(m.toString())));
      await client.subscribeAsync("ws/t", { qos: 1 });
      await client.publishAsync("ws/t", "over-wss", { qos: 1 });
      expect(await got).toBe("over-wss");
    } finally {
      await client.endAsync();
    }
  });

  test("stop() ends the broker process", async () => {
    const pid = broker!.pid;
    await broker!.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    broker = undefined;
  });
});

// Last: stopAll() would also kill the broker, which is a tracked child too.
describe("cleanup", () => {
  test("stopAll kills tracked children by PID", async () => {
    const child = spawnTracked("sleep", ["30"]);
    expect(isAlive(child.pid!)).toBe(true);
    await stopAll();
    expect(isAlive(child.pid!)).toBe(false);
  });
});

/** Poll a condition; on timeout fail with a diagnostic (e.g. logs). */
async function waitFor(cond: () => boolean, timeoutMs: number, diag: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms:\n${diag()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
