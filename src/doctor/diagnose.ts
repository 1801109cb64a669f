import { alertOf, CLIENT_CERT_ALERTS, describeAlert, type TlsAlert } from "./alerts.js";
import { causes, quoted, when, type Cause, type Wording } from "./causes.js";
import type { CrlPlaces } from "./crlCauses.js";
import { certificateExpiredCause } from "./crlLapse.js";
import { judgeClientFiles } from "./clientFilesStage.js";
import { speaksMqtt, speaksTls, speaksWebSocket } from "./followUps.js";
import type { ClientFileFacts, ServerChainFacts } from "./localChecks.js";
import type { ErrorObservation, Observations, TlsObservation } from "./observations.js";
import { expectedName, tlsVersionLabel, usesTls, type DoctorTarget } from "./target.js";
import { certValidityAt } from "./validity.js";
import { sanCovers } from "../spec/rules.js";

/**
 * Observations and local facts in, ✓/✗ lines and the first failure's cause and fix out.
 * Pure: unit tests feed it hand-made observations.
 */

/** What the spec says about the listener on this port, when it is one of the spec's. */
export interface BrokerSettings {
  server: string;
  requireCertificate: boolean;
  identityAsUsername: boolean;
}

export interface DoctorInput {
  now: Date;
  observations: Observations;
  /** Extra attempts on the same port (another protocol or TLS version), see followUps.ts. */
  alternatives: Observations[];
  /** The client certificate and key, checked before connecting; absent when none was given. */
  client?: ClientFileFacts;
  clientName?: string;
  caGiven: boolean;
  /** How the chain the server sent relates to our CA file; absent when no chain came. */
  serverChain?: ServerChainFacts;
  broker?: BrokerSettings;
  /** Where the CRL doctor read came from and where the broker keeps its own. */
  crlPlaces?: CrlPlaces;
}

export interface StageResult {
  stage: string;
  ok: boolean;
  detail: string;
}

export interface Diagnosis {
  ok: boolean;
  stages: StageResult[];
  cause?: Cause;
}

/**
 * Where a failure sits in the order a real client meets it; the lowest one is "the" cause.
 * The lines are printed in another order where that reads better: a TLS 1.2 handshake that
 * the broker aborted over the client's certificate fails on the handshake line, yet a client
 * that checks the server has already failed on an untrusted server certificate; and the
 * server certificate's line (with its dates) comes before the trust line, yet an untrusted
 * chain is the deeper problem than an expired one.
 */
const RANK = { local: 0, tcp: 1, tls: 2, trust: 3, validity: 4, hostname: 5, clientCert: 6, websocket: 7, mqtt: 8 } as const;

class Findings {
  readonly stages: StageResult[] = [];
  private best?: { rank: number; cause: Cause };

  pass(stage: string, detail: string): void {
    this.stages.push({ stage, ok: true, detail });
  }

  fail(stage: string, detail: string, rank: number, cause: Cause): void {
    this.stages.push({ stage, ok: false, detail });
    if (!this.best || rank < this.best.rank) this.best = { rank, cause };
  }

  result(): Diagnosis {
    return { ok: this.best === undefined, stages: this.stages, cause: this.best?.cause };
  }
}

export function diagnose(input: DoctorInput): Diagnosis {
  const { observations: obs } = input;
  const found = new Findings();
  const wording: Wording = { target: obs.target, clientName: input.clientName, serverName: input.broker?.server };
  checkClientFiles(input, found, wording);
  if (!checkTcp(obs, found, wording)) return found.result();
  if (obs.tls) {
    checkHandshake(input, obs.tls, found, wording);
    if (input.serverChain) checkServerChain(input, input.serverChain, obs.tls, found, wording);
  }
  const lateAlert = checkClientCertificate(input, found, wording);
  if (lateAlert) return found.result();
  checkWebSocket(input, found, wording);
  checkMqtt(input, found, wording);
  return found.result();
}

function checkClientFiles(input: DoctorInput, found: Findings, wording: Wording): void {
  if (!input.client) return;
  const verdict = judgeClientFiles({ client: input.client, now: input.now, wording, crlPlaces: input.crlPlaces });
  if (verdict.cause) found.fail("client files", verdict.detail, RANK.local, verdict.cause);
  else found.pass("client files", verdict.detail);
}

