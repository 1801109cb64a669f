import type { ListenerSpec, ServerSpec, Spec } from "../spec/types.js";

/**
 * What each listener of each server does with a revoked client once mosquitto has reloaded,
 * as measured on mosquitto 2.0.11: mqtts checks the CRL in the handshake; websockets listeners
 * check none, so there the ACL (no topic at all) and the password file (no line) cut it off.
 */
export function revocationEffects(spec: Spec, clientName: string): string[] {
  const client = spec.clients.find((c) => c.name === clientName);
  const lines: string[] = [];
  for (const server of spec.servers) {
    for (const listener of server.listeners) lines.push(`  ${server.name} port ${listener.port} (${listener.protocol === "websockets" ? "wss" : "mqtts"}): ${listenerEffect(server, listener, client?.password === true)}`);
  }
  return lines;
}

function listenerEffect(server: ServerSpec, listener: ListenerSpec, password: boolean): string {
  const login = password && !server.identityAsUsername;
  if (listener.protocol !== "websockets") return "refuses its certificate in the TLS handshake (the CRL lists it: alert certificate_revoked).";
  if (login) return "still completes the TLS handshake (mosquitto 2.0 checks no CRL on websockets), then refuses its login: its line is gone from the password file.";
  return "still lets it connect (mosquitto 2.0 checks no CRL on websockets), but nothing it publishes reaches anyone and nothing reaches it: the ACL grants its CN no topic. It can still hold a connection open, and take over a session by reusing another device's client id.";
}
