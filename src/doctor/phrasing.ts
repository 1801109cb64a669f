import type { DoctorTarget } from "./target.js";

/** What a cause is (its id, the cause and the fix) and the helpers every cause's sentences use. */

export type CauseId =
  | "client-key-mismatch"
  | "client-cert-revoked"
  | "client-cert-expired"
  | "client-cert-not-yet-valid"
  | "tcp-refused"
  | "tcp-unreachable"
  | "host-unknown"
  | "tls-files-refused"
  | "tls-version-mismatch"
  | "tls-to-plain-port"
  | "not-tls"
  | "tls-alert"
  | "tls-no-answer"
  | "ca-cn-clash"
  | "no-ca"
  | "wrong-ca"
  | "self-signed-server"
  | "chain-refused"
  | "server-cert-expired"
  | "server-cert-not-yet-valid"
  | "hostname-mismatch"
  | "client-ca-untrusted"
  | "client-cert-required"
  | "client-cert-rejected"
  | "crl-expired"
  | "crl-not-yet-valid"
  | "broker-crl-stale"
  | "broker-crl-unseen"
  | "mqtts-to-websockets-port"
  | "wss-to-mqtt-port"
  | "plain-to-tls-port"
  | "websocket-refused"
  | "connack-bad-credentials"
  | "connack-not-authorized"
  | "connack-refused"
  | "no-connack";

export interface Cause {
  id: CauseId;
  cause: string;
  fix: string;
}

/** What the sentences may mention besides the failure itself. */
export interface Wording {
  target: DoctorTarget;
  /** The spec's client name, so fixes can name the mqtt-pki command. */
  clientName?: string;
  /** The spec's server name for the port, when the port is one of its listeners. */
  serverName?: string;
}

export function when(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function quoted(cn: string): string {
  return `"${cn}"`;
}