function checkTcp(obs: Observations, found: Findings, wording: Wording): boolean {
  const { host, port } = obs.target;
  if (obs.tcp.ok) {
    found.pass("TCP connect", `${host}:${port}${obs.tcp.remoteAddress && obs.tcp.remoteAddress !== host ? ` (${obs.tcp.remoteAddress})` : ""} accepted the connection`);
    return true;
  }
  const code = obs.tcp.error?.code;
  const detail = obs.tcp.timedOut ? "no answer in time" : obs.tcp.error?.message ?? "failed";
  const cause = code === "ECONNREFUSED" ? causes.tcpRefused(wording)
    : code === "ENOTFOUND" || code === "EAI_AGAIN" ? causes.hostUnknown(wording)
    : causes.tcpUnreachable(wording, obs.tcp.timedOut ? "no answer in time" : code ?? detail);
  found.fail("TCP connect", `${host}:${port}: ${detail}`, RANK.tcp, cause);
  return false;
}

function errorText(error: ErrorObservation | undefined): string {
  const alert = alertOf(error);
  if (alert) return `the broker sent ${describeAlert(alert)}`;
  return error?.code ?? error?.message ?? "failed";
}

function checkHandshake(input: DoctorInput, tls: TlsObservation, found: Findings, wording: Wording): void {
  const target = input.observations.target;
  if (tls.ok) {
    found.pass("TLS handshake", `${tls.protocol ?? "TLS"}, ${tls.cipher ?? "unknown cipher"}`);
    return;
  }
  if (tls.localError) {
    found.fail("TLS handshake", `not started: ${tls.error?.message ?? "Node refused the client files"}`, RANK.tls, causes.tlsFilesRefused(tls.error?.message ?? "unknown error"));
    return;
  }
  const alert = alertOf(tls.error);
  if (alert && CLIENT_CERT_ALERTS.has(alert.number)) {
    // TLS 1.2: the broker checks the client's certificate inside the handshake.
    found.fail("TLS handshake", `the broker ended it with ${describeAlert(alert)}`, RANK.clientCert, clientCertCause(alert, input, wording, false));
    return;
  }
  if (alert?.number === 70) {
    const accepted = input.alternatives.filter((alt) => alt.tls?.ok && alt.target.tlsVersion).map((alt) => alt.target.tlsVersion!);
    found.fail("TLS handshake", `the broker refused ${target.tlsVersion ? tlsVersionLabel(target.tlsVersion) : "the offered versions"}: ${describeAlert(alert)}`, RANK.tls, causes.tlsVersionMismatch(alert, target.tlsVersion, accepted, wording));
    return;
  }
  if (alert) {
    found.fail("TLS handshake", `the broker sent ${describeAlert(alert)}`, RANK.tls, causes.tlsAlert(alert));
    return;
  }
  const detail = tls.timedOut ? "no TLS answer in time" : tls.error?.code ?? tls.error?.message ?? "the connection closed";
  const plainMqtt = input.alternatives.find((alt) => alt.target.protocol === "mqtt" && speaksMqtt(alt));
  const plainWs = input.alternatives.find((alt) => alt.target.protocol === "ws" && speaksWebSocket(alt));
  const cause = plainMqtt ? causes.tlsToPlainPort("MQTT", wording)
    : plainWs ? causes.tlsToPlainPort("websockets", wording)
    : tls.error?.code === "ERR_SSL_WRONG_VERSION_NUMBER" ? causes.notTls("wrong version number", wording)
    : causes.tlsNoAnswer(tls.timedOut ? "no answer in time" : tls.error?.code ?? detail);
  found.fail("TLS handshake", `failed: ${detail}`, RANK.tls, cause);
}

/** Node codes that mean "expired" or "not yet valid": the validity line speaks for those. */
const VALIDITY_CODES = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

