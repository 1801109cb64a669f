#!/usr/bin/env node
// Fleet-scale benchmark: this tool against the openssl-CLI loop, the peers from Debian's
// packages (mkcert, cfssl, easy-rsa: skipped, and said so, when absent) and the node:crypto
// floor, measured side by side in one run. N defaults to 10,000 (BENCH_N to change it, e.g.
// 200 for a smoke run); BENCH_OPENSSL_N, BENCH_PEER_N and BENCH_RSA_N size the slow loops.
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
  readFileSync,
  chmodSync,
  appendFileSync,
  readdirSync,
  statSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "bin", "mqtt-pki.js");
const N = Number(process.env.BENCH_N ?? 10000);
const OPENSSL_N = Number(process.env.BENCH_OPENSSL_N ?? Math.min(50, N));
const RSA_N = Number(process.env.BENCH_RSA_N ?? Math.min(128, N));
const PEER_N = Number(process.env.BENCH_PEER_N ?? Math.min(50, N));
// BENCH_DIR picks the file system (e.g. /dev/shm for tmpfs): this machine's disk is slow at
// creating files after heavy churn, so tmpfs and disk figures are reported apart.
const work = mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), "mqtt-pki-bench-"));
const fileSystem = execFileSync("stat", ["-f", "-c", "%T", work]).toString().trim();
chmodSync(work, 0o755);

function spec(dir, count, key = "ec-p256", extra = "") {
  const lines = [
    "version: 1",
    "ca:",
    "  cn: Bench Root CA",
    "  key: ec-p256",
    "servers:",
    "  - name: broker",
    "    dns: [localhost]",
    "    listeners: [{port: 8883}]",
    "clients:",
  ];
  for (let i = 0; i < count; i++)
    lines.push(`  - name: dev-${String(i).padStart(6, "0")}`, ...(key === "ec-p256" ? [] : [`    key: ${key}`]));
  const file = path.join(dir, "pki.yaml");
  writeFileSync(file, lines.join("\n") + "\n" + extra);
  return file;
}

/** Runs the CLI in its own process and returns wall ms and its peak RSS (MB). */
function runCli(args, env = {}) {
  const rssFile = path.join(work, "rss.txt");
  const started = performance.now();
  const result = spawnSync(process.execPath, ["--import", path.join(root, "bench", "rss.mjs"), cli, ...args], {
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile },
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const wall = performance.now() - started;
  if (result.status !== 0) throw new Error(`mqtt-pki ${args.join(" ")} failed:\n${result.stderr}`);
  return { wall, rssMb: Number(readFileSync(rssFile, "utf8")) / 1024, stdout: result.stdout };
}

/**
 * The openssl-CLI way, as people script it: a bash loop that per device makes a folder, a key
 * (chmod 600), a CSR and a certificate with the client profile. Timed as a whole, per device.
 */
function opensslLoop(dir, count) {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      path.join(dir, "ca.key"),
      "-out",
      path.join(dir, "ca.crt"),
      "-subj",
      "/CN=Bench OpenSSL CA",
      "-days",
      "3650",
    ],
    { stdio: "ignore" },
  );
  const started = performance.now();
  execFileSync("bash", [path.join(root, "bench", "openssl-loop.sh"), dir, String(count)], { stdio: "ignore" });
  return (performance.now() - started) / count;
}

/** The floor: what node:crypto alone needs per device (keygen, one signature over a TBS-sized buffer, PEM export). */
function nativeFloor(count) {
  const { privateKey: caKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const tbs = Buffer.alloc(400, 7);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    sign("sha256", tbs, caKey);
    privateKey.export({ type: "pkcs8", format: "pem" });
    publicKey.export({ type: "spki", format: "der" });
  }
  return (performance.now() - started) / count;
}

