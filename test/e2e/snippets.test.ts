/**
 * `mqtt-pki snippets`: build a tree, start a real mosquitto on its mosquitto.conf, and run the
 * MQTT.js snippet as a user would (saved as a .mjs file, run with node): it must make a round
 * trip over the mqtts and the wss listener and exit 0, also during a CA rotation (bundle). The
 * paho snippet must compile. The client's topic carries quotes, `$`, a backslash and an emoji;
 * the server allows TLS 1.2 only.
 */
import { main } from "../../src/cli.js";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { snippets } from "../../src/api/snippets.js";
import { rotate } from "../../src/api/rotate.js";
import { renderMqttJsSnippet } from "../../src/render/snippets.js";
import { loadSpecFile } from "../../src/spec/load.js";
import {
  type Broker,
  makeWorkDir,
  removeWorkDir,
  requireMosquitto,
  run,
  startBroker,
  stopAll,
} from "./helpers/index.js";
import { buildTree, captureOutput, writeSpec, type WrittenSpec } from "./helpers/specs.js";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TOPIC = `e2e/it's "quoted" $HOME \\ 😀`;

let dir: string;
/** Inside the project, so `import mqtt from "mqtt"` resolves from its node_modules. */
let scriptDir: string;
let spec: WrittenSpec;
let broker: Broker | undefined;

beforeAll(async () => {
  requireMosquitto();
  dir = await makeWorkDir("mqtt-pki-e2e-snippets-");
  scriptDir = await mkdtemp(path.join(PROJECT_ROOT, ".snippets-e2e-"));
  // tls_version makes the snippet pin its TLS version (on the websocket too, through wsOptions).
  spec = await writeSpec(dir, {
    clients: [{ name: "alice", topic: TOPIC }, "bob"],
    serverLines: ["tlsVersion: tlsv1.2"],
  });
  await buildTree(spec);
  broker = await startBroker(spec.layout.mosquittoConf);
});

afterAll(async () => {
  await broker?.stop();
  await stopAll();
  if (scriptDir) await rm(scriptDir, { recursive: true, force: true });
  if (dir) await removeWorkDir(dir);
});

/** Saves a snippet into the project and runs it with node (or python3 -m py_compile). */
async function runMqttJs(text: string, name: string) {
  const file = path.join(scriptDir, `${name}.mjs`);
  await writeFile(file, text);
  return run(process.execPath, [file], { cwd: scriptDir, timeoutMs: 15_000 });
}

/** `mqtt-pki snippets …` through the command module with the CLI's global options (until src/cli.ts registers it). */
async function runSnippetsCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = captureOutput();
  const code = await main(argv, output);
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}

describe("the MQTT.js snippet against a real mosquitto", () => {
  test("round trip over mqtts and wss with the client's files; prints the message for each and exits 0", async () => {
    const { mqttjs } = await snippets({ specFile: spec.specFile, name: "alice" });
    const r = await runMqttJs(mqttjs, "alice");
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      `mqtts://localhost:${spec.mqttPort}: hello from alice`,
      `wss://localhost:${spec.wsPort}/mqtt: hello from alice`,
    ]);
    // The broker saw alice (identity from her certificate) on the exact, oddly quoted topic.
    expect(broker!.logs()).toMatch(/u'alice'/);
    expect(broker!.logs()).toContain(`'${TOPIC}'`);
  });

  test("a listener nobody serves: error on stderr and exit 1, well before the 10 s timeout", async () => {
    const { spec: parsed } = await loadSpecFile(spec.specFile);
    const broken = {
      ...parsed,
      servers: parsed.servers.map((s) => ({ ...s, listeners: [{ ...s.listeners[0], port: 1 }] })),
    };
    const started = Date.now();
    const r = await runMqttJs(renderMqttJsSnippet(broken, parsed.clients[1]), "refused");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mqtts:\/\/localhost:1: .*ECONNREFUSED/m);
    expect(r.stdout).toBe("");
    expect(Date.now() - started).toBeLessThan(9_000);
  });
});

describe("mqtt-pki snippets", () => {
  test("--format mqttjs prints the script alone; all prints the four under titles; the paho script compiles", async () => {
    const texts = await snippets({ specFile: spec.specFile, name: "bob" });
    const one = await runSnippetsCli(["snippets", "bob", "-f", spec.specFile, "--format", "mqttjs"]);
    expect(one).toEqual({ code: 0, stdout: texts.mqttjs.trimEnd(), stderr: "" });
    const all = await runSnippetsCli(["snippets", "bob", "-f", spec.specFile]);
    expect(all.code).toBe(0);
    for (const text of Object.values(texts)) expect(all.stdout).toContain(text.trimEnd());
    expect(all.stdout).toContain(`mosquitto_sub -h localhost -p ${spec.mqttPort} --cafile ${spec.layout.caCert}`);
    expect(all.stdout).toContain(`mqttx sub -h localhost -p ${spec.wsPort} -l wss --path /mqtt`);
    const json = await runSnippetsCli(["snippets", "bob", "-f", spec.specFile, "--format", "paho", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({ paho: texts.paho });

    const pyFile = path.join(dir, "connect.py");
    await writeFile(pyFile, texts.paho);
    const compiled = await run("python3", ["-m", "py_compile", pyFile]);
    expect({ code: compiled.code, stderr: compiled.stderr }).toEqual({ code: 0, stderr: "" });
  });

  test("an unknown client or format is bad input (exit 2)", async () => {
    const unknown = await runSnippetsCli(["snippets", "nobody", "-f", spec.specFile]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no client named `nobody`/);
    expect(unknown.stderr).toMatch(/alice, bob/);
    expect((await runSnippetsCli(["snippets", "bob", "-f", spec.specFile, "--format", "curl"])).code).toBe(2);
  });
});

describe("during a CA rotation", () => {
  test("the snippet trusts ca/bundle.crt and still makes both round trips with the restarted broker", async () => {
    await rotate({ specFile: spec.specFile, ca: "start" });
    await broker!.stop();
    broker = await startBroker(spec.layout.mosquittoConf);
    const { mqttjs } = await snippets({ specFile: spec.specFile, name: "bob" });
    expect(mqttjs).toContain(JSON.stringify(spec.layout.caBundle));
    const r = await runMqttJs(mqttjs, "bob-rotating");
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      `mqtts://localhost:${spec.mqttPort}: hello from bob`,
      `wss://localhost:${spec.wsPort}/mqtt: hello from bob`,
    ]);
  });
});
