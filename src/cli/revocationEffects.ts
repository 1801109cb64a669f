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
    for (const listener of server.listeners)
      lines.push(
        `  ${server.name} port ${listener.port} (${listener.protocol === "websockets" ? "wss" : "mqtts"}): ${listenerEffect(server, listener, client?.password === true)}`,
      );
  }
  return lines;
}

function listenerEffect(server: ServerSpec, listener: ListenerSpec, password: boolean): string {
  const login = password && !server.identityAsUsername;
  if (listener.protocol !== "websockets")
    return "refuses its certificate in the TLS handshake (the CRL lists it: alert certificate_revoked).";
  const restarted = login
    ? "its login is refused: its line is gone from the password file"
    : "it still connects, but nothing it publishes reaches anyone and nothing reaches it: the ACL grants its CN no topic (it can still hold a connection open, and take over a session by reusing another device's client id)";
  return `refuses its certificate in the handshake once reloaded with SIGHUP (mosquitto 2.0.11 loads the CRL into websockets listeners on a reload, not at start-up). On a broker started afresh, which checks no CRL there, ${restarted}.`;
}
