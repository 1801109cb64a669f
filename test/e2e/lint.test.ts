/**
 * `lint` on hand-made mosquitto setups, broken on disk for real: certificates from the openssl
 * CLI (not this project's code), keys with real modes and owners, include_dir folders. Each case
 * asserts the finding's file:line and message; where mosquitto itself refuses the conf, a real
 * mosquitto 2.0.11 is started on it (as root, dropping to user mosquitto, as in production) to
 * show that lint names what mosquitto then does. A conf built by this project lints clean and
 * starts.
 */
import { main } from "../../src/cli.js";
import { chmod, chown, copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { lint, type LintReport } from "../../src/api/lint.js";
import { lookupGroupId } from "../../src/io/accounts.js";
import type { Finding } from "../../src/lint/findings.js";
import { freePort, makeWorkDir, removeWorkDir, requireMosquitto, run, startBroker, stopAll } from "./helpers/index.js";
import { buildTree, captureOutput, writeSpec } from "./helpers/specs.js";

let work: string;
/** Certificates and keys every case points at; the server key is 0640 root:mosquitto like a working install. */
let pki: string;

async function sh(cmd: string, args: string[], cwd = pki): Promise<void> {
  const r = await run(cmd, args, { cwd });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
}

const LEAF_EXT =
  "basicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1\n";
const CLIENT_EXT = "basicConstraints = CA:FALSE\nextendedKeyUsage = clientAuth\n";

async function newCa(name: string, cn: string): Promise<void> {
  await sh("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-subj",
    `/CN=${cn}`,
    "-days",
    "3650",
  ]);
}

