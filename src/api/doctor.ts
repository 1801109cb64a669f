import { createPrivateKey } from "node:crypto";
import { access } from "node:fs/promises";
import path from "node:path";
import { currentTime } from "../clock.js";
import { certFacts } from "../crypto/facts.js";
import { diagnose, type BrokerSettings, type StageResult } from "../doctor/diagnose.js";
import type { CauseId } from "../doctor/causes.js";
import type { CrlPlaces } from "../doctor/crlCauses.js";
import { followUpsFor } from "../doctor/followUps.js";
import { checkClientFiles, judgeServerChain, pemCertificates, type ClientFileFacts } from "../doctor/localChecks.js";
import { probe, type TlsMaterial } from "../doctor/probe.js";
import { DEFAULT_WEBSOCKET_PATH, type DoctorProtocol, type DoctorTarget } from "../doctor/target.js";
import { PkiError } from "../errors.js";
import { readPath } from "../io/read.js";
import { DEFAULT_SPEC_FILE } from "../spec/load.js";
import { loadSpecForReading } from "../build/recovery.js";
import type { ServerSpec, Spec, TlsVersion } from "../spec/types.js";
import { treeLayout } from "../tree/layout.js";

export interface DoctorOptions {
  /** The spec, needed for `client` and `server` (their files come from its tree). */
  specFile?: string;
  now?: Date | string;
  host?: string;
  port?: number;
  /** Default mqtts. */
  protocol?: DoctorProtocol;
  /** Websocket path; default /mqtt. */
  path?: string;
  servername?: string;
  tlsVersion?: TlsVersion;
  /** A client of the spec: its certificate, key and the tree's CA (and CRL) are used. */
  client?: string;
  /** A server of the spec: every listener of it is checked (doctorServer only). */
  server?: string;
  /** Explicit files; with `client` they replace the tree's. */
  cafile?: string;
  cert?: string;
  key?: string;
  /** Per stage; default 5 s. */
  timeoutMs?: number;
}

export interface DoctorReport {
  ok: boolean;
  target: DoctorTarget;
  /** The spec client whose files were used, if any. */
  client?: string;
  stages: StageResult[];
  causeId?: CauseId;
  cause?: string;
  fix?: string;
}

export interface DoctorServerReport {
  ok: boolean;
  server: string;
  reports: DoctorReport[];
}

/** What the client presents and trusts, read and checked before connecting. */
interface Credentials {
  material: TlsMaterial;
  caPems: string[];
  client?: ClientFileFacts;
  clientName?: string;
  crlPlaces?: CrlPlaces;
}

/** Connects to one host and port stage by stage and explains the first failure. */
export async function doctor(options: DoctorOptions): Promise<DoctorReport> {
  if (options.server)
    throw new PkiError("doctor() checks one host and port; use doctorServer() for a whole server", {
      hint: "pass host and port, or call doctorServer({ server })",
    });
  const target = targetOf(options);
  const spec = options.client ? (await loadSpecForReading(options.specFile)).spec : undefined;
  const credentials = await loadCredentials(options, spec, options.client);
  return examine(target, credentials, currentTime(options.now), spec && brokerFor(spec, target), options.timeoutMs);
}

/** Checks every listener of a spec's server, with one of the spec's clients. */
export async function doctorServer(options: DoctorOptions & { server: string }): Promise<DoctorServerReport> {
  if (options.host !== undefined || options.port !== undefined) {
    throw new PkiError("--server takes host and ports from the spec; leave out --host and --port", {
      hint: "or drop --server to check one host and port",
    });
  }
  const { spec } = await loadSpecForReading(options.specFile);
  const server = spec.servers.find((candidate) => candidate.name === options.server);
  if (!server)
    throw new PkiError(`no server named \`${options.server}\` in the spec`, {
      hint: `servers: ${spec.servers.map((s) => s.name).join(", ")}`,
    });
  const clientName = options.client ?? (options.cert ? undefined : spec.clients[0]?.name);
  const credentials = await loadCredentials(options, spec, clientName);
  const now = currentTime(options.now);
  const reports = await Promise.all(
    server.listeners.map((listener) => {
      const target: DoctorTarget = {
        host: server.host,
        port: listener.port,
        protocol: listener.protocol === "websockets" ? "wss" : "mqtts",
        path: listener.path,
        servername: options.servername,
        tlsVersion: options.tlsVersion ?? server.tlsVersion,
      };
      return examine(target, credentials, now, settingsOf(server), options.timeoutMs);
    }),
  );
  return { ok: reports.every((report) => report.ok), server: server.name, reports };
}

async function examine(
  target: DoctorTarget,
  credentials: Credentials,
  now: Date,
  broker: BrokerSettings | undefined,
  timeoutMs?: number,
): Promise<DoctorReport> {
  const observations = await probe(target, credentials.material, timeoutMs);
  const alternatives = await Promise.all(
    followUpsFor(observations).map((alternative) => probe(alternative, credentials.material, timeoutMs)),
  );
  const diagnosis = diagnose({
    now,
    observations,
    alternatives,
    client: credentials.client,
    clientName: credentials.clientName,
    caGiven: credentials.material.ca !== undefined,
    serverChain: observations.tls ? judgeServerChain(observations.tls.peerChain, credentials.caPems) : undefined,
    broker,
    crlPlaces: credentials.crlPlaces,
  });
  return {
    ok: diagnosis.ok,
    target,
    client: credentials.clientName,
    stages: diagnosis.stages,
    causeId: diagnosis.cause?.id,
    cause: diagnosis.cause?.cause,
    fix: diagnosis.cause?.fix,
  };
}

