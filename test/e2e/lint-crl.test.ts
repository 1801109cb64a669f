/**
 * `lint` on crlfiles, against the real thing: a CRL from `openssl ca` that has expired, with a
 * real mosquitto 2.0.11 refusing a valid client certificate until the CRL is fresh and the
 * broker got SIGHUP; and a tree this project built with a revoked client, linted a year ahead.
 * (Beside lint.test.ts, which would pass 300 lines with these cases.)
 */
import { main } from "../../src/cli.js";
import { chmod, chown, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { lint } from "../../src/api/lint.js";
import { lookupGroupId } from "../../src/io/accounts.js";
import { freePort, makeWorkDir, removeWorkDir, requireMosquitto, run, startBroker, stopAll } from "./helpers/index.js";
import { buildTree, captureOutput, waitFor, writeSpec } from "./helpers/specs.js";

let work: string;
let pki: string;

async function sh(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args, { cwd: pki });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
}

async function newLeaf(name: string, ext: string): Promise<void> {
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
    `/CN=${name}`,
  ]);
  await sh("openssl", [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "397",
    "-extfile",
    ext,
    "-out",
    `${name}.crt`,
  ]);
}

/** A CRL of ca.crt from `openssl ca -gencrl`, dated by `dates`. */
async function gencrl(out: string, dates: string[]): Promise<void> {
  await sh("openssl", [
    "ca",
    "-gencrl",
    "-config",
    "ca.cnf",
    "-cert",
    "ca.crt",
    "-keyfile",
    "ca.key",
    ...dates,
    "-out",
    out,
  ]);
}

beforeAll(async () => {
  requireMosquitto();
  work = await makeWorkDir("mqtt-pki-e2e-lint-crl-");
  pki = path.join(work, "pki");
  await mkdir(pki);
  await writeFile(
    path.join(pki, "server.ext"),
    "basicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1\n",
  );
  await writeFile(path.join(pki, "client.ext"), "basicConstraints = CA:FALSE\nextendedKeyUsage = clientAuth\n");
  await writeFile(path.join(pki, "index.txt"), "");
  await writeFile(
    path.join(pki, "ca.cnf"),
    `[ca]\ndefault_ca = lint\n[lint]\ndatabase = ${pki}/index.txt\ndefault_md = sha256\n`,
  );
  await sh("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-subj",
    "/CN=Lint CRL CA",
    "-days",
    "3650",
  ]);
  await newLeaf("server", "server.ext");
  await newLeaf("sensor-1", "client.ext");
  const group = lookupGroupId("mosquitto");
  if (group === undefined) throw new Error("group mosquitto is missing: the mosquitto package creates it");
  await chown(path.join(pki, "server.key"), 0, group);
  await chmod(path.join(pki, "server.key"), 0o640);
});

afterAll(async () => {
  await stopAll();
  if (work) await removeWorkDir(work);
});

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const output = captureOutput();
  const code = await main(argv, output);
  return { code, out: output.stdout() };
}

/** A TLS 1.2 handshake with sensor-1's client certificate (valid, issued by the CA): what the client sees. */
async function connectAsSensor(port: number): Promise<string> {
  const r = await run(
    "openssl",
    [
      "s_client",
      "-connect",
      `127.0.0.1:${port}`,
      "-tls1_2",
      "-CAfile",
      "ca.crt",
      "-cert",
      "sensor-1.crt",
      "-key",
      "sensor-1.key",
    ],
    { cwd: pki, input: "" },
  );
  return `${r.stdout}\n${r.stderr}`;
}

test("an expired CRL: lint errors at crlfile; mosquitto refuses a valid client (alert 45) until a fresh CRL and SIGHUP", async () => {
  const port = await freePort();
  const crl = path.join(pki, "crl.pem");
  const conf = path.join(work, "mosquitto.conf");
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      `cafile ${pki}/ca.crt`,
      `certfile ${pki}/server.crt`,
      `keyfile ${pki}/server.key`,
      "require_certificate true",
      `crlfile ${crl}`,
      "",
    ].join("\n"),
  );
  await gencrl(crl, ["-crl_lastupdate", "20200101000000Z", "-crl_nextupdate", "20200201000000Z"]);
  const report = await lint({ confFile: conf });
  expect(report.findings.map((f) => `${f.line} ${f.severity}: ${f.message}`)).toEqual([
    expect.stringMatching(
      /^6 error: the CRL of "Lint CRL CA" in crlfile .*crl\.pem expired on 2020-02-01 \(nextUpdate\): .*TLS alert certificate_expired \(45\)/,
    ),
  ]);

  const broker = await startBroker(conf);
  expect(await connectAsSensor(port)).toMatch(/alert certificate expired[\s\S]*SSL alert number 45/);
  expect(broker.logs()).toContain("certificate verify failed");

  await gencrl(crl, ["-crldays", "30"]);
  expect((await lint({ confFile: conf })).findings).toEqual([]);
  process.kill(broker.pid, "SIGHUP");
  await waitFor(() => broker.logs().includes("Reloading config"), 5000, broker.logs);
  expect(await connectAsSensor(port)).toMatch(/Verification: OK/);
  await broker.stop();
});

test("a tree this project built, a client revoked: lints clean now; with --now a year ahead its CRL has expired", async () => {
  const dir = path.join(work, "revoked");
  await mkdir(dir);
  const spec = await writeSpec(dir, { clients: ["alice", "bob"] });
  await buildTree(spec);
  expect((await cli("revoke", "alice", "-f", spec.specFile)).code).toBe(0);
  const conf = spec.layout.mosquittoConf;
  const crlLines = (await readFile(conf, "utf8"))
    .split("\n")
    .flatMap((line, i) => (line.startsWith("crlfile ") ? [i + 1] : []));
  expect(crlLines).toHaveLength(2); // the MQTT listener's and the websockets listener's (a SIGHUP loads it there too)

  expect((await cli("lint", conf)).out).toBe(`${conf}: no problems found.`);
  const later = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString();
  const r = await cli("lint", conf, "--now", later);
  expect(r.code).toBe(1);
  expect(r.out.split("\n").filter((line) => / error: the CRL of /.test(line))).toEqual(
    crlLines.map((line) =>
      expect.stringMatching(
        new RegExp(
          `^${conf}:${line}: error: the CRL of "E2E Root CA" in crlfile .* expired on .*mqtt-pki crl -f pki\\.yaml.*kill -HUP <pid>`,
        ),
      ),
    ),
  );
});
