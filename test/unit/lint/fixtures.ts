/**
 * Hand-made lint snapshots for unit tests: conf texts, a fake file system (paths with modes and
 * owners) and certificates issued in memory with the project's own issuing code.
 */
import path from "node:path";
import { issueCaCert, issueClientCert, issueServerCert, type IssuingCa } from "../../../src/crypto/issue.js";
import { encryptPrivateKey, generateKey } from "../../../src/crypto/keys.js";
import { softwareSigner } from "../../../src/crypto/signer.js";
import type { Account } from "../../../src/io/accounts.js";
import type { LintSnapshot, PathInfo } from "../../../src/lint/snapshot.js";
import { parseMosquittoConf } from "../../../src/verify/parseConf.js";
import type { KeyAlgorithm } from "../../../src/spec/types.js";
import { ancestors } from "../../../src/verify/snapshot.js";
import { caSpec, clientSpec, serverSpec } from "../helpers/specs.js";

export const NOW = new Date("2030-06-01T12:00:00Z");
const DAY = 24 * 60 * 60 * 1000;

export const CONF = "/etc/mosquitto/mosquitto.conf";
export const BROKER: Account = { name: "mosquitto", uid: 102, gid: 105, groups: [105] };

export interface Pair {
  cert: string;
  key: string;
}

export interface Material {
  ca: Pair;
  server: Pair;
  client: Pair;
  /** Another CA, a server and a client it issued. */
  foreignCa: Pair;
  foreignServer: Pair;
  foreignClient: Pair;
  /** A CA whose CN is the server's, and the server certificate it issued. */
  clashCa: Pair;
  clashServer: Pair;
  expiredServer: Pair;
  soonServer: Pair;
  futureServer: Pair;
  expiredCa: Pair;
  encryptedKey: string;
}

export interface TestCa extends IssuingCa {
  pair: Pair;
}

export async function makeCa(cn: string, now: Date, days = 3650, algorithm: KeyAlgorithm = "ec-p256"): Promise<TestCa> {
  const key = await generateKey(algorithm);
  const signer = await softwareSigner(key.privateKeyPem, algorithm);
  const issued = await issueCaCert(signer, caSpec({ cn, days, key: algorithm }), key.spkiDer, now);
  return {
    signer,
    certificate: issued.certificate,
    keyAlgorithm: algorithm,
    pair: { cert: issued.pem, key: key.privateKeyPem },
  };
}

async function server(ca: IssuingCa, cn: string, now: Date, days = 397): Promise<Pair> {
  const key = await generateKey("ec-p256");
  const issued = await issueServerCert(ca, serverSpec({ cn, days }), key.spkiDer, now);
  return { cert: issued.pem, key: key.privateKeyPem };
}

async function client(ca: IssuingCa, name: string, now: Date): Promise<Pair> {
  const key = await generateKey("ec-p256");
  const issued = await issueClientCert(ca, clientSpec({ name }), key.spkiDer, now);
  return { cert: issued.pem, key: key.privateKeyPem };
}

/** Every certificate the rule tests need; the CAs start 1000 days before NOW. */
export async function makeMaterial(): Promise<Material> {
  const past = new Date(NOW.getTime() - 1000 * DAY);
  const ca = await makeCa("Lint Test CA", past);
  const foreign = await makeCa("Foreign CA", past);
  const clash = await makeCa("broker.example", past);
  const oldCa = await makeCa("Old CA", new Date(NOW.getTime() - 400 * DAY), 365);
  return {
    ca: ca.pair,
    server: await server(ca, "broker.example", NOW),
    client: await client(ca, "sensor-1", NOW),
    foreignCa: foreign.pair,
    foreignServer: await server(foreign, "broker.example", NOW),
    foreignClient: await client(foreign, "sensor-9", NOW),
    clashCa: clash.pair,
    clashServer: await server(clash, "broker.example", NOW),
    expiredServer: await server(ca, "broker.example", new Date(NOW.getTime() - 400 * DAY), 30),
    soonServer: await server(ca, "broker.example", new Date(NOW.getTime() - 380 * DAY), 397),
    futureServer: await server(ca, "broker.example", new Date(NOW.getTime() + 10 * DAY)),
    expiredCa: oldCa.pair,
    encryptedKey: encryptPrivateKey((await generateKey("ec-p256")).privateKeyPem, "secret"),
  };
}

