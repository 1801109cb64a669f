import { randomBytes } from "node:crypto";
import net, { type Socket } from "node:net";
import tls, { type PeerCertificate, type TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import mqttPacket from "mqtt-packet";
import WebSocket, { createWebSocketStream } from "ws";
import type {
  ErrorObservation,
  MqttObservation,
  Observations,
  TcpObservation,
  TlsObservation,
  WebSocketObservation,
} from "./observations.js";
import { toPem } from "../crypto/pem.js";
import { sniFor, targetUrl, usesTls, usesWebSocket, type DoctorTarget } from "./target.js";

/**
 * The only network I/O of doctor: one connection attempt, walked stage by stage (TCP, TLS,
 * websocket upgrade, MQTT CONNECT), each stage recorded as plain observations. Trust is not
 * decided here: the handshake runs with rejectUnauthorized false so the server's chain can
 * be reported even when nobody should trust it.
 */

/** PEM contents (not paths) of what the client presents and trusts. */
export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

export const DEFAULT_STAGE_TIMEOUT_MS = 5_000;

const TLS_VERSION_NAME = { "tlsv1.2": "TLSv1.2", "tlsv1.3": "TLSv1.3" } as const;
/** mosquitto asks websocket clients for this subprotocol and refuses the upgrade without it. */
const MQTT_SUBPROTOCOL = "mqtt";

export async function probe(
  target: DoctorTarget,
  material: TlsMaterial,
  timeoutMs = DEFAULT_STAGE_TIMEOUT_MS,
): Promise<Observations> {
  const opened = await openTcp(target, timeoutMs);
  const observations: Observations = { target, tcp: opened.observation };
  const streams: Duplex[] = [];
  let webSocket: WebSocket | undefined;
  try {
    if (!opened.socket) return observations;
    let stream: Duplex = opened.socket;
    streams.push(stream);
    if (usesTls(target.protocol)) {
      const secured = await handshake(opened.socket, target, material, timeoutMs);
      observations.tls = secured.observation;
      if (!secured.socket) return observations;
      stream = secured.socket;
      streams.push(stream);
    }
    if (usesWebSocket(target.protocol)) {
      const upgraded = await upgrade(stream as Socket, target, timeoutMs);
      observations.websocket = upgraded.observation;
      webSocket = upgraded.webSocket;
      if (!upgraded.stream) return observations;
      stream = upgraded.stream;
      streams.push(stream);
    }
    observations.mqtt = await mqttConnect(stream, timeoutMs);
    return observations;
  } finally {
    webSocket?.terminate();
    for (const stream of streams.reverse()) stream.destroy();
  }
}

function errorOf(error: unknown): ErrorObservation {
  const { code, message } = error as NodeJS.ErrnoException;
  return { code: typeof code === "string" ? code : undefined, message: String(message ?? error).trim() };
}

/**
 * Each stage listens for its own events; an error that arrives between two stages (a TLS 1.3
 * alert, say) must not become an unhandled 'error' event that kills the process.
 */
function absorbStrayErrors(emitter: NodeJS.EventEmitter): void {
  emitter.on("error", () => undefined);
}

/** Resolves once with the first outcome; `onTimeout` decides what a silent peer means. */
function settleOnce<T>(timeoutMs: number, onTimeout: () => T, start: (finish: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: T): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => finish(onTimeout()), timeoutMs);
    start(finish);
  });
}

function openTcp(target: DoctorTarget, timeoutMs: number): Promise<{ socket?: Socket; observation: TcpObservation }> {
  const socket = net.connect({ host: target.host, port: target.port });
  absorbStrayErrors(socket);
  return settleOnce<{ socket?: Socket; observation: TcpObservation }>(
    timeoutMs,
    () => {
      socket.destroy();
      return { observation: { ok: false, timedOut: true } };
    },
    (finish) => {
      socket.once("connect", () => finish({ socket, observation: { ok: true, remoteAddress: socket.remoteAddress } }));
      socket.once("error", (error) => {
        socket.destroy();
        finish({ observation: { ok: false, error: errorOf(error) } });
      });
    },
  );
}