/** A key + CSR, then a certificate from `ca` valid for `days`. */
async function newLeaf(name: string, cn: string, ca: string, days: number, ext = "leaf.ext"): Promise<void> {
  await sh("openssl", [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${cn}`,
  ]);
  await sh("openssl", [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-days",
    String(days),
    "-extfile",
    ext,
    "-out",
    `${name}.crt`,
  ]);
}

/** OpenSSL 3.0's x509 has no -not_before/-not_after; `openssl ca` takes explicit dates. */
async function expiredLeaf(): Promise<void> {
  const db = path.join(pki, "ca-db");
  await mkdir(db);
  await writeFile(path.join(db, "index.txt"), "");
  await writeFile(path.join(db, "serial"), "1000\n");
  await writeFile(
    path.join(db, "ca.cnf"),
    [
      "[ca]",
      "default_ca = lint",
      "[lint]",
      `database = ${db}/index.txt`,
      `new_certs_dir = ${db}`,
      `serial = ${db}/serial`,
      "default_md = sha256",
      "policy = any",
      "unique_subject = no",
      "[any]",
      "commonName = supplied",
      "[server]",
      "basicConstraints = CA:FALSE",
      "extendedKeyUsage = serverAuth",
      "subjectAltName = DNS:localhost",
    ].join("\n"),
  );
  await sh("openssl", [
    "ca",
    "-batch",
    "-config",
    `${db}/ca.cnf`,
    "-cert",
    "ca.crt",
    "-keyfile",
    "ca.key",
    "-in",
    "server.csr",
    "-out",
    "expired.crt",
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20210101000000Z",
    "-extensions",
    "server",
    "-notext",
  ]);
}

beforeAll(async () => {
  requireMosquitto();
  work = await makeWorkDir("mqtt-pki-e2e-lint-");
  pki = path.join(work, "pki");
  await mkdir(pki);
  await writeFile(path.join(pki, "leaf.ext"), LEAF_EXT);
  await writeFile(path.join(pki, "client.ext"), CLIENT_EXT);
  await newCa("ca", "Lint E2E CA");
  await newCa("foreign-ca", "Lint Foreign CA");
  await newCa("clash-ca", "localhost");
  await newLeaf("server", "localhost", "ca", 397);
  await newLeaf("foreign-server", "localhost", "foreign-ca", 397);
  await newLeaf("clash-server", "localhost", "clash-ca", 397);
  await newLeaf("soon", "localhost", "ca", 10);
  await newLeaf("other", "other.localhost", "ca", 397);
  await newLeaf("sensor-1", "sensor-1", "ca", 397, "client.ext");
  await expiredLeaf();
  // Like a working install: the broker's keys readable by group mosquitto, nobody else.
  const group = lookupGroupId("mosquitto");
  if (group === undefined) throw new Error("group mosquitto is missing: the mosquitto package creates it");
  for (const key of ["server", "foreign-server", "clash-server", "soon", "other"]) {
    await chown(path.join(pki, `${key}.key`), 0, group);
    await chmod(path.join(pki, `${key}.key`), 0o640);
  }
});

afterAll(async () => {
  await stopAll();
  if (work) await removeWorkDir(work);
});

/** Writes <work>/<name>/mosquitto.conf from lines (`$PKI` stands for the shared pki folder) and returns its path. */
async function confCase(name: string, lines: string[], extraFiles: Record<string, string> = {}): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(extraFiles)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text.replaceAll("$PKI", pki).replaceAll("$DIR", dir));
  }
  const conf = path.join(dir, "mosquitto.conf");
  await writeFile(conf, `${lines.join("\n").replaceAll("$PKI", pki).replaceAll("$DIR", dir)}\n`);
  return conf;
}

/** A TLS listener on `port` with the given files (names inside the pki folder). */
function tlsListener(port: number, files: { ca?: string; cert?: string; key?: string } = {}): string[] {
  return [
    `listener ${port} 127.0.0.1`,
    `cafile $PKI/${files.ca ?? "ca.crt"}`,
    `certfile $PKI/${files.cert ?? "server.crt"}`,
    `keyfile ${files.key?.startsWith("/") ? files.key : `$PKI/${files.key ?? "server.key"}`}`,
  ];
}

function describeFindings(report: LintReport): string[] {
  return report.findings.map((f) => `${path.relative(work, f.file)}:${f.line} ${f.severity}: ${f.message}`);
}

/** The one finding at file:line with this severity whose message matches. */
function expectFinding(
  report: LintReport,
  file: string,
  line: number,
  severity: Finding["severity"],
  message: RegExp,
): Finding {
  const found = report.findings.filter(
    (f) => f.file === file && f.line === line && f.severity === severity && message.test(f.message),
  );
  expect(found.length === 1 ? "found once" : describeFindings(report)).toBe("found once");
  return found[0];
}

/** The lint command through yargs and the CLI's error reporting, wired the way main() wires every command. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const output = captureOutput();
  const code = await main(argv, output);
  return { code, out: output.stdout(), err: output.stderr() };
}

describe("certificates and keys", () => {
  test("CA and server share a CN", async () => {
    const conf = await confCase(
      "clash",
      tlsListener(8883, { ca: "clash-ca.crt", cert: "clash-server.crt", key: "clash-server.key" }),
    );
    expectFinding(
      await lint({ confFile: conf }),
      conf,
      3,
      "error",
      /server certificate .*clash-server.crt \(CN "localhost"\) has the same CN as its CA/,
    );
  });

  test("server certificate from a foreign CA", async () => {
    const conf = await confCase(
      "foreign",
      tlsListener(8883, { cert: "foreign-server.crt", key: "foreign-server.key" }),
    );
    expectFinding(
      await lint({ confFile: conf }),
      conf,
      3,
      "error",
      /was not issued by cafile .*ca.crt \("Lint E2E CA"\) but by "Lint Foreign CA"/,
    );
  });

  test("expired and soon-expiring server certificates", async () => {
    const expired = await confCase("expired", tlsListener(8883, { cert: "expired.crt" }));
    expectFinding(
      await lint({ confFile: expired }),
      expired,
      3,
      "error",
      /expired\.crt \(CN "localhost"\) expired on 2021-01-01/,
    );
    const soon = await confCase("soon", tlsListener(8883, { cert: "soon.crt", key: "soon.key" }));
    const report = await lint({ confFile: soon });
    expectFinding(report, soon, 3, "warning", /soon\.crt \(CN "localhost"\) expires in (9|10) days/);
    expect(report.ok).toBe(true);
  });

  test("--now moves the clock: the CA is past its end in 11 years", async () => {
    const conf = await confCase("future", [...tlsListener(8883), "require_certificate true"]);
    const later = new Date(Date.now() + 11 * 365 * 24 * 3600 * 1000).toISOString();
    const report = await lint({ confFile: conf, now: later });
    expectFinding(report, conf, 2, "error", /CA certificate "Lint E2E CA" in .*ca.crt expired on/);
  });
});

describe("files and permissions", () => {
  test("a key readable by every user", async () => {
    const dir = path.join(work, "world-readable");
    await mkdir(dir);
    await copyFile(path.join(pki, "server.key"), path.join(dir, "server.key"));
    await chmod(path.join(dir, "server.key"), 0o644);
    const conf = await confCase("world-readable", tlsListener(8883, { key: path.join(dir, "server.key") }));
    expectFinding(
      await lint({ confFile: conf }),
      conf,
      4,
      "error",
      /keyfile .* is readable by every user on this machine \(mode 644\)/,
    );
  });

  test("cafile pointing at a folder", async () => {
    const conf = await confCase("cafile-dir", [...tlsListener(8883, { ca: "ca-db" })]);
    const found = expectFinding(
      await lint({ confFile: conf }),
      conf,
      2,
      "error",
      /cafile .*ca-db is a folder, not a file: mosquitto exits with "Unable to load CA certificates"/,
    );
    expect(found.fix).toContain("capath");
  });

  test("include_dir: its *.conf files in sorted order, findings at their own file:line", async () => {
    const conf = await confCase("include", ["allow_anonymous false", "include_dir $DIR/conf.d", ...tlsListener(8883)], {
      "conf.d/20-clients.conf": "# require client certificates on the listener above\nrequire_certificate true\n",
      "conf.d/10-ws.conf":
        "listener 8884 127.0.0.1\nprotocol websockets\ncafile $PKI/ca.crt\ncertfile $PKI/server.crt\nkeyfile $PKI/missing.key\n",
      "conf.d/README": "not loaded: mosquitto reads only *.conf\n",
    });
    const report = await lint({ confFile: conf });
    const ws = path.join(work, "include/conf.d/10-ws.conf");
    const clients = path.join(work, "include/conf.d/20-clients.conf");
    expectFinding(
      report,
      ws,
      5,
      "error",
      /keyfile .*missing.key does not exist: mosquitto exits with "Unable to load server key file"/,
    );
    expectFinding(
      report,
      clients,
      2,
      "warning",
      /require_certificate comes before any `listener` line of this file, and every conf file starts outside a listener block/,
    );
    expect([...new Set(report.findings.map((f) => f.file))]).toEqual([ws, clients]);
  });
});

describe("lint names what the real mosquitto then does", () => {
  test('a root-owned 0600 server key: "Unable to load server key file" once mosquitto drops to user mosquitto', async () => {
    const dir = path.join(work, "root-key");
    await mkdir(dir);
    const key = path.join(dir, "server.key");
    await copyFile(path.join(pki, "server.key"), key);
    await chown(key, 0, 0);
    await chmod(key, 0o600);
    const port = await freePort();
    const conf = await confCase("root-key", tlsListener(port, { key }));
    expectFinding(
      await lint({ confFile: conf }),
      conf,
      4,
      "error",
      new RegExp(
        `^the broker's user mosquitto cannot read ${key} \\(mode 600, group 0\\): mosquitto drops to mosquitto after start, then exits with "Unable to load server key file"$`,
      ),
    );
    await expect(startBroker(conf)).rejects.toThrow(
      new RegExp(`Unable to load server key file "${key}"[\\s\\S]*Permission denied`),
    );
  });

  test('every listener websockets: mosquitto 2.0.11 exits "Unable to start any listening sockets"', async () => {
    const port = await freePort();
    const conf = await confCase("ws-only", [
      ...tlsListener(port).slice(0, 1),
      "protocol websockets",
      ...tlsListener(port).slice(1),
    ]);
    expectFinding(
      await lint({ confFile: conf }),
      conf,
      1,
      "error",
      /every listener is websockets: mosquitto 2\.0\.11 exits with "Unable to start any listening sockets"/,
    );
    await expect(startBroker(conf)).rejects.toThrow(/Unable to start any listening sockets/);
  });

  test("a tls_version mosquitto does not know", async () => {
    const port = await freePort();
    const conf = await confCase("tls-version", [...tlsListener(port), "tls_version TLSv1.2"]);
    const found = expectFinding(
      await lint({ confFile: conf }),
      conf,
      5,
      "error",
      /tls_version TLSv1\.2 is not a value mosquitto knows: it exits with "Unsupported tls_version \\"TLSv1\.2\\""/,
    );
    expect(found.fix).toContain("tls_version tlsv1.2");
    await expect(startBroker(conf)).rejects.toThrow(/Unsupported tls_version "TLSv1\.2"/);
  });

  test("a key that does not match the certificate", async () => {
    const port = await freePort();
    const conf = await confCase("mismatch", tlsListener(port, { key: "other.key" }));
    expectFinding(
      await lint({ confFile: conf }),
      conf,
      4,
      "error",
      /keyfile .*other\.key does not match certfile .*server\.crt: mosquitto exits with "Unable to load server key file" \(key values mismatch\)/,
    );
    await expect(startBroker(conf)).rejects.toThrow(/Unable to load server key file[\s\S]*key values mismatch/);
  });

  test("a conf this project built lints clean (exit 0) and mosquitto runs it", async () => {
    const dir = path.join(work, "built");
    await mkdir(dir);
    const spec = await writeSpec(dir);
    await buildTree(spec);
    const r = await cli("lint", spec.layout.mosquittoConf);
    expect(r.out).toBe(`${spec.layout.mosquittoConf}: no problems found.`);
    expect(r.code).toBe(0);
    const broker = await startBroker(spec.layout.mosquittoConf);
    await broker.stop();
  });
});

