/** Child processes for end-to-end tests: run-to-completion and tracked long-runners. */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
}

export interface RunResult {
  /** Exit code, or null if the child died from a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const KILL_GRACE_MS = 2_000;

/**
 * Run a command to completion. Never rejects on non-zero exit: tests want to
 * assert on code/stderr. Only a failure to spawn (e.g. ENOENT) rejects.
 * On timeout the child is SIGKILLed by PID so nothing outlives the test.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => killPid(child.pid, "SIGKILL"), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // Ignore EPIPE if the child exits without reading its input.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** Run one shell line (as a user would paste it) through /bin/sh -c. */
export function runShellLine(line: string, opts: RunOptions = {}): Promise<RunResult> {
  return run("/bin/sh", ["-c", line], opts);
}

/** Signal a PID, ignoring "no such process" (it may already be gone). */
export function killPid(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** True while a process with this PID exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const tracked = new Set<ChildProcess>();

/**
 * spawn() that remembers the child so stopAll() can kill it later.
 * Use for anything that runs in the background (brokers, subscribers).
 */
export function spawnTracked(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, [...args], { stdio: "pipe", ...opts });
  tracked.add(child);
  child.once("exit", () => tracked.delete(child));
  child.once("error", () => tracked.delete(child));
  return child;
}

/** PIDs of tracked children that have not exited yet. */
export function trackedPids(): number[] {
  return [...tracked].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

/**
 * Stop one child by PID: SIGTERM, then SIGKILL if it is still there after
 * graceMs. Resolves once the child has exited.
 */
export function stopChild(child: ChildProcess, graceMs = KILL_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => killPid(child.pid, "SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    killPid(child.pid, "SIGTERM");
  });
}

/** Stop every tracked child; call from afterAll/afterEach so nothing leaks. */
export async function stopAll(): Promise<void> {
  await Promise.all([...tracked].map((c) => stopChild(c)));
  tracked.clear();
}