function handshake(
  socket: Socket,
  target: DoctorTarget,
  material: TlsMaterial,
  timeoutMs: number,
): Promise<{ socket?: TLSSocket; observation: TlsObservation }> {
  const clientCertSent = material.cert !== undefined;
  const version = target.tlsVersion ? TLS_VERSION_NAME[target.tlsVersion] : undefined;
  let secure: TLSSocket;
  try {
    secure = tls.connect({
      socket,
      servername: sniFor(target),
      ca: material.ca,
      cert: material.cert,
      key: material.key,
      rejectUnauthorized: false,
      minVersion: version,
      maxVersion: version,
    });
  } catch (error) {
    // Node checks the certificate and key before a byte is sent (e.g. "key values mismatch").
    return Promise.resolve({
      observation: { ok: false, localError: true, error: errorOf(error), peerChain: [], clientCertSent },
    });
  }
  absorbStrayErrors(secure);
  type Outcome = { socket?: TLSSocket; observation: TlsObservation };
  const failed = (extra: Partial<TlsObservation>): Outcome => ({
    observation: { ok: false, peerChain: peerChainOf(secure), clientCertSent, ...extra },
  });
  return settleOnce<Outcome>(
    timeoutMs,
    () => failed({ timedOut: true }),
    (finish) => {
      secure.once("secureConnect", () =>
        finish({
          socket: secure,
          observation: {
            ok: true,
            protocol: secure.getProtocol() ?? undefined,
            cipher: secure.getCipher()?.name,
            peerChain: peerChainOf(secure),
            authorized: secure.authorized,
            // Typed as Error, but Node hands over the OpenSSL code as a string.
            authorizationError: secure.authorizationError ? String(secure.authorizationError) : undefined,
            clientCertSent,
          },
        }),
      );
      secure.once("error", (error) => finish(failed({ error: errorOf(error) })));
      secure.once("close", () =>
        finish(failed({ error: { message: "the connection closed during the TLS handshake" } })),
      );
    },
  );
}

/** The server's chain as PEM, leaf first; Node links each certificate to its issuer. */
function peerChainOf(socket: TLSSocket): string[] {
  let cert: PeerCertificate | undefined;
  try {
    cert = socket.getPeerCertificate(true);
  } catch {
    return [];
  }
  const pems: string[] = [];
  const seen = new Set<string>();
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    pems.push(toPem(cert.raw, "CERTIFICATE"));
    cert = (cert as tls.DetailedPeerCertificate).issuerCertificate;
  }
  return pems;
}

function upgrade(
  socket: Socket,
  target: DoctorTarget,
  timeoutMs: number,
): Promise<{ webSocket?: WebSocket; stream?: Duplex; observation: WebSocketObservation }> {
  // The connection is already open (and secured): ws only writes the HTTP upgrade on it.
  const webSocket = new WebSocket(targetUrl(target), [MQTT_SUBPROTOCOL], {
    createConnection: () => socket,
    handshakeTimeout: timeoutMs,
  });
  absorbStrayErrors(webSocket);
  return settleOnce<{ webSocket?: WebSocket; stream?: Duplex; observation: WebSocketObservation }>(
    timeoutMs,
    () => ({ webSocket, observation: { ok: false, timedOut: true } }),
    (finish) => {
      webSocket.once("open", () => {
        const stream = createWebSocketStream(webSocket);
        absorbStrayErrors(stream);
        finish({
          webSocket,
          stream,
          observation: { ok: true, statusCode: 101, subprotocol: webSocket.protocol || undefined },
        });
      });
      webSocket.once("unexpected-response", (request, response) => {
        request.destroy();
        finish({
          webSocket,
          observation: {
            ok: false,
            statusCode: response.statusCode,
            error: { message: `HTTP ${response.statusCode} ${response.statusMessage ?? ""}`.trim() },
          },
        });
      });
      webSocket.once("error", (error) => finish({ webSocket, observation: { ok: false, error: errorOf(error) } }));
    },
  );
}

const CONNACK_FIRST_BYTE = 0x20;

function mqttConnect(stream: Duplex, timeoutMs: number): Promise<MqttObservation> {
  let received = Buffer.alloc(0);
  return settleOnce<MqttObservation>(
    timeoutMs,
    () => ({ ok: false, timedOut: true }),
    (finish) => {
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      parser.on("packet", (packet) => {
        if (packet.cmd !== "connack")
          return finish({ ok: false, unexpectedReply: `MQTT ${packet.cmd.toUpperCase()} instead of CONNACK` });
        const { returnCode = 0, sessionPresent } = packet as mqttPacket.IConnackPacket;
        finish({ ok: returnCode === 0, connack: { returnCode, sessionPresent } });
        stream.end(mqttPacket.generate({ cmd: "disconnect" }));
      });
      parser.on("error", () => finish({ ok: false, unexpectedReply: firstLine(received) }));
      stream.on("data", (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received[0] !== CONNACK_FIRST_BYTE) finish({ ok: false, unexpectedReply: firstLine(received) });
        else parser.parse(chunk);
      });
      stream.once("error", (error) => finish({ ok: false, error: errorOf(error) }));
      stream.once("close", () =>
        finish(
          received.length === 0
            ? { ok: false, closedWithoutReply: true }
            : { ok: false, unexpectedReply: firstLine(received) },
        ),
      );
      stream.write(
        mqttPacket.generate({
          cmd: "connect",
          protocolId: "MQTT",
          protocolVersion: 4,
          clean: true,
          keepalive: 30,
          clientId: `mqtt-pki-doctor-${randomBytes(4).toString("hex")}`,
        }),
      );
    },
  );
}

/** "HTTP/1.0 403 Forbidden" out of whatever bytes came back, printable and short. */
function firstLine(bytes: Buffer): string {
  const text = bytes
    .toString("latin1")
    .split(/\r?\n/)[0]
    .replace(/[^\x20-\x7e]/g, "?");
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
