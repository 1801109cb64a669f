/**
 * Correctness at fleet scale: a fleet built by the CLI (keys and certificates made on worker
 * threads) has unique serials and certificates that openssl verifies, and building a fleet in
 * one go gives the same tree as adding its devices one at a time.
 *
 * The large fleet is sized by MQTT_PKI_FLEET_CLIENTS (default 10000). Speed is measured by
 * `npm run bench`, not here.
 */
import { X509Certificate } from "node:crypto";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import * as x509 from "@peculiar/x509";
import { build } from "../../src/index.js";
import { TEMP_DIR } from "../../src/tree/layout.js";
import { makeWorkDir, removeWorkDir, run, type RunResult } from "./helpers/index.js";
import { writeSpec, type WrittenSpec } from "./helpers/specs.js";

const ROOT = path.resolve(new URL("../..", import.meta.url).pathname);
const CLI = path.join(ROOT, "bin", "mqtt-pki.js");
const FLEET = Number(process.env.MQTT_PKI_FLEET_CLIENTS ?? 10_000);
const NOW = "2031-03-04T05:06:07Z";
const SKI = "2.5.29.14";
const AKI = "2.5.29.35";
const dirs: string[] = [];

async function workDir(prefix: string): Promise<string> {
  const dir = await makeWorkDir(`mqtt-pki-e2e-${prefix}-`);
  dirs.push(dir);
  return dir;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const base = { ...process.env };
  delete base.NODE_OPTIONS;
  return run(process.execPath, [CLI, ...args], { env: { ...base, ...env }, timeoutMs: 280_000 });
}

const names = (count: number) => Array.from({ length: count }, (_, i) => `dev-${String(i).padStart(5, "0")}`);

afterAll(async () => {
  for (const dir of dirs) await removeWorkDir(dir);
});

test(`${FLEET} clients from the CLI: serials unique in the ledger and the certificates, openssl verifies every one, verify passes`, async () => {
  const spec = await writeSpec(await workDir("fleet"), { clients: names(FLEET) });
  const built = await cli(["build", "-f", spec.specFile]);
  expect(built.stderr).toBe("");
  expect(built.code).toBe(0);

  const ledger = JSON.parse(await readFile(spec.layout.state, "utf8")) as {
    certificates: { role: string; name: string; serial: string; status: string }[];
  };
  const clients = ledger.certificates.filter((record) => record.role === "client" && record.status === "active");
  expect(clients).toHaveLength(FLEET);
  const allSerials = ledger.certificates.map((record) => record.serial);
  expect(new Set(allSerials).size).toBe(allSerials.length);

  const fromCerts = new Map<string, string>();
  for (const name of names(FLEET)) {
    const cert = new X509Certificate(await readFile(spec.layout.clientCert(name)));
    expect(cert.subject).toBe(`CN=${name}`);
    fromCerts.set(cert.serialNumber.toLowerCase(), name);
  }
  expect(fromCerts.size).toBe(FLEET);
  for (const record of clients) expect(fromCerts.get(record.serial)).toBe(record.name);

  // openssl takes many certificates per call: 500 at a time.
  const files = names(FLEET).map((name) => spec.layout.clientCert(name));
  for (let at = 0; at < files.length; at += 500) {
    const chunk = files.slice(at, at + 500);
    const verified = await run("openssl", [
      "verify",
      "-x509_strict",
      "-CAfile",
      spec.layout.caCert,
      "-purpose",
      "sslclient",
      ...chunk,
    ]);
    expect(verified.code).toBe(0);
    expect(verified.stdout.split("\n").filter((line) => line.endsWith(": OK"))).toHaveLength(chunk.length);
  }

  const verified = await cli(["verify", "--json", "-f", spec.specFile]);
  expect(JSON.parse(verified.stdout).ok).toBe(true);

  // Rebuilds compare the stamps in a background thread while the spec is read: nothing to do...
  const noop = await cli(["build", "--json", "-f", spec.specFile]);
  expect(JSON.parse(noop.stdout).written).toEqual([]);
  // ...then one device added and one script edited in place: exactly those are written.
  const edited = spec.layout.clientCommands(names(FLEET)[FLEET - 1]);
  await writeFile(edited, "echo tampered\n");
  await writeFile(spec.specFile, `${await readFile(spec.specFile, "utf8")}  - name: one-more\n`);
  const added = await cli(["build", "--json", "-f", spec.specFile]);
  expect(added.stderr).toBe("");
  const written = (JSON.parse(added.stdout).written as string[]).filter(
    (file) => !file.startsWith(spec.layout.clientDir("one-more") + path.sep),
  );
  expect(written.sort()).toEqual([edited, spec.layout.state].sort());
  expect(await readFile(edited, "utf8")).not.toBe("echo tampered\n");
  expect((await stat(spec.layout.clientCert("one-more"))).isFile()).toBe(true);
}, 300_000);