function targetOf(options: DoctorOptions): DoctorTarget {
  if (!options.host || options.port === undefined) {
    throw new PkiError("doctor needs --host and --port (or --server NAME to check a server of the spec)", {
      hint: "e.g. mqtt-pki doctor --host localhost --port 8883 --client sensor-001",
    });
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new PkiError(`\`${options.port}\` is not a TCP port`, { hint: "give a whole number from 1 to 65535" });
  }
  const wsPath = options.path ?? DEFAULT_WEBSOCKET_PATH;
  if (!wsPath.startsWith("/"))
    throw new PkiError(`the websocket path \`${wsPath}\` must start with /`, { hint: "e.g. --path /mqtt" });
  return {
    host: options.host,
    port: options.port,
    protocol: options.protocol ?? "mqtts",
    path: wsPath,
    servername: options.servername,
    tlsVersion: options.tlsVersion,
  };
}

function settingsOf(server: ServerSpec): BrokerSettings {
  return {
    server: server.name,
    requireCertificate: server.requireCertificate,
    identityAsUsername: server.identityAsUsername,
  };
}

/** The spec's server with a listener on this port, so causes can speak of its settings. */
function brokerFor(spec: Spec, target: DoctorTarget): BrokerSettings | undefined {
  const server = spec.servers.find((candidate) =>
    candidate.listeners.some((listener) => listener.port === target.port),
  );
  return server && settingsOf(server);
}

async function loadCredentials(
  options: DoctorOptions,
  spec: Spec | undefined,
  clientName: string | undefined,
): Promise<Credentials> {
  let { cafile, cert, key } = options;
  if (spec && clientName) {
    const client = spec.clients.find((candidate) => candidate.name === clientName);
    if (!client)
      throw new PkiError(`no client named \`${clientName}\` in the spec`, {
        hint: `clients: ${spec.clients.map((c) => c.name).join(", ") || "(none)"}`,
      });
    const layout = treeLayout(spec.out);
    cert ??= layout.clientCert(clientName);
    if (!key && client.deviceKey) {
      throw new PkiError(`the key of \`${clientName}\` lives on the device, not in the tree`, {
        hint: "run doctor on the device, or pass --cert and --key",
      });
    }
    key ??= layout.clientKey(clientName);
    // During a CA rotation the clients trust the bundle of the old and the new CA.
    cafile ??= (await exists(layout.caBundle)) ? layout.caBundle : layout.caCert;
  }
  // With a spec, its tree's CRL is the one the broker was given; a tree also keeps its CRL
  // beside the CA (ca/crl.pem), so without one the file beside --cafile is used when it is there.
  const crlFile = spec ? treeLayout(spec.out).crl : cafile ? path.join(path.dirname(cafile), "crl.pem") : undefined;
  const crlPlaces = crlFile === undefined ? undefined : crlPlacesOf(crlFile, spec, options.specFile);
  if ((cert === undefined) !== (key === undefined)) {
    throw new PkiError("--cert and --key go together", {
      hint: "pass both (the client's certificate and its private key), or neither",
    });
  }
  const caText = cafile === undefined ? undefined : readRequired(cafile, "CA file");
  const caPems = caText === undefined ? [] : pemCertificates(caText);
  if (cafile && caPems.length === 0)
    throw new PkiError(`${cafile} holds no PEM certificate`, {
      hint: "pass the CA certificate (ca.crt), not a key or a DER file",
    });
  for (const pem of caPems) parseCertificate(pem, cafile!);
  const material: TlsMaterial = { ca: caText };
  if (cert === undefined || key === undefined) return { material, caPems, clientName, crlPlaces };
  const certPem = readRequired(cert, "client certificate");
  const keyPem = readRequired(key, "client key");
  parseCertificate(certPem, cert);
  parseKey(keyPem, key);
  const crlPem = crlFile === undefined ? undefined : readOptional(crlFile);
  return {
    material: { ...material, cert: certPem, key: keyPem },
    caPems,
    client: checkClientFiles({ certPem, keyPem, crlPem }),
    clientName,
    crlPlaces,
  };
}

/** Where the CRL was read, and where the broker reads its own when deploy.dir moves the tree. */
function crlPlacesOf(localFile: string, spec: Spec | undefined, specFile: string | undefined): CrlPlaces {
  if (!spec) return { localFile };
  const brokerFile = spec.deployDir === spec.out ? undefined : treeLayout(spec.deployDir).crl;
  return { localFile, specFile: specFile ?? DEFAULT_SPEC_FILE, brokerFile };
}

/** Links are followed: the files doctor reads are the ones a client would be given, and TLS clients follow links. */
function readRequired(file: string, what: string): string {
  let content: Buffer | undefined;
  let code = "ENOENT";
  try {
    content = readPath(file, { followLinks: true })?.content;
  } catch (error) {
    code = (error as NodeJS.ErrnoException).code ?? String(error);
  }
  if (content) return content.toString("utf8");
  throw new PkiError(`cannot read the ${what} ${file}: ${code === "ENOENT" ? "no such file" : code}`, {
    hint:
      code === "ENOENT"
        ? "check the path (run `mqtt-pki build` first if it belongs to the tree)"
        : "check the file's permissions",
  });
}

function readOptional(file: string): string | undefined {
  try {
    return readPath(file, { followLinks: true })?.content?.toString("utf8");
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function parseCertificate(pem: string, file: string): void {
  try {
    certFacts(pem);
  } catch {
    throw new PkiError(`${file} is not a PEM certificate`, {
      hint: "pass the certificate file (-----BEGIN CERTIFICATE-----)",
    });
  }
}

function parseKey(pem: string, file: string): void {
  try {
    createPrivateKey(pem);
  } catch {
    throw new PkiError(`${file} is not an unencrypted PEM private key`, {
      hint: "pass the client's private key (client.key); encrypted keys cannot be used by mosquitto clients either",
    });
  }
}
