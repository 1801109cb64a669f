import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { quote } from "shell-quote";
import { clientFiles, mosquittoArgs, mqttxArgs } from "../../../src/render/commands.js";
import {
  jsString,
  pyString,
  renderMosquittoSnippet,
  renderMqttJsSnippet,
  renderMqttxSnippet,
  renderPahoSnippet,
  renderSnippets,
} from "../../../src/render/snippets.js";
import type { Spec } from "../../../src/spec/types.js";
import { clientSpec, listener, serverSpec, twoServerSpec } from "../helpers/specs.js";

const ALL_URLS = [
  "mqtts://localhost:8883",
  "wss://localhost:8884/mqtt",
  "mqtts://edge.example.com:9883",
  "wss://edge.example.com:9443/ws",
];

/** Values nobody should be able to smuggle code through. */
const HOSTILE = [
  `a"; process.exit(0); //`,
  `b'); import os; os.system('id') #`,
  'c\\"\n\r\t`${process.exit(0)}`\u2028\u2029\u0000\u007f',
  "d ünïcödé 😀 \ud800 end",
  `e {{name}} {{{topic}}} */ """ '''`,
];

interface JsConstants {
  CA_FILE: string;
  CERT_FILE: string;
  KEY_FILE: string;
  TOPIC: string;
  MESSAGE: string;
  TIMEOUT_MS: number;
  TARGETS: { url: string; tls?: Record<string, unknown> }[];
}

/** Evaluates the constant block of an MQTT.js snippet (everything from CA_FILE to the end of TARGETS). */
function jsConstants(script: string): JsConstants {
  const start = script.indexOf("const CA_FILE");
  const end = script.indexOf("\n];\n", start) + 4;
  expect(start).toBeGreaterThan(0);
  return new Function(
    `${script.slice(start, end)}\nreturn { CA_FILE, CERT_FILE, KEY_FILE, TOPIC, MESSAGE, TIMEOUT_MS, TARGETS };`,
  )() as JsConstants;
}

interface PyConstants {
  CA_FILE: string;
  CERT_FILE: string;
  KEY_FILE: string;
  TOPIC: string;
  MESSAGE: string;
  TIMEOUT: number;
  TARGETS: {
    label: string;
    host: string;
    port: number;
    transport: string;
    path: string | null;
    tls_version: string | null;
  }[];
}

/** Runs the constant block of a paho snippet in python3 and reads the values back as JSON. */
function pyConstants(script: string): PyConstants {
  const start = script.indexOf("\nCA_FILE = ") + 1;
  const end = script.indexOf("\n]\n", start) + 3;
  expect(start).toBeGreaterThan(0);
  const program = [
    "import json, ssl, sys",
    script.slice(start, end),
    "for t in TARGETS:",
    "    t['tls_version'] = None if t['tls_version'] is None else t['tls_version'].name",
    "out = dict(CA_FILE=CA_FILE, CERT_FILE=CERT_FILE, KEY_FILE=KEY_FILE, TOPIC=TOPIC, MESSAGE=MESSAGE, TIMEOUT=TIMEOUT, TARGETS=TARGETS)",
    // Lone surrogates cannot be UTF-8 encoded: escape everything and let JSON.parse decode it.
    "sys.stdout.write(json.dumps(out, ensure_ascii=True))",
  ].join("\n");
  return JSON.parse(execFileSync("python3", ["-c", program], { encoding: "utf8" })) as PyConstants;
}

