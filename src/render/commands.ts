import { quote } from "shell-quote";
import { renderTemplate } from "./templates.js";
import { describeListener } from "./conf.js";
import { treeLayout } from "../tree/layout.js";
import type { ClientSpec, ListenerSpec, ServerSpec, Spec } from "../spec/types.js";

/** The client files a command line points at. */
export interface ClientFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Login on top of the certificate (clients with `password: true`): username is the CN. */
  username?: string;
  password?: string;
}

/** `bundle`: during a CA rotation clients trust the old + new bundle. */
export function clientFiles(spec: Spec, client: ClientSpec, bundle = false): ClientFiles {
  const local = treeLayout(spec.out);
  return {
    caFile: bundle ? local.caBundle : local.caCert,
    certFile: local.clientCert(client.name),
    keyFile: local.clientKey(client.name),
  };
}

function message(client: ClientSpec): string {
  return `hello from ${client.name}`;
}

/** mosquitto_sub/pub argv for an MQTT-over-TLS listener (they cannot speak websockets). */
export function mosquittoArgs(
  kind: "sub" | "pub",
  server: ServerSpec,
  listener: ListenerSpec,
  client: ClientSpec,
  files: ClientFiles,
): string[] {
  const args = [
    `mosquitto_${kind}`,
    "-h",
    server.host,
    "-p",
    String(listener.port),
    "--cafile",
    files.caFile,
    "--cert",
    files.certFile,
    "--key",
    files.keyFile,
  ];
  if (server.tlsVersion) args.push("--tls-version", server.tlsVersion);
  if (files.password !== undefined) args.push("-u", files.username ?? client.cn, "-P", files.password);
  args.push("-t", client.topic);
  // The subscriber leaves after one message, or after 30 s so a broken setup never hangs a script.
  if (kind === "sub") args.push("-C", "1", "-W", "30");
  else args.push("-m", message(client));
  return args;
}

/** MQTTX CLI argv; `-l` is always explicit because some CLI versions guessed it wrong when given a client cert. */
export function mqttxArgs(
  kind: "sub" | "pub",
  server: ServerSpec,
  listener: ListenerSpec,
  client: ClientSpec,
  files: ClientFiles,
): string[] {
  const args = ["mqttx", kind, "-h", server.host, "-p", String(listener.port)];
  if (listener.protocol === "websockets") args.push("-l", "wss", "--path", listener.path);
  else args.push("-l", "mqtts");
  args.push("--ca", files.caFile, "--cert", files.certFile, "--key", files.keyFile);
  if (files.password !== undefined) args.push("-u", files.username ?? client.cn, "-P", files.password);
  args.push("-t", client.topic);
  if (kind === "pub") args.push("-m", message(client));
  return args;
}

/** commands.sh for one client: a round trip on every listener of every server. */
export function renderClientCommands(spec: Spec, client: ClientSpec, bundle = false, password?: string): string {
  const files = {
    ...clientFiles(spec, client, bundle),
    ...(password !== undefined ? { username: client.cn, password } : {}),
  };
  const targets = spec.servers.flatMap((server) =>
    server.listeners.map((listener) => ({
      server: server.name,
      description: describeListener(listener),
      host: server.host,
      port: listener.port,
      mosquitto:
        listener.protocol === "mqtt"
          ? {
              sub: quote(mosquittoArgs("sub", server, listener, client, files)),
              pub: quote(mosquittoArgs("pub", server, listener, client, files)),
            }
          : null,
      mqttxSub: quote(mqttxArgs("sub", server, listener, client, files)),
      mqttxPub: quote(mqttxArgs("pub", server, listener, client, files)),
    })),
  );
  return renderTemplate("commands.sh", { name: client.name, cn: client.cn.replace(/[\r\n]/g, " "), targets });
}
