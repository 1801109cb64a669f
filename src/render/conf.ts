import path from "node:path";
import { renderTemplate } from "./templates.js";
import { treeLayout } from "../tree/layout.js";
import { usesAcl, usesPasswords } from "./access.js";
import type { ListenerSpec, ServerSpec, Spec } from "../spec/types.js";

export function describeListener(listener: ListenerSpec): string {
  return listener.protocol === "websockets" ? `MQTT over secure websockets (wss)` : "MQTT over TLS (mqtts)";
}

/** Files the conf points at that depend on the tree, not only on the spec. */
export interface ConfOptions {
  /** Every tree mqtt-pki writes has a CRL from its first build: mosquitto 2.0 applies a crlfile added later only on a restart. */
  crlFile?: boolean;
  /** An acl_file although the spec sets no rules: a revoked identity must be denied every topic. */
  aclFile?: boolean;
  /** During a CA rotation the broker trusts the old + new bundle instead of ca.crt. */
  bundle?: boolean;
}

/** Global access files, from the spec: a password file when clients log in, an ACL file when rules exist. */
function accessFiles(spec: Spec, options: ConfOptions) {
  const deployed = treeLayout(spec.deployDir);
  return {
    passwordFile: usesPasswords(spec) ? deployed.passwdFile : undefined,
    aclFile: usesAcl(spec) || options.aclFile ? deployed.aclFile : undefined,
  };
}

/** One `listener` block; paths are where the files will live on the broker host. */
export function renderListenerBlock(
  spec: Spec,
  server: ServerSpec,
  listener: ListenerSpec,
  options: ConfOptions = {},
): string {
  const deployed = treeLayout(spec.deployDir);
  const loopbackWs = listener.protocol === "websockets" && listener.bind !== undefined;
  return renderTemplate("listener.conf", {
    server: server.name,
    description: describeListener(listener),
    port: listener.port,
    bind: listener.bind,
    protocol: listener.protocol,
    socketDomain: loopbackWs ? (listener.bind!.includes(":") ? "ipv6" : "ipv4") : undefined,
    wsBindNote: loopbackWs,
    cafile: options.bundle ? deployed.caBundle : deployed.caCert,
    certfile: deployed.serverCert(server.name),
    keyfile: deployed.serverKey(server.name),
    crlfile: options.crlFile ? deployed.crl : undefined,
    wsCrlNote: listener.protocol === "websockets",
    requireCertificate: server.requireCertificate,
    identityAsUsername: server.identityAsUsername,
    tlsVersion: server.tlsVersion,
  }).trimEnd();
}

function serverBlocks(spec: Spec, server: ServerSpec, options: ConfOptions) {
  return server.listeners.map((listener) => ({ block: renderListenerBlock(spec, server, listener, options) }));
}

/** The complete, runnable mosquitto.conf: global section plus every listener of every server. */
export function renderMosquittoConf(spec: Spec, options: ConfOptions = {}): string {
  const users = [...new Set(spec.servers.map((server) => server.user))];
  return renderTemplate("mosquitto.conf", {
    specName: path.basename(spec.file),
    confPath: treeLayout(spec.deployDir).mosquittoConf,
    // mosquitto has one `user` for the whole process; the default account needs no line.
    user: users.length === 1 && users[0] !== "mosquitto" ? users[0] : undefined,
    ...accessFiles(spec, options),
    listeners: spec.servers.flatMap((server) => serverBlocks(spec, server, options)),
  });
}

/** The listener blocks of one server, for an existing broker's conf.d/. */
export function renderConfD(spec: Spec, server: ServerSpec, options: ConfOptions = {}): string {
  return renderTemplate("conf.d", {
    server: server.name,
    specName: path.basename(spec.file),
    ...accessFiles(spec, options),
    listeners: serverBlocks(spec, server, options),
  });
}