describe("the command", () => {
  test("prints file:line: severity: message — fix, then a count; exit 1 on errors", async () => {
    const conf = await confCase("cli", [
      ...tlsListener(8883, { key: "other.key" }),
      "require_certificate true",
      "use_identity_as_username true",
    ]);
    const r = await cli("lint", conf);
    expect(r.code).toBe(1);
    const lines = r.out.split("\n");
    expect(lines).toContain(
      `${conf}:4: error: keyfile ${pki}/other.key does not match certfile ${pki}/server.crt: mosquitto exits with "Unable to load server key file" (key values mismatch) — point keyfile at the key the certificate was issued for, or issue a certificate for this key`,
    );
    expect(lines.at(-1)).toBe(`${conf}: 1 error, 0 warnings.`);
  });

  test("client certificates from the cafile's CA are looked for near the conf and the CA", async () => {
    const conf = await confCase("clients", [
      ...tlsListener(8883),
      "require_certificate true",
      "use_identity_as_username true",
    ]);
    expect((await lint({ confFile: conf })).findings).toEqual([]); // pki/sensor-1.crt sits next to the CA
    const elsewhere = await confCase("clients-foreign", [
      ...tlsListener(8883, { ca: "foreign-ca.crt", cert: "foreign-server.crt", key: "foreign-server.key" }),
      "require_certificate true",
      "use_identity_as_username true",
    ]);
    expectFinding(
      await lint({ confFile: elsewhere }),
      elsewhere,
      6,
      "warning",
      /no client certificate issued by "Lint Foreign CA" was found in .* \(the 1 seen were issued by "Lint E2E CA"\)/,
    );
  });

  test("--json: {ok, findings:[{file, line, severity, message, fix}]}", async () => {
    const conf = await confCase("json", tlsListener(8883, { cert: "soon.crt", key: "soon.key" }));
    const r = await cli("lint", conf, "--json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as LintReport;
    expect(report.ok).toBe(true);
    expect(report.findings).toEqual([
      {
        file: conf,
        line: 3,
        severity: "warning",
        message: expect.stringMatching(/expires in/),
        fix: expect.any(String),
      },
    ]);
  });

  test("a conf that cannot be read: exit 2, no stack", async () => {
    const missing = path.join(work, "nowhere", "mosquitto.conf");
    const r = await cli("lint", missing);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`mqtt-pki: cannot read ${missing} (ENOENT)`);
    expect(r.err).not.toMatch(/\n\s+at /);
    const json = await cli("lint", work, "--json");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({
      ok: false,
      error: { problems: [{ message: `${work} is a folder, not a mosquitto conf file` }] },
    });
  });
});
