import type { DoctorTarget } from "./target.js";

/**
 * What the probe saw, stage by stage, as plain data: no judgement, no sockets. diagnose.ts
 * turns it into words; unit tests write it by hand.
 */

/** A Node error as it came: the code (e.g. ERR_SSL_TLSV1_ALERT_UNKNOWN_CA) and message. */
export interface ErrorObservation {
  code?: string;
  message: string;
}

/** Every stage ends in one of these: it worked, it failed with an error, or nothing happened in time. */
export interface StageOutcome {
  ok: boolean;
  error?: ErrorObservation;
  timedOut?: boolean;
}

export interface TcpObservation extends StageOutcome {
  /** The address actually reached (useful when a name resolves to several). */
  remoteAddress?: string;
}

export interface TlsObservation extends StageOutcome {
  /** Node refused our own files before sending anything (e.g. key and certificate differ). */
  localError?: boolean;
  /** Negotiated version and cipher, once the handshake completed. */
  protocol?: string;
  cipher?: string;
  /** The server's certificates as PEM, leaf first; often known even when the handshake failed. */
  peerChain: string[];
  /** Node's own verdict against the CA we passed (or its default store when we passed none). */
  authorized?: boolean;
  authorizationError?: string;
  clientCertSent: boolean;
}

export interface WebSocketObservation extends StageOutcome {
  /** HTTP status of the upgrade answer, when an HTTP answer came at all. */
  statusCode?: number;
  subprotocol?: string;
}

export interface MqttObservation extends StageOutcome {
  connack?: { returnCode: number; sessionPresent: boolean };
  /** The first line of a reply that was not MQTT (e.g. "HTTP/1.0 403 Forbidden"). */
  unexpectedReply?: string;
  /** The peer closed the connection before any reply. */
  closedWithoutReply?: boolean;
}

/** One attempt to connect; stages after the first one that failed outright are absent. */
export interface Observations {
  target: DoctorTarget;
  tcp: TcpObservation;
  tls?: TlsObservation;
  websocket?: WebSocketObservation;
  mqtt?: MqttObservation;
}
