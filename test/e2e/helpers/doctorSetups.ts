/**
 * Deliberately broken setups for the doctor e2e suite, each made for real:
 *
 * - a tree built through the API with a pinned past `now` (3 days ago): servers `broker`
 *   (mqtts + wss, SAN DNS:localhost only), `strict` (tls_version tlsv1.3), `lax`
 *   (require_certificate false) and `stale` (a 1-day certificate, so it has expired); clients
 *   `alice` (good), `bob` (revoked through the API, so mosquitto.conf gets crlfile) and `carol`
 *   (a 1-day certificate, expired);
 * - a foreign tree (another CA, never served) for wrong-CA cases;
 * - a hand-written mosquitto.conf with what mqtt-pki refuses to make: a CA and server sharing
 *   a CN (made with the openssl CLI, without key identifiers, as old tutorials do), a plain
 *   MQTT listener without TLS, and a listener with use_identity_as_username false.
 *
 * Every listener binds 127.0.0.1 on a free port; no config says `user root`.
 */
import { main } from "../../../src/cli.js";
import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "../../../src/api/build.js";
import { revoke } from "../../../src/api/revoke.js";
import { lookupGroupId } from "../../../src/io/accounts.js";
import { treeLayout, type TreeLayout } from "../../../src/tree/layout.js";
import { freePort } from "./ports.js";
import { run } from "./processes.js";
import { captureOutput } from "./specs.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface DoctorTree {
  specFile: string;
  layout: TreeLayout;
  ports: { mqtts: number; wss: number; strict: number; lax: number; stale: number };
}

export async function buildDoctorTree(dir: string): Promise<DoctorTree> {
  const ports = {
    mqtts: await freePort(),
    wss: await freePort(),
    strict: await freePort(),
    lax: await freePort(),
    stale: await freePort(),
  };
  if (new Set(Object.values(ports)).size !== 5)
    throw new Error(`freePort handed out a port twice: ${JSON.stringify(ports)}`);
  const server = (name: string, lines: string[], listeners: string[]) => [
    `  - name: ${name}`,
    `    cn: ${name}.doctor.test`,
    "    dns: [localhost]",
    "    host: localhost",
    ...lines.map((line) => `    ${line}`),
    "    listeners:",
    ...listeners,
  ];
  const mqttListener = (port: number) => [`      - port: ${port}`, "        bind: 127.0.0.1"];
  const yaml = [
    "version: 1",
    "out: ./pki",
    "ca:",
    "  cn: Doctor Root CA",
    "servers:",
    ...server(
      "broker",
      [],
      [
        ...mqttListener(ports.mqtts),
        `      - port: ${ports.wss}`,
        "        protocol: websockets",
        "        bind: 127.0.0.1",
      ],
    ),
    ...server("strict", ["ip: [127.0.0.1]", "tlsVersion: tlsv1.3"], mqttListener(ports.strict)),
    ...server("lax", ["ip: [127.0.0.1]", "requireCertificate: false"], mqttListener(ports.lax)),
    ...server("stale", ["ip: [127.0.0.1]", "days: 1"], mqttListener(ports.stale)),
    "clients:",
    "  - name: alice",
    "  - name: bob",
    "  - name: carol",
    "    days: 1",
  ].join("\n");
  const specFile = path.join(dir, "pki.yaml");
  await writeFile(specFile, `${yaml}\n`, { mode: 0o644 });
  // Issued three days ago: the 1-day certificates (stale, carol) have run out since.
  const then = new Date(Date.now() - 3 * DAY_MS);
  await build({ specFile, now: then });
  await revoke({ specFile, now: then, name: "bob", reason: "keyCompromise" });
  return { specFile, layout: treeLayout(path.join(dir, "pki")), ports };
}

