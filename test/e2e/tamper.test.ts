/**
 * verify() must notice a tree that was changed after `build`: every test starts from a
 * byte-for-byte copy (`cp -a`, modes and owners kept) of one freshly built tree, changes one
 * thing, and expects ok=false with a failing check that names the problem.
 */
import { chmod, chown, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { VerifyReport } from "../../src/index.js";
import { freePort, makeWorkDir, removeWorkDir, requireMosquitto, run } from "./helpers/index.js";
import { buildTree, failures, verifyTree, writeSpec, type WrittenSpec } from "./helpers/specs.js";

let dir: string;
let foreignDir: string;
let spec: WrittenSpec;
let foreign: WrittenSpec;
let pristine: string;

async function sh(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
}

beforeAll(async () => {
  requireMosquitto();
  dir = await makeWorkDir("mqtt-pki-e2e-tamper-");
  foreignDir = await makeWorkDir("mqtt-pki-e2e-tamper-foreign-");
  spec = await writeSpec(dir, { clients: ["alice", "bob"] });
  // Same server and client names and CNs, another CA.
  foreign = await writeSpec(foreignDir, {
    caCn: "E2E Foreign CA",
    clients: ["alice", "bob"],
    mqttPort: spec.mqttPort,
    wsPort: spec.wsPort,
  });
  await Promise.all([buildTree(spec), buildTree(foreign)]);
  pristine = path.join(dir, "pki.pristine");
  await sh("cp", ["-a", spec.out, pristine]);
});

beforeEach(async () => {
  await sh("rm", ["-rf", spec.out]);
  await sh("cp", ["-a", pristine, spec.out]);
});

afterAll(async () => {
  if (dir) await removeWorkDir(dir);
  if (foreignDir) await removeWorkDir(foreignDir);
});

/** Asserts the report fails and some failing check's message matches `problem`. */
function expectCaught(report: VerifyReport, problem: RegExp): void {
  const failed = failures(report);
  expect(report.ok).toBe(false);
  expect(report.counts.fail).toBeGreaterThan(0);
  expect(failed.some((line) => problem.test(line)) ? "caught" : failed).toBe("caught");
}

/** A port that is none of the spec's listeners. */
async function otherPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port !== spec.mqttPort && port !== spec.wsPort) return port;
  }
}

/** Replaces the first occurrence of `from` in a text file (which keeps its mode). */
async function editOnce(file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  const edited = text.replace(from, to);
  if (edited === text) throw new Error(`${String(from)} not found in ${file}:\n${text}`);
  await writeFile(file, edited);
}

/** Overwrites `to` with the bytes of `from`; `to` keeps its own mode and owner. */
async function replaceContent(from: string, to: string): Promise<void> {
  await writeFile(to, await readFile(from));
}

test("the untampered tree verifies", async () => {
  const report = await verifyTree(spec);
  expect(failures(report)).toEqual([]);
  expect(report.ok).toBe(true);
});

test("a second build of the unchanged spec rewrites no file", async () => {
  const files = (await run("find", [spec.out, "-type", "f"])).stdout.trim().split("\n");
  expect(files.length).toBeGreaterThanOrEqual(12);
  const before = new Map(await Promise.all(files.map(async (f) => [f, (await stat(f)).mtimeMs] as const)));
  const result = await buildTree(spec);
  expect(result.written).toEqual([]);
  expect([result.plan.ca, ...result.plan.servers, ...result.plan.clients].map((e) => e.action)).toEqual([
    "keep",
    "keep",
    "keep",
    "keep",
  ]);
  for (const file of files)
    expect({ file, mtime: (await stat(file)).mtimeMs }).toEqual({ file, mtime: before.get(file) });
  const after = (await run("find", [spec.out, "-type", "f"])).stdout.trim().split("\n");
  expect(after.sort()).toEqual([...files].sort());
});

test("a client certificate swapped for another client's", async () => {
  await replaceContent(spec.layout.clientCert("bob"), spec.layout.clientCert("alice"));
  expectCaught(await verifyTree(spec), /client alice: .*(key .*does not match its certificate|CN is "bob")/);
});

test("ca.crt replaced by another CA's", async () => {
  await replaceContent(foreign.layout.caCert, spec.layout.caCert);
  const report = await verifyTree(spec);
  expectCaught(report, /^CA: key .*ca\.key does not match its certificate/);
  expectCaught(report, /not issued by the CA/);
});

test("the server certificate (and key) replaced by a pair from a foreign CA", async () => {
  await replaceContent(foreign.layout.serverCert("broker"), spec.layout.serverCert("broker"));
  await replaceContent(foreign.layout.serverKey("broker"), spec.layout.serverKey("broker"));
  const report = await verifyTree(spec);
  expectCaught(report, /^server broker: certificate was not issued by the CA/);
  expectCaught(report, /certfile .* was not issued by the cafile's CA/);
});

test("the port edited in one commands.sh line", async () => {
  const port = await otherPort();
  await editOnce(
    spec.layout.clientCommands("alice"),
    new RegExp(`^(mosquitto_pub .*) -p ${spec.mqttPort} `, "m"),
    `$1 -p ${port} `,
  );
  expectCaught(
    await verifyTree(spec),
    new RegExp(`client alice \\(commands\\.sh:\\d+\\): mosquitto_pub uses port ${port}, but server broker listens on`),
  );
});

test("a listener port edited in mosquitto.conf", async () => {
  const port = await otherPort();
  await editOnce(spec.layout.mosquittoConf, `listener ${spec.mqttPort} 127.0.0.1`, `listener ${port} 127.0.0.1`);
  const report = await verifyTree(spec);
  expectCaught(report, new RegExp(`listener on port ${port} is not in the spec`));
  expectCaught(report, new RegExp(`mosquitto.conf has no listener on port ${spec.mqttPort}`));
});

test("the `--cafile FILE` pair deleted from a commands.sh line", async () => {
  await editOnce(spec.layout.clientCommands("bob"), /^(mosquitto_sub .*?) --cafile \S+/m, "$1");
  expectCaught(await verifyTree(spec), /client bob \(commands\.sh:\d+\): mosquitto_sub has no --cafile/);
});

test("the server key made 0600 root:root: the broker user cannot read its keyfile", async () => {
  const key = spec.layout.serverKey("broker");
  await chown(key, 0, 0);
  await chmod(key, 0o600);
  expectCaught(await verifyTree(spec), /broker user mosquitto cannot read .*server\.key/);
});

test("a client key made 0644: readable by others", async () => {
  await chmod(spec.layout.clientKey("alice"), 0o644);
  expectCaught(await verifyTree(spec), /client alice: key .*client\.key has mode 644, readable by every user/);
});

test("`-l wss` changed to `-l mqtts` on a websockets mqttx line", async () => {
  await editOnce(
    spec.layout.clientCommands("alice"),
    new RegExp(`^(\\s*mqttx pub -h localhost -p ${spec.wsPort}) -l wss `, "m"),
    "$1 -l mqtts ",
  );
  expectCaught(
    await verifyTree(spec),
    new RegExp(`mqttx uses -l mqtts against port ${spec.wsPort}, a websockets listener`),
  );
});