/** The floor again, with one process per core sharing the count: what the hardware allows at best. */
function nativeFloorAllCores(count) {
  const cores = os.cpus().length;
  const each = Math.ceil(count / cores);
  const loop = `const c=require("node:crypto");const {privateKey:ca}=c.generateKeyPairSync("ec",{namedCurve:"P-256"});const t=Buffer.alloc(400,7);for(let i=0;i<${each};i++){const {privateKey:k,publicKey:p}=c.generateKeyPairSync("ec",{namedCurve:"P-256"});c.sign("sha256",t,ca);k.export({type:"pkcs8",format:"pem"});p.export({type:"spki",format:"der"});}`;
  const file = path.join(work, "floor.cjs");
  writeFileSync(file, loop);
  const started = performance.now();
  // One shell starts them all and waits for all: the processes run side by side.
  execFileSync("sh", ["-c", `for i in $(seq ${cores}); do "${process.execPath}" "${file}" & done; wait`], {
    stdio: "ignore",
  });
  return (performance.now() - started) / (each * cores);
}

/** Peers from Debian's packages, each issuing EC P-256 client certificates one process per device (bench/peer-loops.sh). */
const PEERS = [
  { name: "mkcert", label: "mkcert -ecdsa -client", needs: ["mkcert"], install: "apt-get install -y mkcert" },
  { name: "cfssl", label: "cfssl gencert", needs: ["cfssl", "cfssljson"], install: "apt-get install -y golang-cfssl" },
  {
    name: "easyrsa",
    label: "easy-rsa build-client-full",
    needs: ["/usr/share/easy-rsa/easyrsa"],
    install: "apt-get install -y easy-rsa",
  },
];

/** ms per device of a peer's loop, or undefined when the peer is not installed. */
function peerLoop(peer, count) {
  const present = peer.needs.every(
    (tool) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0,
  );
  if (!present || count <= 0) return undefined;
  const dir = path.join(work, `peer-${peer.name}`);
  const script = path.join(root, "bench", "peer-loops.sh");
  execFileSync("bash", [script, peer.name, dir, "0", "setup"], { stdio: "ignore" });
  const started = performance.now();
  execFileSync("bash", [script, peer.name, dir, String(count)], { stdio: "ignore" });
  return (performance.now() - started) / count;
}

function filesUnder(dir) {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    count += entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : 1;
  return count;
}

const rows = [];
// The absolute targets (fresh build ≤ 10 s, no-op ≤ 2 s, verify ≤ 5 s, one more client ≤ 1 s) are for a
// fleet of 10,000; a larger one is held to the shares of its own fresh build below.
const absolute = (target, ok) => (N <= 10000 ? [target, ok] : [`${target} at 10,000`, undefined]);
const row = (what, value, target, ok) => {
  rows.push({ what, value, target, ok });
  console.log(`${ok === undefined ? " " : ok ? "✓" : "✗"} ${what}: ${value}${target ? `  (target ${target})` : ""}`);
};

console.log(
  `mqtt-pki bench: N=${N} on ${fileSystem}, ${os.cpus().length} cores, node ${process.version}, ${execFileSync("openssl", ["version"]).toString().trim()}`,
);

const opensslDir = path.join(work, "openssl");
execFileSync("mkdir", ["-p", opensslDir]);
const opensslMs = opensslLoop(opensslDir, OPENSSL_N);
row(`openssl CLI loop, per device (N=${OPENSSL_N})`, `${opensslMs.toFixed(1)} ms`);
const floorMs = nativeFloor(Math.min(N, 5000));
row("node:crypto floor, per device", `${floorMs.toFixed(3)} ms`);
const floorAllMs = nativeFloorAllCores(Math.min(N, 5000));
row(`node:crypto floor on all ${os.cpus().length} cores, per device`, `${floorAllMs.toFixed(3)} ms`);
const peers = PEERS.map((peer) => ({ ...peer, ms: peerLoop(peer, PEER_N) }));
for (const peer of peers) {
  row(
    `${peer.label} loop, per device (N=${PEER_N})`,
    peer.ms === undefined ? `skipped: not installed (${peer.install})` : `${peer.ms.toFixed(1)} ms`,
  );
}

