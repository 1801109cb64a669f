/**
 * Specs and trees for end-to-end tests: write a pki.yaml into a work dir, build it with the
 * programmatic API, and pick lines out of the generated commands.sh.
 *
 * Every spec has `out: ./pki`, a CA (default CN "E2E Root CA"), one server `broker`
 * (CN broker.e2e.test, dns [localhost], ip [127.0.0.1], host localhost) with an MQTT-over-TLS
 * listener and a websockets listener, both `bind: 127.0.0.1` on free ports, and some clients.
 */
import type { ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { build, verify, type BuildResult, type VerifyReport } from "../../../src/index.js";
import type { KeyAlgorithm } from "../../../src/spec/types.js";
import { treeLayout, type TreeLayout } from "../../../src/tree/layout.js";
import { freePort } from "./ports.js";
import { killPid, spawnTracked, stopChild } from "./processes.js";

export interface ClientEntry {
  name: string;
  key?: KeyAlgorithm;
  cn?: string;
  topic?: string;
  /** `password: true`: the client also logs in with a generated password. */
  password?: boolean;
}

export interface SpecOptions {
  /** MQTT-over-TLS listener port; default a free port. */
  mqttPort?: number;
  /** Websockets listener port; default a free port. */
  wsPort?: number;
  /** Default: one client `alice`. */
  clients?: (string | ClientEntry)[];
  caCn?: string;
  caKey?: KeyAlgorithm;
  /** Extra `key: value` lines for the ca entry, e.g. "crlDays: 10". */
  caLines?: string[];
  serverCn?: string;
  serverKey?: KeyAlgorithm;
  /** Extra `key: value` lines for the server entry, e.g. "identityAsUsername: false". */
  serverLines?: string[];
  /** `defaults.key`; left out when undefined. */
  defaultKey?: KeyAlgorithm;
  /** Raw YAML appended at the end (top-level keys). */
  extra?: string;
}

export interface WrittenSpec {
  dir: string;
  specFile: string;
  /** Absolute output directory (<dir>/pki). */
  out: string;
  layout: TreeLayout;
  mqttPort: number;
  wsPort: number;
  clients: ClientEntry[];
  /** The YAML text as written. */
  text: string;
}

export const E2E_CA_CN = "E2E Root CA";
export const E2E_SERVER_CN = "broker.e2e.test";

function clientEntry(client: string | ClientEntry): ClientEntry {
  return typeof client === "string" ? { name: client } : client;
}

/** The pki.yaml text for these options; ports must be given. */
export function specYaml(opts: SpecOptions & { mqttPort: number; wsPort: number }): string {
  const clients = (opts.clients ?? ["alice"]).map(clientEntry);
  const lines = [
    "version: 1",
    "out: ./pki",
    ...(opts.defaultKey ? ["defaults:", `  key: ${opts.defaultKey}`] : []),
    "ca:",
    `  cn: ${JSON.stringify(opts.caCn ?? E2E_CA_CN)}`,
    ...(opts.caKey ? [`  key: ${opts.caKey}`] : []),
    ...(opts.caLines ?? []).map((line) => `  ${line}`),
    "servers:",
    "  - name: broker",
    `    cn: ${opts.serverCn ?? E2E_SERVER_CN}`,
    "    dns: [localhost]",
    "    ip: [127.0.0.1]",
    "    host: localhost",
    ...(opts.serverKey ? [`    key: ${opts.serverKey}`] : []),
    ...(opts.serverLines ?? []).map((line) => `    ${line}`),
    "    listeners:",
    `      - port: ${opts.mqttPort}`,
    "        bind: 127.0.0.1",
    `      - port: ${opts.wsPort}`,
    "        protocol: websockets",
    "        bind: 127.0.0.1",
    "clients:",
    ...clients.flatMap((c) => [
      `  - name: ${c.name}`,
      ...(c.cn ? [`    cn: ${JSON.stringify(c.cn)}`] : []),
      ...(c.key ? [`    key: ${c.key}`] : []),
      ...(c.topic ? [`    topic: ${JSON.stringify(c.topic)}`] : []),
      ...(c.password ? ["    password: true"] : []),
    ]),
  ];
  return `${lines.join("\n")}\n${opts.extra ? `${opts.extra.trimEnd()}\n` : ""}`;
}

/** Writes <dir>/pki.yaml (mode 0644) and returns where everything will be. */
export async function writeSpec(dir: string, opts: SpecOptions = {}): Promise<WrittenSpec> {
  const mqttPort = opts.mqttPort ?? (await freePort());
  let wsPort = opts.wsPort ?? (await freePort());
  while (wsPort === mqttPort) wsPort = await freePort();
  const text = specYaml({ ...opts, mqttPort, wsPort });
  const specFile = path.join(dir, "pki.yaml");
  await writeFile(specFile, text, { mode: 0o644 });
  const out = path.join(dir, "pki");
  return {
    dir,
    specFile,
    out,
    layout: treeLayout(out),
    mqttPort,
    wsPort,
    clients: (opts.clients ?? ["alice"]).map(clientEntry),
    text,
  };
}

/** Builds the spec through the API (spec object or the dir holding pki.yaml). */
export async function buildTree(spec: WrittenSpec | string): Promise<BuildResult> {
  const specFile = typeof spec === "string" ? path.join(spec, "pki.yaml") : spec.specFile;
  return build({ specFile });
}

/** verify() through the API. */
export async function verifyTree(spec: WrittenSpec): Promise<VerifyReport> {
  return verify({ specFile: spec.specFile });
}

/** The failing checks of a report as "subject: message" lines (for assertion messages). */
export function failures(report: VerifyReport): string[] {
  return report.checks.filter((c) => c.status === "fail").map((c) => `${c.subject}: ${c.message}`);
}

export interface CommandLines {
  /** The `mosquitto_sub ... &` line, verbatim (including the trailing `&`). */
  sub: string;
  /** The `mosquitto_pub ...` line, verbatim. */
  pub: string;
}

/** The mosquitto_sub/pub pair for `port` in a commands.sh (first one if port is omitted). */
export function mosquittoLines(commandsSh: string, port?: number): CommandLines {
  const lines = commandsSh.split("\n");
  const pick = (tool: string): string => {
    const found = lines.find((l) => l.startsWith(`${tool} `) && (port === undefined || l.includes(` -p ${port} `)));
    if (!found) throw new Error(`no ${tool} line${port ? ` for port ${port}` : ""} in commands.sh:\n${commandsSh}`);
    return found;
  };
  const sub = pick("mosquitto_sub");
  if (!sub.trimEnd().endsWith("&")) throw new Error(`mosquitto_sub line does not end with &: ${sub}`);
  return { sub, pub: pick("mosquitto_pub") };
}

/** Removes one `flag value` pair (value as a single word) from a command line. */
export function dropFlag(line: string, flag: string): string {
  const dropped = line.replace(new RegExp(`\\s${flag.replace(/[-]/g, "\\-")}\\s+\\S+`), "");
  if (dropped === line) throw new Error(`${flag} not found in: ${line}`);
  return dropped;
}

/** Poll a condition; on timeout fail with a diagnostic (e.g. broker logs). */
export async function waitFor(cond: () => boolean, timeoutMs: number, diag: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms:\n${diag()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An Output for the CLI's main() that keeps what it printed. */
export function captureOutput(): {
  out(line?: string): void;
  err(line?: string): void;
  stdout(): string;
  stderr(): string;
} {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (line = "") => void out.push(line),
    err: (line = "") => void err.push(line),
    stdout: () => out.join("\n"),
    stderr: () => err.join("\n"),
  };
}

export interface BackgroundLine {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Exit code of the line's last background job (the shell runs `wait $!`). */
  exited: Promise<number | null>;
}

const groups = new Set<ChildProcess>();

/**
 * Runs a shell line that ends in `&` (e.g. commands.sh's `mosquitto_sub ... &`) verbatim,
 * followed by `wait $!` so the shell lives as long as the job and reports its exit code.
 * The shell leads its own process group, so stopBackgroundLines() ends the job too.
 */
export function startBackgroundLine(line: string): BackgroundLine {
  const child = spawnTracked("/bin/sh", ["-c", `${line}\nwait $!`], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  groups.add(child);
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once("close", (code) => {
      groups.delete(child);
      resolve(code);
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** SIGTERM every process group started by startBackgroundLine (by its leader's PID). */
export async function stopBackgroundLines(): Promise<void> {
  for (const child of groups) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }
  await Promise.all([...groups].map((child) => stopChild(child)));
  for (const child of groups) killPid(child.pid, "SIGKILL");
  groups.clear();
}
