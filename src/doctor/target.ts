import { isIP } from "node:net";
import { PkiError } from "../errors.js";
import type { ServerSpec, Spec, TlsVersion } from "../spec/types.js";

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

/** How to dial one host and port, as the caller asked (`doctor --host --port`). */
export interface TargetRequest {
  host?: string;
  port?: number;
  /** Default mqtts. */
  protocol?: DoctorProtocol;
  /** Websocket path; default /mqtt. */
  path?: string;
  servername?: string;
  tlsVersion?: TlsVersion;
}

/** The asked-for target, refused with a hint when the host, port or websocket path cannot be dialled. */
export function requestedTarget(request: TargetRequest): DoctorTarget {
  if (!request.host || request.port === undefined) {
    throw new PkiError("doctor needs --host and --port (or --server NAME to check a server of the spec)", {
      hint: "e.g. mqtt-pki doctor --host localhost --port 8883 --client sensor-001",
    });
  }
  if (!Number.isInteger(request.port) || request.port < 1 || request.port > 65535) {
    throw new PkiError(`\`${request.port}\` is not a TCP port`, { hint: "give a whole number from 1 to 65535" });
  }
  const wsPath = request.path ?? DEFAULT_WEBSOCKET_PATH;
  if (!wsPath.startsWith("/"))
    throw new PkiError(`the websocket path \`${wsPath}\` must start with /`, { hint: "e.g. --path /mqtt" });
  return {
    host: request.host,
    port: request.port,
    protocol: request.protocol ?? "mqtts",
    path: wsPath,
    servername: request.servername,
    tlsVersion: request.tlsVersion,
  };
}

/** The spec's server of that name (`doctor --server`), refused with the names there are. */
export function serverNamed(spec: Spec, name: string): ServerSpec {
  const server = spec.servers.find((candidate) => candidate.name === name);
  if (!server)
    throw new PkiError(`no server named \`${name}\` in the spec`, {
      hint: `servers: ${spec.servers.map((s) => s.name).join(", ")}`,
    });
  return server;
}

/** One target a listener of the server; the host and ports come from the spec, SNI and a pinned version from the caller. */
export function listenerTargets(
  server: ServerSpec,
  request: Pick<TargetRequest, "servername" | "tlsVersion">,
): DoctorTarget[] {
  return server.listeners.map((listener) => ({
    host: server.host,
    port: listener.port,
    protocol: listener.protocol === "websockets" ? "wss" : "mqtts",
    path: listener.path,
    servername: request.servername,
    tlsVersion: request.tlsVersion ?? server.tlsVersion,
  }));
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