const fleetDir = path.join(work, "fleet");
execFileSync("mkdir", ["-p", fleetDir]);
chmodSync(fleetDir, 0o755);
const fleetSpec = spec(fleetDir, N);
const fresh = runCli(["build", "-f", fleetSpec]);
// Growth: the same build at a quarter of the fleet. The difference is what each further device
// costs, without the fixed start-up (Node, modules, the CA, mosquitto.conf) that the openssl
// figure does not include either; it also shows memory is not linear beyond the certs.
const quarterDir = path.join(work, "quarter");
execFileSync("mkdir", ["-p", quarterDir]);
chmodSync(quarterDir, 0o755);
const quarterN = Math.max(1, Math.floor(N / 4));
const quarter = runCli(["build", "-f", spec(quarterDir, quarterN)]);
const perDevice = fresh.wall / N;
const marginal = (fresh.wall - quarter.wall) / (N - quarterN);
row(
  `build ${N} clients from empty (wall, incl. writing ${filesUnder(path.join(fleetDir, "pki"))} files)`,
  `${(fresh.wall / 1000).toFixed(2)} s`,
  ...absolute("≤ 10 s", fresh.wall <= 10000),
);
row(
  "  per device, whole run / N",
  `${perDevice.toFixed(3)} ms (${(opensslMs / perDevice).toFixed(0)}× faster than openssl, ${(perDevice / floorMs).toFixed(2)}× the floor)`,
);
row(`  per further device, (T(N) − T(N/4)) / (3N/4)`, `${marginal.toFixed(3)} ms`);
row(
  "  vs openssl CLI loop (per further device)",
  `${(opensslMs / marginal).toFixed(0)}× faster`,
  "≥ 100×",
  opensslMs / marginal >= 100,
);
row(
  "  vs node:crypto floor (per further device)",
  `${(marginal / floorMs).toFixed(2)}× the floor`,
  "≤ 3×",
  marginal / floorMs <= 3,
);
for (const peer of peers.filter((p) => p.ms !== undefined)) {
  row(`  vs ${peer.label} loop (per further device)`, `${(peer.ms / marginal).toFixed(0)}× faster`);
}
row("  vs node:crypto floor on all cores (per further device)", `${(marginal / floorAllMs).toFixed(2)}× that floor`);
row("  peak RSS", `${fresh.rssMb.toFixed(0)} MB`, "≤ 300 MB", fresh.rssMb <= 300);

const stateBefore = statSync(path.join(fleetDir, "pki", "state.json")).mtimeMs;
const noop = runCli(["build", "--json", "-f", fleetSpec]);
const noopWritten = JSON.parse(noop.stdout).written.length;
row(
  "no-op rebuild",
  `${(noop.wall / 1000).toFixed(2)} s, ${noopWritten} files written`,
  N <= 10000 ? "≤ 2 s, writes nothing" : "writes nothing",
  (N > 10000 || noop.wall <= 2000) &&
    noopWritten === 0 &&
    statSync(path.join(fleetDir, "pki", "state.json")).mtimeMs === stateBefore,
);

const verified = runCli(["verify", "--json", "-f", fleetSpec]);
row(
  "verify",
  `${(verified.wall / 1000).toFixed(2)} s (${JSON.parse(verified.stdout).ok ? "ok" : "FAILED"})`,
  ...(JSON.parse(verified.stdout).ok ? absolute("≤ 5 s", verified.wall <= 5000) : ["ok", false]),
);

appendFileSync(fleetSpec, "  - name: one-more\n");
const addOne = runCli(["build", "--json", "-f", fleetSpec]);
row("add 1 client to the spec", `${(addOne.wall / 1000).toFixed(2)} s`, ...absolute("≤ 1 s", addOne.wall <= 1000));

