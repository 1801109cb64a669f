/** Start and stop a real mosquitto broker for end-to-end tests. */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { canConnect } from "./ports.js";
import { spawnTracked, stopChild } from "./processes.js";

export interface Broker {
  pid: number;
  /** Everything the broker wrote to stdout and stderr so far. */
  logs(): string;
  /** SIGTERM, SIGKILL after 3 s; resolves once the process has exited. */
  stop(): Promise<void>;
  /** SIGHUP, as an operator reloads it; resolves once the broker has logged the reload (and throws if it died). */
  reload(): Promise<void>;
}

export interface StartBrokerOptions {
  /** Pass -v so connection/auth failures show up in logs(). Default true. */
  verbose?: boolean;
  /** How long to wait for "running" and for every listener. Default 10 s. */
  timeoutMs?: number;
  /**
   * Run the broker with its clock this far ahead, in libfaketime's offset form: "+40d",
   * "+12h", "+90m", "+30s" (or "-…" for behind). Only the broker's clock moves: the test and
   * the clients keep real time, as when one host's clock is wrong.
   */
  clockAhead?: string;
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

/** Where Debian's faketime package puts the library. */
export const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/** Throws (never skips): a clock-shift test without libfaketime would prove nothing. */
export function requireLibfaketime(): string {
  if (existsSync(LIBFAKETIME)) return LIBFAKETIME;
  throw new Error(
    `${LIBFAKETIME} not found; tests that shift the broker's clock need libfaketime (Debian: apt-get install faketime)`,
  );
}

const OFFSET_UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "+40d" in milliseconds; refuses other forms, which libfaketime would read some other way. */
export function clockOffsetMs(offset: string): number {
  const m = /^([+-])(\d+)([smhd])$/.exec(offset);
  if (!m) throw new Error(`clockAhead \`${offset}\` is not an offset like "+40d", "+12h", "+90m" or "-30s"`);
  return (m[1] === "-" ? -1 : 1) * Number(m[2]) * OFFSET_UNIT_MS[m[3]];
}

/**
 * The environment that moves the broker's clock. LD_PRELOAD rather than the `faketime`
 * wrapper: the wrapper forks, so the PID we hold (and stop) would not be the broker's.
 */
function clockEnv(offset: string): NodeJS.ProcessEnv {
  clockOffsetMs(offset);
  return { ...process.env, LD_PRELOAD: requireLibfaketime(), FAKETIME: offset };
}

/** mosquitto starts each log line with its own time(): proof that the preload took. */
function brokerClockOffsetMs(log: string): number | undefined {
  const m = /^(\d+): mosquitto version \S+ running/m.exec(log);
  return m ? Number(m[1]) * 1000 - Date.now() : undefined;
}

/** How far the broker's logged clock may differ from the offset asked for (start-up, rounding). */
const CLOCK_SLACK_MS = 60_000;

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
  const env = opts.clockAhead === undefined ? process.env : clockEnv(opts.clockAhead);
  const child = spawnTracked(bin, args, { detached: false, stdio: ["ignore", "pipe", "pipe"], env });
  let log = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (log += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (log += d));
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited with code ${code} signal ${signal}`));
  child.once("error", (err) => (exited = `failed to spawn: ${err.message}`));

  const reload = async (): Promise<void> => {
    const before = log.split("Reloading config.").length;
    process.kill(child.pid!, "SIGHUP");
    const until = Date.now() + 5_000;
    while (log.split("Reloading config.").length === before) {
      if (exited || Date.now() > until)
        throw new Error(
          `mosquitto did not reload on SIGHUP (${exited ?? "no 'Reloading config.' in its log"})\n--- broker log ---\n${log}`,
        );
      await sleep(POLL_MS);
    }
    // The reload is logged before the files are read again; give it a moment to finish.
    await sleep(200);
    if (exited) throw new Error(`mosquitto ${exited} after SIGHUP\n--- broker log ---\n${log}`);
  };
  const broker: Broker = { pid: child.pid ?? -1, logs: () => log, stop: () => stopChild(child, STOP_GRACE_MS), reload };
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
  if (opts.clockAhead !== undefined) {
    const seen = brokerClockOffsetMs(log);
    if (seen === undefined || Math.abs(seen - clockOffsetMs(opts.clockAhead)) > CLOCK_SLACK_MS) {
      return fail(
        `ran with LD_PRELOAD=${LIBFAKETIME} FAKETIME=${opts.clockAhead}, but its log shows a clock ${seen === undefined ? "it did not print" : `${Math.round(seen / 1000)} s off`}: libfaketime did not shift it`,
      );
    }
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