test("verify in shards on worker threads reports exactly what one thread reports, including a CN clash across shards", async () => {
  const spec = await writeSpec(await workDir("shards"), { clients: names(2400) });
  const built = await cli(["build", "-f", spec.specFile]);
  expect(built.code).toBe(0);
  // dev-02000 (second shard) gets dev-00005's certificate (first shard); dev-01500's commands.sh a wrong port.
  await writeFile(spec.layout.clientCert("dev-02000"), await readFile(spec.layout.clientCert("dev-00005")));
  const commands = spec.layout.clientCommands("dev-01500");
  await writeFile(commands, (await readFile(commands, "utf8")).replace(`-p ${spec.mqttPort} `, "-p 1 "));

  const oneThread = await cli(["verify", "--json", "-f", spec.specFile], { MQTT_PKI_WORKERS: "1" });
  const shards = await cli(["verify", "--json", "-f", spec.specFile], { MQTT_PKI_WORKERS: "2" });
  expect(oneThread.code).toBe(1);
  expect(shards.code).toBe(1);
  const fails = (stdout: string) =>
    (JSON.parse(stdout) as { checks: { status: string; subject: string; message: string }[] }).checks
      .filter((c) => c.status === "fail")
      .map((c) => `${c.subject}: ${c.message}`);
  expect(fails(shards.stdout)).toEqual(
    expect.arrayContaining([
      'client dev-02000: CN "dev-00005" is also the CN of client dev-00005',
      expect.stringMatching(/^client dev-01500 \(commands\.sh:\d+\): /),
    ]),
  );
  expect(shards.stdout).toBe(oneThread.stdout);
}, 120_000);

/** Every file under `root` with its mode and, for text that is not key material, its content with `dir` masked. */
async function treeShape(spec: WrittenSpec): Promise<Map<string, string>> {
  const shape = new Map<string, string>();
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      // The staging folder of in-place builds (empty between runs) is not part of the output.
      if (dir === spec.out && entry.name === TEMP_DIR) continue;
      const file = path.join(dir, entry.name);
      const relative = path.relative(spec.out, file);
      const mode = ((await stat(file)).mode & 0o7777).toString(8);
      if (entry.isDirectory()) {
        shape.set(`${relative}/`, mode);
        await walk(file);
      } else if (/\.(crt|key|pem)$/.test(entry.name) || entry.name === "state.json") {
        shape.set(relative, mode);
      } else {
        shape.set(relative, `${mode}\n${(await readFile(file, "utf8")).split(spec.dir).join("<dir>")}`);
      }
    }
  };
  await walk(spec.out);
  return shape;
}

/** What a certificate says apart from what must differ (serial, keys, key identifiers, signature). */
function certificateShape(pem: string): unknown {
  const cert = new x509.X509Certificate(pem);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    signature: cert.signatureAlgorithm,
    key: cert.publicKey.algorithm,
    serialBytes: cert.serialNumber.length,
    extensions: cert.extensions.map((ext) => [
      ext.type,
      ext.critical,
      ext.type === SKI || ext.type === AKI ? ext.value.byteLength : Buffer.from(ext.value).toString("hex"),
    ]),
  };
}

test("a fleet built in one go (worker threads) equals the same devices added one build at a time", async () => {
  const count = 60;
  const bulk = await writeSpec(await workDir("bulk"), { clients: names(count) });
  const built = await cli(["build", "-f", bulk.specFile, "--issue-in-the-future"], { MQTT_PKI_NOW: NOW });
  expect(built.code).toBe(0);

  const single = await writeSpec(await workDir("one-by-one"), {
    clients: names(1),
    mqttPort: bulk.mqttPort,
    wsPort: bulk.wsPort,
  });
  for (let k = 1; k <= count; k++) {
    await writeSpec(single.dir, { clients: names(k), mqttPort: bulk.mqttPort, wsPort: bulk.wsPort });
    const result = await build({ specFile: single.specFile, now: NOW, issueInTheFuture: true });
    expect(result.plan.clients.filter((entry) => entry.action === "create").map((entry) => entry.name)).toEqual([
      names(k)[k - 1],
    ]);
  }

  const [bulkShape, singleShape] = [await treeShape(bulk), await treeShape(single)];
  expect([...singleShape.keys()].sort()).toEqual([...bulkShape.keys()].sort());
  for (const [file, shape] of bulkShape) expect({ file, shape: singleShape.get(file) }).toEqual({ file, shape });

  for (const name of names(count)) {
    const [a, b] = await Promise.all([
      readFile(bulk.layout.clientCert(name), "utf8"),
      readFile(single.layout.clientCert(name), "utf8"),
    ]);
    expect(certificateShape(b)).toEqual(certificateShape(a));
    const [keyA, keyB] = await Promise.all([
      readFile(bulk.layout.clientKey(name), "utf8"),
      readFile(single.layout.clientKey(name), "utf8"),
    ]);
    expect(keyA.split("\n")[0]).toBe(keyB.split("\n")[0]);
    expect(keyA.length).toBe(keyB.length);
  }
}, 300_000);