function pyCompiles(script: string): void {
  const dir = mkdtempSync(path.join(tmpdir(), "mqtt-pki-paho-"));
  try {
    const file = path.join(dir, "connect.py");
    writeFileSync(file, script);
    execFileSync("python3", ["-m", "py_compile", file], { stdio: "pipe" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs a shell snippet with its tools replaced by functions that print their argv, so the
 * quoting is checked by a real shell: returns each invocation's argv.
 */
function shellInvocations(text: string): string[][] {
  const tools = ["mosquitto_sub", "mosquitto_pub", "mqttx"]
    .map((tool) => `${tool}() { printf '%s\\0' ${tool} "$@"; printf '\\n'; }`)
    .join("\n");
  const out = execFileSync("sh", ["-c", `${tools}\neval "$(cat)"`], { input: text, encoding: "utf8" });
  return out
    .split("\0\n")
    .filter((chunk) => chunk !== "")
    .map((chunk) => chunk.split("\0"));
}

/** What commands.ts's own argv builders make, in snippet order. */
function expectedInvocations(spec: Spec, client: Spec["clients"][number], tool: "mosquitto" | "mqttx"): string[][] {
  const files = clientFiles(spec, client);
  return spec.servers.flatMap((server) =>
    server.listeners.flatMap((l) => {
      if (tool === "mqttx")
        return [mqttxArgs("sub", server, l, client, files), mqttxArgs("pub", server, l, client, files)];
      return l.protocol === "mqtt"
        ? [mosquittoArgs("sub", server, l, client, files), mosquittoArgs("pub", server, l, client, files)]
        : [];
    }),
  );
}

function nodeChecks(script: string): void {
  const dir = mkdtempSync(path.join(tmpdir(), "mqtt-pki-mqttjs-"));
  try {
    const file = path.join(dir, "connect.mjs");
    writeFileSync(file, script);
    execFileSync(process.execPath, ["--check", file], { stdio: "pipe" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("every listener of every server", () => {
  const spec = twoServerSpec();
  const client = spec.clients[0];
  const files = clientFiles(spec, client);

  test("the MQTT.js script dials each one, in spec order, with the client's files, topic and message", () => {
    const script = renderMqttJsSnippet(spec, client);
    const values = jsConstants(script);
    expect(values.TARGETS.map((t) => t.url)).toEqual(ALL_URLS);
    expect(values).toMatchObject({
      CA_FILE: files.caFile,
      CERT_FILE: files.certFile,
      KEY_FILE: files.keyFile,
      TOPIC: client.topic,
      MESSAGE: "hello from sensor-001",
      TIMEOUT_MS: 10_000,
    });
    expect(script).toMatch(/^import mqtt from "mqtt";$/m);
    nodeChecks(script);
  });

  test("the paho script dials each one: tcp for mqtts, websockets with the listener's path for wss", () => {
    const script = renderPahoSnippet(spec, client);
    const values = pyConstants(script);
    expect(values.TARGETS).toEqual([
      { label: ALL_URLS[0], host: "localhost", port: 8883, transport: "tcp", path: null, tls_version: null },
      { label: ALL_URLS[1], host: "localhost", port: 8884, transport: "websockets", path: "/mqtt", tls_version: null },
      {
        label: ALL_URLS[2],
        host: "edge.example.com",
        port: 9883,
        transport: "tcp",
        path: null,
        tls_version: "TLSv1_2",
      },
      {
        label: ALL_URLS[3],
        host: "edge.example.com",
        port: 9443,
        transport: "websockets",
        path: "/ws",
        tls_version: "TLSv1_2",
      },
    ]);
    expect(values).toMatchObject({
      CA_FILE: files.caFile,
      CERT_FILE: files.certFile,
      KEY_FILE: files.keyFile,
      TOPIC: client.topic,
      MESSAGE: "hello from sensor-001",
      TIMEOUT: 10,
    });
    expect(script).toContain("transport=transport");
    expect(script).toContain('client.ws_set_options(path=target["path"])');
    pyCompiles(script);
  });

  test("the wss path reaches MQTT.js through the URL, and a TLS version through wsOptions (mqtts: directly)", () => {
    const values = jsConstants(renderMqttJsSnippet(spec, client));
    expect(values.TARGETS[3]).toEqual({
      url: "wss://edge.example.com:9443/ws",
      tls: { wsOptions: { minVersion: "TLSv1.2", maxVersion: "TLSv1.2" } },
    });
    expect(values.TARGETS[2]).toEqual({
      url: "mqtts://edge.example.com:9883",
      tls: { minVersion: "TLSv1.2", maxVersion: "TLSv1.2" },
    });
    expect(values.TARGETS[0]).toEqual({ url: "mqtts://localhost:8883" });
  });

  test("mosquitto lines are exactly commands.sh's argv, quoted, for MQTT listeners only; MQTTX lines for all", () => {
    const mosquitto = renderMosquittoSnippet(spec, client).split("\n");
    const mqttx = renderMqttxSnippet(spec, client).split("\n");
    for (const server of spec.servers) {
      for (const l of server.listeners) {
        const sub = quote(mosquittoArgs("sub", server, l, client, files));
        const pub = quote(mosquittoArgs("pub", server, l, client, files));
        if (l.protocol === "mqtt") expect(mosquitto).toEqual(expect.arrayContaining([sub, pub]));
        else expect(mosquitto.some((line) => line.includes(` -p ${l.port} `))).toBe(false);
        expect(mqttx).toEqual(
          expect.arrayContaining([
            quote(mqttxArgs("sub", server, l, client, files)),
            quote(mqttxArgs("pub", server, l, client, files)),
          ]),
        );
      }
    }
    expect(mqttx.filter((line) => line.startsWith("mqttx sub "))).toHaveLength(4);
    expect(mosquitto.filter((line) => line.startsWith("mosquitto_sub "))).toHaveLength(2);
  });

  test("an IPv6 host is bracketed in URLs and bare for paho's connect()", () => {
    const v6 = twoServerSpec({ servers: [serverSpec({ host: "::1" })] });
    expect(jsConstants(renderMqttJsSnippet(v6, v6.clients[0])).TARGETS.map((t) => t.url)).toEqual([
      "mqtts://[::1]:8883",
      "wss://[::1]:8884/mqtt",
    ]);
    expect(pyConstants(renderPahoSnippet(v6, v6.clients[0])).TARGETS.map((t) => t.host)).toEqual(["::1", "::1"]);
  });
});

describe("the CA file follows renderClientCommands", () => {
  const spec = twoServerSpec();
  const client = spec.clients[1];

  test.each([false, true])("bundle=%s", (bundle) => {
    const caFile = clientFiles(spec, client, bundle).caFile;
    expect(caFile.endsWith(bundle ? "/ca/bundle.crt" : "/ca/ca.crt")).toBe(true);
    const texts = renderSnippets(spec, client, bundle);
    expect(jsConstants(texts.mqttjs).CA_FILE).toBe(caFile);
    expect(pyConstants(texts.paho).CA_FILE).toBe(caFile);
    for (const line of [...texts.mosquitto.split("\n"), ...texts.mqttx.split("\n")].filter(
      (l) => !l.startsWith("#") && l !== "",
    )) {
      expect(line).toContain(quote([caFile]));
    }
    expect(texts.mqttjs.includes("old + new CA bundle")).toBe(bundle);
    expect(texts.paho.includes("old + new CA bundle")).toBe(bundle);
  });
});

describe("hostile values stay data", () => {
  test.each(HOSTILE)(
    "topic and out %j come back unchanged from JS and Python, and both scripts still parse",
    (value) => {
      const spec = twoServerSpec({ out: `/tmp/x ${value}/pki`, clients: [clientSpec({ topic: `t/${value}` })] });
      const client = spec.clients[0];
      const files = clientFiles(spec, client);
      const texts = renderSnippets(spec, client);
      const js = jsConstants(texts.mqttjs);
      const py = pyConstants(texts.paho);
      for (const values of [js, py]) {
        expect(values).toMatchObject({
          CA_FILE: files.caFile,
          CERT_FILE: files.certFile,
          KEY_FILE: files.keyFile,
          TOPIC: `t/${value}`,
        });
      }
      // An argv cannot hold NUL, and a lone surrogate has no UTF-8 form: the shell check needs neither.
      if (!value.includes("\0") && !/[\ud800-\udfff]/.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) {
        expect(shellInvocations(texts.mosquitto)).toEqual(expectedInvocations(spec, client, "mosquitto"));
        expect(shellInvocations(texts.mqttx)).toEqual(expectedInvocations(spec, client, "mqttx"));
      }
      nodeChecks(texts.mqttjs);
      pyCompiles(texts.paho);
    },
  );

  test("a hostile websocket path and host stay inside their literals", () => {
    const bad = `/ws"); process.exit(0); ("\n#`;
    const spec = twoServerSpec({
      servers: [
        serverSpec({ host: `h"\nimport os`, listeners: [listener({ port: 8884, protocol: "websockets", path: bad })] }),
      ],
    });
    const client = spec.clients[0];
    const texts = renderSnippets(spec, client);
    expect(jsConstants(texts.mqttjs).TARGETS[0].url).toBe(`wss://h"\nimport os:8884${bad}`);
    expect(pyConstants(texts.paho).TARGETS[0]).toMatchObject({ host: `h"\nimport os`, path: bad });
    // A line break in the host cannot end a comment line: the shell runs exactly the MQTTX argv.
    expect(shellInvocations(texts.mqttx)).toEqual(expectedInvocations(spec, client, "mqttx"));
    nodeChecks(texts.mqttjs);
    pyCompiles(texts.paho);
  });

  test("a client name with a line break cannot end a comment", () => {
    const spec = twoServerSpec({ clients: [clientSpec({ name: "x\nprocess.exit(0)\nimport os" })] });
    const texts = renderSnippets(spec, spec.clients[0]);
    expect(texts.mqttjs).not.toMatch(/^process\.exit\(0\)/m);
    expect(texts.paho).not.toMatch(/^import os$/m);
    expect(shellInvocations(texts.mosquitto)).toEqual(expectedInvocations(spec, spec.clients[0], "mosquitto"));
    expect(shellInvocations(texts.mqttx)).toEqual(expectedInvocations(spec, spec.clients[0], "mqttx"));
    nodeChecks(texts.mqttjs);
    pyCompiles(texts.paho);
  });

  test("jsString and pyString round-trip any string (fast-check, checked by node and python3)", () => {
    const samples = fc.sample(fc.string({ unit: "binary", maxLength: 40 }), 300).concat(HOSTILE);
    for (const s of samples) expect(new Function(`return ${jsString(s)};`)()).toBe(s);
    const program = [
      "import ast, json, sys",
      `values = [${samples.map(pyString).join(",\n")}]`,
      // ensure_ascii escapes lone surrogates, so the JSON side sees exactly what Python holds.
      "sys.stdout.write(json.dumps(values, ensure_ascii=True))",
    ].join("\n");
    expect(JSON.parse(execFileSync("python3", ["-c", program], { encoding: "utf8", maxBuffer: 1 << 24 }))).toEqual(
      samples,
    );
    expect(pyString("😀")).toBe('"\\U0001f600"');
    expect(pyString('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
  });
});

describe("a client whose key lives on the device", () => {
  test("both scripts say so", () => {
    const spec = twoServerSpec({ clients: [clientSpec({ deviceKey: true })] });
    const texts = renderSnippets(spec, spec.clients[0]);
    expect(texts.mqttjs).toContain("point KEY_FILE at it");
    expect(texts.paho).toContain("point KEY_FILE at it");
    expect(renderMqttJsSnippet(twoServerSpec(), twoServerSpec().clients[0])).not.toContain("point KEY_FILE at it");
  });
});