// Every other command against the same fleet, as a share of the fresh build that made it,
// with its peak RSS: none may hold the fleet in memory.
const shareRow = (what, run, maxShare) => {
  const share = (100 * run.wall) / fresh.wall;
  row(
    what,
    `${(run.wall / 1000).toFixed(2)} s = ${share.toFixed(1)}% of the fresh build, peak ${run.rssMb.toFixed(0)} MB`,
    `≤ ${maxShare}%, ≤ 300 MB`,
    share <= maxShare && run.rssMb <= 300,
  );
};
shareRow("  no-op build", runCli(["build", "-f", fleetSpec]), 10);
shareRow("  status", runCli(["status", "-f", fleetSpec]), 10);
shareRow("  status --check", runCli(["status", "--check", "-f", fleetSpec]), 10);
shareRow("  issue 1 client", runCli(["issue", "issued-one", "-f", fleetSpec]), 10);
shareRow("  revoke 1 client", runCli(["revoke", "dev-000001", "-f", fleetSpec]), 10);
shareRow("  rotate 1 client", runCli(["rotate", "dev-000002", "-f", fleetSpec]), 10);
shareRow("  verify", runCli(["verify", "-f", fleetSpec]), 80);

row(
  `peak RSS at N/4 → N`,
  `${quarter.rssMb.toFixed(0)} MB → ${fresh.rssMb.toFixed(0)} MB (${(((fresh.rssMb - quarter.rssMb) * 1024) / (N - N / 4)).toFixed(1)} KB per extra device)`,
);

// RSA: keys made in worker threads; one worker against one per core.
const rsaOne = path.join(work, "rsa1"),
  rsaAll = path.join(work, "rsa-all");
for (const dir of [rsaOne, rsaAll]) {
  execFileSync("mkdir", ["-p", dir]);
  chmodSync(dir, 0o755);
}
const one = runCli(["build", "-f", spec(rsaOne, RSA_N, "rsa-2048")], { MQTT_PKI_WORKERS: "1" });
const all = runCli(["build", "-f", spec(rsaAll, RSA_N, "rsa-2048")]);
row(
  `RSA-2048 bulk (N=${RSA_N}): 1 worker vs one per core`,
  `${(one.wall / 1000).toFixed(2)} s vs ${(all.wall / 1000).toFixed(2)} s = ${(one.wall / all.wall).toFixed(2)}×`,
  "≥ 1.7×",
  one.wall / all.wall >= 1.7,
);

const table = [
  "| measurement | result | target | |",
  "| --- | --- | --- | --- |",
  ...rows.map((r) => `| ${r.what} | ${r.value} | ${r.target ?? ""} | ${r.ok === undefined ? "" : r.ok ? "✓" : "✗"} |`),
].join("\n");
// One section per file system in RESULTS.md: a run on tmpfs leaves the disk's figures alone.
const heading = `## On ${fileSystem}`;
const section = `${heading}\n\nMeasured by \`npm run bench\` (N=${N}) on ${fileSystem}, ${os.cpus().length} cores, Node ${process.version}, ${execFileSync("openssl", ["version"]).toString().trim()}, ${new Date().toISOString().slice(0, 10)}.\nEach mqtt-pki figure is a separate CLI process (start-up included), wall clock.\n\n${table}\n`;
if (!process.env.BENCH_NO_WRITE) {
  const resultsFile = path.join(root, "bench", "RESULTS.md");
  const previous = existsSync(resultsFile) ? readFileSync(resultsFile, "utf8") : "";
  const others = previous
    .split(/^(?=## On )/m)
    .filter((part) => part.startsWith("## On ") && !part.startsWith(`${heading}\n`));
  writeFileSync(
    resultsFile,
    ["# Benchmark results\n\n", ...others.map((part) => `${part.trimEnd()}\n\n`), section].join(""),
  );
}
rmSync(work, { recursive: true, force: true });
process.exitCode = rows.every((r) => r.ok !== false) ? 0 : 1;