function checkServerChain(input: DoctorInput, chain: ServerChainFacts, tls: TlsObservation, found: Findings, wording: Wording): void {
  const { leaf } = chain;
  const code = tls.authorizationError;
  const state = certValidityAt(leaf, input.now);
  const who = `CN=${leaf.subjectCn}, issued by ${quoted(leaf.issuerCn)}`;
  if (state === "valid") found.pass("server certificate", `${who}, valid until ${when(leaf.notAfter)}`);
  else if (state === "expired") found.fail("server certificate", `${who}: expired on ${when(leaf.notAfter)}`, RANK.validity, causes.serverExpired(leaf, input.now, wording));
  else found.fail("server certificate", `${who}: valid only from ${when(leaf.notBefore)}`, RANK.validity, causes.serverNotYetValid(leaf, input.now));

  const refusedByNode = tls.ok ? tls.authorized === false : code !== undefined;
  if (chain.cnClash && refusedByNode) {
    found.fail("trust", `the server certificate and its CA share the CN ${quoted(chain.cnClash)}${code ? ` (Node: ${code})` : ""}`, RANK.trust, causes.caCnClash(chain.cnClash, code));
  } else if (!input.caGiven) {
    if (tls.authorized) found.pass("trust", "no CA file given; the system trust store trusts the chain");
    else found.fail("trust", `no CA file given; the chain ends at ${quoted(chain.issuers.at(-1)?.subjectCn ?? leaf.issuerCn)}, unknown to the system store${code ? ` (Node: ${code})` : ""}`, RANK.trust, causes.noCa(leaf, code));
  } else if (chain.trustedBy) {
    const clashNote = chain.cnClash ? `; it shares the CN ${quoted(chain.cnClash)} with the server, which older OpenSSL refuses` : "";
    if (refusedByNode && code && !VALIDITY_CODES.has(code)) {
      found.fail("trust", `the CA file's ${quoted(chain.trustedBy.subjectCn)} issued it, but OpenSSL refuses the chain: ${code}`, RANK.trust, causes.chainRefused(chain.trustedBy, code));
    } else {
      found.pass("trust", `the CA file's ${quoted(chain.trustedBy.subjectCn)} issued it${clashNote}`);
    }
  } else if (chain.selfSigned) {
    found.fail("trust", "the server certificate is self-signed and not in the CA file", RANK.trust, causes.selfSignedServer(leaf));
  } else {
    found.fail("trust", `the CA file holds ${chain.caFileCns.map(quoted).join(", ")}, not ${quoted(leaf.issuerCn)}${code ? ` (Node: ${code})` : ""}`, RANK.trust, causes.wrongCa(leaf, chain.caFileCns, code));
  }

  const name = expectedName(input.observations.target);
  const san = [...leaf.dns.map((dns) => `DNS:${dns}`), ...leaf.ip.map((ip) => `IP:${ip}`)].join(", ") || "nothing";
  if (sanCovers(name, leaf.dns, leaf.ip)) found.pass("hostname", `${name} is in the SAN (${san})`);
  else found.fail("hostname", `${name} is not in the SAN, which holds ${san}`, RANK.hostname, causes.hostnameMismatch(name, san, wording));
}

function clientCertCause(alert: TlsAlert, input: DoctorInput, wording: Wording, late: boolean): Cause {
  const sent = input.observations.tls?.clientCertSent ?? false;
  const cert = input.client?.cert;
  switch (alert.number) {
    case 116: return causes.clientCertRequired(alert, late);
    case 40: return sent ? causes.clientCertRejected(alert, cert, late) : causes.clientCertRequired(alert, late);
    case 48: return sent ? causes.clientCaUntrusted(alert, cert, input.serverChain?.leaf.issuerCn, late) : causes.clientCertRequired(alert, late);
    case 45: return certificateExpiredCause({ alert, now: input.now, client: input.client, serverLeaf: input.serverChain?.leaf, places: input.crlPlaces });
    case 44: return causes.clientRevokedByBroker(alert, cert, wording);
    default: return causes.clientCertRejected(alert, cert, late);
  }
}

/**
 * With TLS 1.3 the broker judges the client's certificate after the handshake: a rejection
 * arrives as an alert on the first read (the upgrade answer or the CONNACK). Returns true
 * when such an alert ended the connection.
 */
function checkClientCertificate(input: DoctorInput, found: Findings, wording: Wording): boolean {
  const { tls, websocket, mqtt } = input.observations;
  if (!tls?.ok) return false;
  const cert = input.client?.cert;
  const late = alertOf(websocket?.error) ?? alertOf(mqtt?.error);
  if (late) {
    const detail = `${cert ? `the broker rejected CN=${cert.subjectCn}` : "none sent; the broker wants one"}: ${describeAlert(late)} after the handshake`;
    found.fail("client certificate", detail, RANK.clientCert, clientCertCause(late, input, wording, true));
    return true;
  }
  const replied = websocket?.statusCode !== undefined || mqtt?.connack !== undefined || mqtt?.unexpectedReply !== undefined;
  if (!replied) return false;
  found.pass("client certificate", cert ? `the broker accepted CN=${cert.subjectCn}` : "none sent, and the broker went on without one");
  return false;
}

