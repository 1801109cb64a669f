import { isIP } from "node:net";
import { quote } from "shell-quote";
import { renderTemplate } from "./templates.js";
import { describeListener } from "./conf.js";
import { clientFiles, mosquittoArgs, mqttxArgs } from "./commands.js";
import type { ClientSpec, ListenerSpec, ServerSpec, Spec, TlsVersion } from "../spec/types.js";

/**
 * Connection snippets for one client: shell lines (mosquitto_sub/pub, MQTTX CLI), an MQTT.js
 * script and a paho-mqtt script, each dialling every listener of every server with the
 * client's files. Pure functions over the resolved spec; `bundle` as in renderClientCommands
 * (during a CA rotation the client trusts ca/bundle.crt).
 */

/** Seconds a script waits for its own message on one listener before giving up. */
export const SNIPPET_TIMEOUT_SECONDS = 10;

interface Target {
  server: ServerSpec;
  listener: ListenerSpec;
}

function targets(spec: Spec): Target[] {
  return spec.servers.flatMap((server) => server.listeners.map((listener) => ({ server, listener })));
}

function message(client: ClientSpec): string {
  return `hello from ${client.name}`;
}

/** Text for a one-line comment: a line break in a value must never end the comment. */
function oneLine(value: string): string {
  return value.replace(/[\r\n\u2028\u2029]+/g, " ");
}

/** The URL a listener is dialled at (`mqtts://host:port` or `wss://host:port/path`); IPv6 hosts in brackets. */
export function listenerUrl(server: ServerSpec, listener: ListenerSpec): string {
  const host = isIP(server.host) === 6 ? `[${server.host}]` : server.host;
  return listener.protocol === "websockets"
    ? `wss://${host}:${listener.port}${listener.path}`
    : `mqtts://${host}:${listener.port}`;
}

/** A JavaScript string literal (JSON is valid JS; U+2028/2029 escaped too, for older parsers and editors). */
export function jsString(value: string): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/**
 * A Python str literal, as Python's json.dumps writes it (ASCII only, \uXXXX escapes), except
 * that a character outside the BMP becomes \UXXXXXXXX: in Python source a JSON surrogate pair
 * would stay two lone surrogates instead of one character.
 */
export function pyString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

/** Node's and Python's names for the one TLS version a server allows (mosquitto's tls_version is exact). */
const NODE_TLS: Record<TlsVersion, string> = { "tlsv1.2": "TLSv1.2", "tlsv1.3": "TLSv1.3" };
const PYTHON_TLS: Record<TlsVersion, string> = {
  "tlsv1.2": "ssl.TLSVersion.TLSv1_2",
  "tlsv1.3": "ssl.TLSVersion.TLSv1_3",
};

function header(spec: Spec, client: ClientSpec, bundle: boolean) {
  const files = clientFiles(spec, client, bundle);
  return {
    files,
    name: oneLine(client.name),
    deviceKey: client.deviceKey,
    bundle,
    timeoutSeconds: SNIPPET_TIMEOUT_SECONDS,
  };
}

/** mosquitto_sub/pub lines for every MQTT-over-TLS listener (the same argv as commands.sh). */
/** The client's files, plus its login when it has a password. */
function loginFiles(spec: Spec, client: ClientSpec, bundle: boolean, password?: string) {
  return { ...clientFiles(spec, client, bundle), ...(password !== undefined ? { username: client.cn, password } : {}) };
}

export function renderMosquittoSnippet(spec: Spec, client: ClientSpec, bundle = false, password?: string): string {
  const files = loginFiles(spec, client, bundle, password);
  const lines = [
    `# mosquitto_sub / mosquitto_pub for client ${oneLine(client.name)}: start the subscriber, then publish from another shell.`,
  ];
  for (const { server, listener } of targets(spec)) {
    lines.push(
      "",
      `# ${oneLine(server.name)}: ${describeListener(listener)}, ${oneLine(server.host)} port ${listener.port}`,
    );
    if (listener.protocol === "mqtt") {
      lines.push(
        quote(mosquittoArgs("sub", server, listener, client, files)),
        quote(mosquittoArgs("pub", server, listener, client, files)),
      );
    } else {
      lines.push("# (mosquitto_pub/sub cannot speak websockets; use the MQTTX CLI lines.)");
    }
  }
  return `${lines.join("\n")}\n`;
}

