import { isIP } from "node:net";
import type { TlsVersion } from "../spec/types.js";

/**
 * How doctor dials: mqtts and wss are what mqtt-pki's listeners speak; mqtt and ws (no TLS)
 * reproduce a client that forgot TLS, so doctor can say that the port wants it.
 */
export const DOCTOR_PROTOCOLS = ["mqtts", "wss", "mqtt", "ws"] as const;
export type DoctorProtocol = (typeof DOCTOR_PROTOCOLS)[number];

export const DEFAULT_WEBSOCKET_PATH = "/mqtt";

export interface DoctorTarget {
  host: string;
  port: number;
  protocol: DoctorProtocol;
  /** Websocket path (wss/ws only). */
  path: string;
  /** Name sent as SNI and checked against the SAN; default the host. */
  servername?: string;
  /** Pin exactly this TLS version; default: whatever both sides agree on. */
  tlsVersion?: TlsVersion;
}

export function usesTls(protocol: DoctorProtocol): boolean {
  return protocol === "mqtts" || protocol === "wss";
}

export function usesWebSocket(protocol: DoctorProtocol): boolean {
  return protocol === "wss" || protocol === "ws";
}

/** The name the server certificate must cover. */
export function expectedName(target: DoctorTarget): string {
  return target.servername ?? target.host;
}

/** RFC 6066 forbids an IP address as SNI; Node warns and the broker ignores it anyway. */
export function sniFor(target: DoctorTarget): string | undefined {
  const name = expectedName(target);
  return isIP(name) === 0 ? name : undefined;
}

/** "mqtts://localhost:8883" or "wss://localhost:8884/mqtt". */
export function targetUrl(target: DoctorTarget): string {
  const host = isIP(target.host) === 6 ? `[${target.host}]` : target.host;
  return `${target.protocol}://${host}:${target.port}${usesWebSocket(target.protocol) ? target.path : ""}`;
}

export function tlsVersionLabel(version: TlsVersion): string {
  return version === "tlsv1.3" ? "TLS 1.3" : "TLS 1.2";
}