/** Another CA with a client `alice`: same names, different trust. Never served. */
export async function buildForeignTree(dir: string): Promise<TreeLayout> {
  const specFile = path.join(dir, "pki.yaml");
  const port = await freePort();
  await writeFile(
    specFile,
    [
      "version: 1",
      "out: ./pki",
      "ca:",
      "  cn: Foreign Root CA",
      "servers:",
      "  - name: broker",
      "    dns: [localhost]",
      "    listeners:",
      `      - port: ${port}`,
      "clients:",
      "  - name: alice",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  await build({ specFile });
  return treeLayout(path.join(dir, "pki"));
}

export interface HandMadeBroker {
  confPath: string;
  /** CA file of the CN-clash pair. */
  clashCa: string;
  clashCn: string;
  ports: { clash: number; plain: number; noIdentity: number };
}

async function openssl(args: string[]): Promise<void> {
  const result = await run("openssl", args);
  if (result.code !== 0) throw new Error(`openssl ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
}

/** A broker key the way the build leaves it: group of the broker's account, 0640. */
async function brokerReadable(keyFile: string): Promise<void> {
  const gid = lookupGroupId("mosquitto");
  if (gid !== undefined) await chown(keyFile, 0, gid);
  await chmod(keyFile, gid === undefined ? 0o600 : 0o640);
}

/**
 * A CA and a server certificate sharing the CN, issued the way many tutorials do it: the
 * server certificate carries no key identifiers, so OpenSSL sees subject == issuer and takes
 * it for self-signed (with identifiers, OpenSSL 3 would still build the chain).
 */
export async function makeClashPair(dir: string, cn: string): Promise<{ ca: string; cert: string; key: string }> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  const file = (name: string) => path.join(dir, name);
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.crt"),
    "-subj",
    `/CN=${cn}`,
    "-days",
    "30",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await openssl([
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    file("server.key"),
    "-out",
    file("server.csr"),
    "-subj",
    `/CN=${cn}`,
  ]);
  await writeFile(
    file("ext.cnf"),
    [
      "basicConstraints=critical,CA:FALSE",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "extendedKeyUsage=serverAuth",
      "subjectKeyIdentifier=none",
      "authorityKeyIdentifier=none",
      "",
    ].join("\n"),
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    file("server.csr"),
    "-CA",
    file("ca.crt"),
    "-CAkey",
    file("ca.key"),
    "-set_serial",
    "4242",
    "-out",
    file("server.crt"),
    "-days",
    "30",
    "-extfile",
    file("ext.cnf"),
  ]);
  await chmod(file("ca.crt"), 0o644);
  await chmod(file("server.crt"), 0o644);
  await brokerReadable(file("server.key"));
  return { ca: file("ca.crt"), cert: file("server.crt"), key: file("server.key") };
}

export async function writeHandMadeBroker(dir: string, tree: DoctorTree): Promise<HandMadeBroker> {
  const clashCn = "clash.doctor.test";
  const clash = await makeClashPair(path.join(dir, "clash"), clashCn);
  const ports = { clash: await freePort(), plain: await freePort(), noIdentity: await freePort() };
  const conf = [
    "allow_anonymous false",
    "",
    "# CA and server share a CN",
    `listener ${ports.clash} 127.0.0.1`,
    `cafile ${clash.ca}`,
    `certfile ${clash.cert}`,
    `keyfile ${clash.key}`,
    "require_certificate false",
    "",
    "# plain MQTT, no TLS",
    `listener ${ports.plain} 127.0.0.1`,
    "protocol mqtt",
    "",
    "# certificates required, but the CN does not become the username",
    `listener ${ports.noIdentity} 127.0.0.1`,
    `cafile ${tree.layout.caCert}`,
    `certfile ${tree.layout.serverCert("broker")}`,
    `keyfile ${tree.layout.serverKey("broker")}`,
    "require_certificate true",
    "use_identity_as_username false",
    "",
  ].join("\n");
  const confPath = path.join(dir, "hand-made.conf");
  await writeFile(confPath, conf, { mode: 0o644 });
  return { confPath, clashCa: clash.ca, clashCn, ports };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `mqtt-pki doctor …` the way src/cli.ts runs every command (same global options, same
 * error reporting), until the command is registered there; then main() can replace this.
 */
export async function runDoctorCli(argv: string[]): Promise<CliRun> {
  const output = captureOutput();
  const code = await main(argv, output);
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}
