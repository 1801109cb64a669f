import type { CertFacts } from "../crypto/facts.js";
import { treeLayout } from "../tree/layout.js";
import type { Checklist } from "./result.js";
import { sameTrust } from "./checkConf.js";
import type { TrustedCas } from "./checkCertificates.js";
import type { ClientInvocation } from "./parseCommands.js";
import type { ClientView } from "./snapshot.js";
import type { ClientSpec, ListenerSpec, ServerSpec } from "../spec/types.js";

const REBUILD = "run `mqtt-pki build` to regenerate commands.sh";

/** Every line of every commands.sh against the listeners, the CA and the client's own files. */
export function checkCommands(snapshot: ClientView, list: Checklist, trusted: TrustedCas): void {
  const layout = treeLayout(snapshot.spec.out);
  for (const client of snapshot.clients) {
    const invocations = snapshot.commands.get(client.name);
    if (!invocations) {
      list.fail(`client ${client.name}`, `${layout.clientCommands(client.name)} is missing`, REBUILD);
      continue;
    }
    const clientCert = snapshot.parsed.certificate(layout.clientCert(client.name));
    const covered = new Set<number>();
    let good = true;
    for (const call of invocations) {
      const problem = invocationProblem(snapshot, client, call, trusted, clientCert, covered);
      if (problem) {
        good = false;
        list.fail(`client ${client.name} (commands.sh:${call.line})`, problem.message, problem.hint);
      }
    }
    const missing = snapshot.spec.servers
      .flatMap((s) => s.listeners.map((l) => ({ s, l })))
      .filter(({ l }) => !covered.has(l.port));
    if (missing.length > 0)
      list.warn(
        `client ${client.name}`,
        `commands.sh has no line for ${missing.map(({ s, l }) => `${s.name}:${l.port}`).join(", ")}`,
        REBUILD,
      );
    if (good)
      list.pass(`client ${client.name}`, `commands.sh: ${invocations.length} lines match the listeners and files`);
  }
}

function findListener(snapshot: ClientView, call: ClientInvocation): { server?: ServerSpec; listener?: ListenerSpec } {
  const servers = snapshot.spec.servers.filter((server) => server.host === call.host);
  for (const server of servers) {
    const listener = server.listeners.find((l) => l.port === call.port);
    if (listener) return { server, listener };
  }
  return { server: servers[0] };
}

function invocationProblem(
  snapshot: ClientView,
  client: ClientSpec,
  call: ClientInvocation,
  trusted: TrustedCas,
  clientCert: CertFacts | undefined,
  covered: Set<number>,
): { message: string; hint: string } | undefined {
  const { server, listener } = findListener(snapshot, call);
  if (!server)
    return { message: `${call.tool} dials ${call.host ?? "no host"}, which is no server's host`, hint: REBUILD };
  if (!listener)
    return {
      message: `${call.tool} uses port ${call.port ?? "(none)"}, but server ${server.name} listens on ${server.listeners.map((l) => l.port).join(", ")}`,
      hint: REBUILD,
    };
  covered.add(listener.port);
  const wanted = listener.protocol === "websockets" ? "wss" : "mqtts";
  if (call.tool !== "mqttx" && listener.protocol === "websockets")
    return {
      message: `${call.tool} cannot speak websockets, but port ${listener.port} is a websockets listener`,
      hint: "use the mqttx line with `-l wss` for this port",
    };
  if (call.protocol !== wanted) {
    return {
      message: `mqttx uses -l ${call.protocol ?? "(none, so plain mqtt)"} against port ${listener.port}, a ${listener.protocol === "websockets" ? "websockets" : "MQTT-over-TLS"} listener`,
      hint: `write \`-l ${wanted}\`: ${wanted === "wss" ? "plain TLS sent to a websockets port is reset by the broker (the old MQTTX CLI wss→mqtts bug)" : "this port speaks MQTT over TLS, not websockets"}`,
    };
  }
  if (!call.caFile)
    return {
      message: `${call.tool} has no ${call.tool === "mqttx" ? "--ca" : "--cafile"}`,
      hint: 'add the CA file: without it mosquitto clients do not start TLS at all and report "The connection was lost" (or, from a plain listener, the misleading "bad user name or password")',
    };
  if (trusted.current && !sameTrust(snapshot, call.caFile, trusted))
    return {
      message: `CA file ${call.caFile} is not ${trusted.previous ? "the old + new CA bundle" : "the CA in ca/ca.crt"}`,
      hint: REBUILD,
    };
  if (!call.certFile || !call.keyFile)
    return {
      message: `${call.tool} lacks --cert or --key, but the broker requires a client certificate`,
      hint: REBUILD,
    };
  const cert = snapshot.parsed.certificate(call.certFile);
  // The same file parsed once is the same object: then its fingerprint need not be read.
  if (!cert || (clientCert && cert !== clientCert && cert.fingerprint256 !== clientCert.fingerprint256))
    return { message: `--cert ${call.certFile} is not client ${client.name}'s certificate`, hint: REBUILD };
  if (call.tool !== "mqttx" && call.tlsVersion !== server.tlsVersion) {
    return {
      message: `--tls-version is ${call.tlsVersion ?? "unset"}, the listener's tls_version is ${server.tlsVersion ?? "unset"}`,
      hint: REBUILD,
    };
  }
  if (listener.protocol === "websockets" && call.path !== listener.path)
    return { message: `--path is ${call.path ?? "unset"}, the spec says ${listener.path}`, hint: REBUILD };
  // A device-held key is not in the tree; its certificate was checked against the CSR instead.
  if (client.deviceKey && !snapshot.files.get(call.keyFile)?.content) return undefined;
  if (!snapshot.parsed.keyMatches(cert, call.keyFile))
    return { message: `--key ${call.keyFile} does not match --cert`, hint: REBUILD };
  return undefined;
}
