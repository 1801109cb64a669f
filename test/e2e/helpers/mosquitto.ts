/** Start and stop a real mosquitto broker for end-to-end tests. */
import { accessSync, constants, readFileSync } from "node:fs";
import path from "node:path";
import { canConnect } from "./ports.js";
import { spawnTracked, stopChild } from "./processes.js";

export interface Broker {
  pid: number;
  /** Everything the broker wrote to stdout and stderr so far. */
  logs(): string;
  /** SIGTERM, SIGKILL after 3 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface StartBrokerOptions {
  /** Pass -v so connection/auth failures show up in logs(). Default true. */
  verbose?: boolean;
  /** How long to wait for "running" and for every listener. Default 10 s. */
  timeoutMs?: number;
}

const SBIN_MOSQUITTO = "/usr/sbin/mosquitto";
const STOP_GRACE_MS = 3_000;
const POLL_MS = 50;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Path to the mosquitto binary. Throws (never skips): an e2e suite that
 * silently skips without a broker would report green while proving nothing.
 */
export function requireMosquitto(): string {
  if (isExecutable(SBIN_MOSQUITTO)) return SBIN_MOSQUITTO;
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  const found = dirs.map((d) => path.join(d, "mosquitto")).find(isExecutable);
  if (found) return found;
  throw new Error(
    `mosquitto not found at ${SBIN_MOSQUITTO} or on PATH; end-to-end tests need a real broker ` +
      "(Debian: apt-get install mosquitto mosquitto-clients)",
  );
}

/** Ports from `listener <port> [addr]` lines; used to wait until each accepts TCP. */
export function listenerPorts(confText: string): number[] {
  const ports: number[] = [];
  for (const raw of confText.split(/\r?\n/)) {
    const m = /^\s*listener\s+(\d+)(?:\s+\S+)?\s*$/.exec(raw);
    if (m && Number(m[1]) > 0) ports.push(Number(m[1]));
  }
  return ports;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Start `mosquitto -c confPath [-v]` as a tracked child (not detached, so it
 * dies with us in the worst case) and resolve once it logged that it is
 * running and every listener accepts TCP on 127.0.0.1. Rejects with the
 * captured log if it exits early or misses the deadline.
 * The TCP probes show up in the log as harmless "unexpected eof" TLS errors.
 * Never add `user root` to the conf: tests must see the same privilege drop
 * (to user mosquitto) as production, or file-permission bugs stay hidden.
 */
export async function startBroker(confPath: string, opts: StartBrokerOptions = {}): Promise<Broker> {
  const bin = requireMosquitto();
  const args = ["-c", confPath, ...(opts.verbose === false ? [] : ["-v"])];
  const child = spawnTracked(bin, args, { detached: false, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (log += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (log += d));
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited with code ${code} signal ${signal}`));
  child.once("error", (err) => (exited = `failed to spawn: ${err.message}`));

  const broker: Broker = { pid: child.pid ?? -1, logs: () => log, stop: () => stopChild(child, STOP_GRACE_MS) };
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const fail = async (why: string): Promise<never> => {
    await broker.stop();
    throw new Error(`mosquitto -c ${confPath} ${why}\n--- broker log ---\n${log}`);
  };
  const isRunning = (): boolean => /mosquitto version \S+ running/.test(log);

  while (!isRunning()) {
    if (exited) return fail(exited);
    if (Date.now() > deadline) return fail("did not log 'running' in time");
    await sleep(POLL_MS);
  }
  for (const port of listenerPorts(readFileSync(confPath, "utf8"))) {
    while (!(await canConnect(port))) {
      if (exited) return fail(exited);
      if (Date.now() > deadline) return fail(`listener ${port} never accepted TCP on 127.0.0.1`);
      await sleep(POLL_MS);
    }
  }
  return broker;
}