function checkWebSocket(input: DoctorInput, found: Findings, wording: Wording): void {
  const { websocket, target } = input.observations;
  if (!websocket) return;
  if (websocket.ok) {
    found.pass("websocket upgrade", `HTTP 101 on ${target.path}, subprotocol ${websocket.subprotocol ?? "none"}`);
    return;
  }
  if (websocket.statusCode !== undefined) {
    found.fail("websocket upgrade", `HTTP ${websocket.statusCode} on ${target.path}`, RANK.websocket, causes.websocketRefused(websocket.error?.message ?? `HTTP ${websocket.statusCode}`, wording));
    return;
  }
  const detail = websocket.timedOut ? "no answer in time" : `the connection ended without an HTTP answer (${errorText(websocket.error)})`;
  const cause = wrongProtocolCause(input, wording) ?? causes.websocketRefused(detail, wording);
  found.fail("websocket upgrade", detail, RANK.websocket, cause);
}

/** The port speaks another protocol than the one sent, as an extra attempt proved. */
function wrongProtocolCause(input: DoctorInput, wording: Wording): Cause | undefined {
  const { target } = input.observations;
  const alternative = (protocol: DoctorTarget["protocol"]) => input.alternatives.find((alt) => alt.target.protocol === protocol);
  if (!usesTls(target.protocol)) {
    const secured = alternative(target.protocol === "ws" ? "wss" : "mqtts");
    if (secured && speaksTls(secured)) return causes.plainToTlsPort(wording);
    const mqtt = alternative("mqtt");
    return target.protocol === "ws" && mqtt && speaksMqtt(mqtt) ? causes.wssToMqttPort(wording) : undefined;
  }
  if (target.protocol === "wss") {
    const mqtts = alternative("mqtts");
    return mqtts && speaksMqtt(mqtts) ? causes.wssToMqttPort(wording) : undefined;
  }
  const wss = alternative("wss");
  return wss && speaksWebSocket(wss) ? causes.mqttsToWebsocketsPort(undefined, wording) : undefined;
}

const CONNACK_MEANING: Record<number, string> = {
  0: "connection accepted", 1: "unacceptable protocol version", 2: "identifier rejected", 3: "server unavailable",
  4: "bad user name or password", 5: "not authorized",
  0x86: "bad user name or password", 0x87: "not authorized", 0x8c: "bad authentication method",
};

function checkMqtt(input: DoctorInput, found: Findings, wording: Wording): void {
  const { mqtt, tls } = input.observations;
  if (!mqtt) return;
  const connack = mqtt.connack;
  if (connack) {
    const meaning = CONNACK_MEANING[connack.returnCode] ?? "refused";
    const detail = `CONNACK ${connack.returnCode} (${meaning})`;
    if (connack.returnCode === 0) return found.pass("MQTT CONNECT", detail);
    const certSent = tls?.clientCertSent ?? false;
    const cause = connack.returnCode === 4 || connack.returnCode === 0x86 ? causes.connackBadCredentials(connack.returnCode, certSent, input.broker)
      : connack.returnCode === 5 || connack.returnCode === 0x87 ? causes.connackNotAuthorized(connack.returnCode, certSent ? input.client?.cert : undefined)
      : causes.connackRefused(connack.returnCode, meaning);
    return found.fail("MQTT CONNECT", detail, RANK.mqtt, cause);
  }
  const reply = mqtt.unexpectedReply;
  if (reply?.startsWith("HTTP/")) {
    return found.fail("MQTT CONNECT", `the broker answered ${quoted(reply)} instead of a CONNACK`, RANK.mqtt, causes.mqttsToWebsocketsPort(reply, wording));
  }
  const detail = mqtt.timedOut ? "no CONNACK in time"
    : reply ? `the broker answered ${quoted(reply)} instead of a CONNACK`
    : `the connection closed without a CONNACK (${errorText(mqtt.error)})`;
  const cause = wrongProtocolCause(input, wording) ?? causes.noConnack(detail);
  found.fail("MQTT CONNECT", detail, RANK.mqtt, cause);
}