export function file(content: string | undefined, mode = 0o644, uid = 0, gid = 0): PathInfo {
  return { content: content === undefined ? undefined : Buffer.from(content), mode, uid, gid, isDirectory: false };
}

export function dir(entries?: string[], mode = 0o755, uid = 0, gid = 0): PathInfo {
  return { mode, uid, gid, isDirectory: true, entries };
}

export interface SnapshotInput {
  /** Conf texts by absolute path; the first is the main conf (default CONF). */
  confs: Record<string, string>;
  /** The fake file system; every folder above a path is added as 0755 root unless given. */
  paths?: Record<string, PathInfo>;
  unseen?: Record<string, string>;
  clientFiles?: string[];
  clientRoots?: string[];
  brokerUser?: string;
  /** Default BROKER; null: the account does not exist here. */
  account?: Account | null;
  /** Default 2.0.11; null: no mosquitto binary here. */
  version?: string | null;
}

export function snapshot(input: SnapshotInput): LintSnapshot {
  const confFiles = Object.keys(input.confs);
  const paths = new Map<string, PathInfo>(Object.entries(input.paths ?? {}));
  for (const known of [...paths.keys()]) {
    for (const folder of ancestors(known)) if (!paths.has(folder)) paths.set(folder, dir());
  }
  return {
    confFile: confFiles[0],
    confs: confFiles.map((name) => parseMosquittoConf(input.confs[name], name)),
    paths,
    unseen: new Map(Object.entries(input.unseen ?? {})),
    clientSearch: { roots: input.clientRoots ?? [path.dirname(confFiles[0])], files: input.clientFiles ?? [] },
    brokerUser: input.brokerUser ?? "mosquitto",
    brokerAccount: input.account === null ? undefined : (input.account ?? BROKER),
    mosquittoVersion: input.version === null ? undefined : (input.version ?? "2.0.11"),
  };
}

/** A TLS listener block with its files under /etc/mosquitto/certs. */
export const TLS_LISTENER = [
  "listener 8883",
  "cafile /etc/mosquitto/certs/ca.crt",
  "certfile /etc/mosquitto/certs/server.crt",
  "keyfile /etc/mosquitto/certs/server.key",
  "require_certificate true",
  "use_identity_as_username true",
];

/** The files TLS_LISTENER points at, healthy: the key 0640 root:mosquitto, a client certificate nearby. */
export function healthyFiles(m: Material, overrides: Record<string, PathInfo> = {}): Record<string, PathInfo> {
  return {
    "/etc/mosquitto/certs/ca.crt": file(m.ca.cert),
    "/etc/mosquitto/certs/server.crt": file(m.server.cert),
    "/etc/mosquitto/certs/server.key": file(m.server.key, 0o640, 0, BROKER.gid),
    "/etc/mosquitto/clients/sensor-1.crt": file(m.client.cert),
    ...overrides,
  };
}

/** A one-listener TLS setup that lints clean; `lines` replace the conf, `paths` override files. */
export function healthy(
  m: Material,
  changes: Partial<SnapshotInput> & { lines?: string[]; paths?: Record<string, PathInfo> } = {},
): LintSnapshot {
  const { lines, paths, ...rest } = changes;
  return snapshot({
    confs: { [CONF]: ["allow_anonymous false", ...(lines ?? TLS_LISTENER)].join("\n") },
    paths: healthyFiles(m, paths),
    clientFiles: ["/etc/mosquitto/clients/sensor-1.crt"],
    ...rest,
  });
}