/** MQTTX CLI lines for every listener (mqtts and wss). */
export function renderMqttxSnippet(spec: Spec, client: ClientSpec, bundle = false, password?: string): string {
  const files = loginFiles(spec, client, bundle, password);
  const lines = [
    `# MQTTX CLI for client ${oneLine(client.name)}: start the subscriber, then publish from another shell.`,
  ];
  for (const { server, listener } of targets(spec)) {
    lines.push(
      "",
      `# ${oneLine(server.name)}: ${describeListener(listener)}, ${oneLine(server.host)} port ${listener.port}`,
    );
    lines.push(
      quote(mqttxArgs("sub", server, listener, client, files)),
      quote(mqttxArgs("pub", server, listener, client, files)),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** An MQTT.js (Node, ESM) script: a round trip on every listener; exit 0 when all made it. */
export function renderMqttJsSnippet(spec: Spec, client: ClientSpec, bundle = false, password?: string): string {
  const { files, ...view } = header(spec, client, bundle);
  const list = targets(spec);
  return renderTemplate("snippet.mqttjs", {
    ...view,
    // Clients with `password: true` log in with their CN and generated password as well.
    login: password === undefined ? "{}" : `{ username: ${jsString(client.cn)}, password: ${jsString(password)} }`,
    caFile: jsString(files.caFile),
    certFile: jsString(files.certFile),
    keyFile: jsString(files.keyFile),
    topic: jsString(client.topic),
    message: jsString(message(client)),
    targets: list.map(({ server, listener }, i) => {
      const tls = server.tlsVersion ? jsString(NODE_TLS[server.tlsVersion]) : undefined;
      return {
        url: jsString(listenerUrl(server, listener)),
        // Node's TLS options reach the websocket through wsOptions; mqtts takes them directly.
        tls:
          tls &&
          (listener.protocol === "websockets"
            ? `wsOptions: { minVersion: ${tls}, maxVersion: ${tls} }`
            : `minVersion: ${tls}, maxVersion: ${tls}`),
        last: i === list.length - 1,
      };
    }),
  });
}

/** A paho-mqtt (Python 3) script: a round trip on every listener; exit 0 when all made it. */
export function renderPahoSnippet(spec: Spec, client: ClientSpec, bundle = false, password?: string): string {
  const { files, ...view } = header(spec, client, bundle);
  return renderTemplate("snippet.paho", {
    ...view,
    username: password === undefined ? "None" : pyString(client.cn),
    password: password === undefined ? "None" : pyString(password),
    caFile: pyString(files.caFile),
    certFile: pyString(files.certFile),
    keyFile: pyString(files.keyFile),
    topic: pyString(client.topic),
    message: pyString(message(client)),
    targets: targets(spec).map(({ server, listener }) => ({
      label: pyString(listenerUrl(server, listener)),
      host: pyString(server.host),
      port: listener.port,
      transport: pyString(listener.protocol === "websockets" ? "websockets" : "tcp"),
      path: listener.protocol === "websockets" ? pyString(listener.path) : "None",
      tlsVersion: server.tlsVersion ? PYTHON_TLS[server.tlsVersion] : "None",
    })),
  });
}

/** Every snippet for one client, by format. */
export interface SnippetTexts {
  mosquitto: string;
  mqttx: string;
  mqttjs: string;
  paho: string;
}

export function renderSnippets(spec: Spec, client: ClientSpec, bundle = false, password?: string): SnippetTexts {
  return {
    mosquitto: renderMosquittoSnippet(spec, client, bundle, password),
    mqttx: renderMqttxSnippet(spec, client, bundle, password),
    mqttjs: renderMqttJsSnippet(spec, client, bundle, password),
    paho: renderPahoSnippet(spec, client, bundle, password),
  };
}
