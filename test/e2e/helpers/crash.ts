/**
 * SIGKILL at a random moment, and what a tree must look like afterwards: the helpers of the
 * crash-safety tests. A killed run is a real `node bin/mqtt-pki.js` process (dist/, compiled by
 * jest's globalSetup); what runs next may be the CLI in this process (main()).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { main } from "../../../src/index.js";
import { captureOutput } from "./specs.js";

const ROOT = path.resolve(new URL("../../..", import.meta.url).pathname);
export const CLI = path.join(ROOT, "bin", "mqtt-pki.js");

/** The environment a user's shell would give the CLI: no test runner options, no passphrase, no fake clock. */
export function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.MQTT_PKI_CA_PASSPHRASE;
  delete env.MQTT_PKI_NOW;
  return env;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** The CLI's main() in this process: the same code path as the binary, without a process start. */
export async function cliInProcess(argv: string[]): Promise<CliResult> {
  const output = captureOutput();
  const code = await main(argv, output);
  return { code, out: output.stdout(), err: output.stderr() };
}

export interface KillOutcome {
  /** Milliseconds from spawn to the kill. */
  after: number;
  /** False when the run had finished on its own before the kill came. */
  killed: boolean;
  /** The exit code when it finished on its own. */
  code: number | null;
  /** The run had started staging files (something in the tree's .tmp) when it was killed. */
  whileWriting: boolean;
  /** It died in the middle of its commit: its journal was left for the next run to redo. */
  journalLeft: boolean;
}

export interface KillPlan {
  cwd: string;
  argv: string[];
  /** The tree's folder: its .tmp is watched for the first staged file and for the journal. */
  out: string;
  /** How long a whole run of this command takes (ms). */
  typicalMs: number;
  /** Picks the kind of moment: see killAtRandomMoment. */
  round: number;
}

/**
 * Runs the CLI and SIGKILLs it (by its PID) at a random moment. A third of the time anywhere
 * in a typical run; a third within 25 ms of its first staged file; a third within 3 ms of its
 * journal appearing. The moments while files are put in place are rare in a uniform draw, so
 * they are aimed at.
 */
export async function killAtRandomMoment(plan: KillPlan): Promise<KillOutcome> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...plan.argv], { cwd: plan.cwd, env: cliEnv(), stdio: "ignore" });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  const tempDir = path.join(plan.out, ".tmp");
  const journal = path.join(tempDir, "journal.json");
  const staging = () => existsSync(tempDir) && readdirSync(tempDir).length > 0;
  const waitFor = async (seen: () => boolean) => {
    const deadline = started + plan.typicalMs * 5;
    while (!done && !seen() && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  };
  const kind = plan.round % 3;
  if (kind === 0) await sleep(5 + Math.floor(Math.random() * Math.max(1, plan.typicalMs - 5)));
  else if (kind === 1) {
    await waitFor(staging);
    await sleep(Math.floor(Math.random() * 25));
  } else {
    await waitFor(() => existsSync(journal));
    const until = Date.now() + Math.random() * 3;
    while (Date.now() < until) await new Promise((resolve) => setImmediate(resolve));
  }
  const whileWriting = staging();
  if (!done) process.kill(child.pid!, "SIGKILL");
  const end = await exited;
  return {
    after: Date.now() - started,
    killed: end.signal === "SIGKILL",
    code: end.code,
    whileWriting,
    journalLeft: existsSync(journal),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What must never be left in a work folder once a command has run after a crash. */
export interface Leftovers {
  tempFiles: string[];
  worldReadableKeys: string[];
  locks: string[];
  staging: string[];
  journals: string[];
}

/** Walks the work folder (the spec's folder and the tree in it, hidden files included). */
export async function leftovers(dir: string): Promise<Leftovers> {
  const found: Leftovers = { tempFiles: [], worldReadableKeys: [], locks: [], staging: [], journals: [] };
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      const name = path.relative(dir, full);
      if (entry.name.includes(".partial-")) found.staging.push(name);
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      if (entry.name.endsWith(".tmp")) found.tempFiles.push(name);
      if (entry.name.endsWith(".lock") || entry.name.includes(".lock.stale")) found.locks.push(name);
      if (entry.name === "journal.json") found.journals.push(name);
      if (/\.key$|(^|\/)password$/.test(entry.name) && ((await lstat(full)).mode & 0o004) !== 0)
        found.worldReadableKeys.push(name);
    }
  };
  await walk(dir);
  return found;
}

/** Every CA key file in the tree (live, previous and archived), as their contents. */
export async function caKeysInTree(out: string): Promise<Set<string>> {
  const keys = new Set<string>();
  const add = async (file: string) => {
    if (existsSync(file)) keys.add(await readFile(file, "utf8"));
  };
  await add(path.join(out, "ca", "ca.key"));
  await add(path.join(out, "ca", "previous", "ca.key"));
  const archived = path.join(out, "archive", "ca");
  for (const serial of await readdir(archived).catch(() => [] as string[]))
    await add(path.join(archived, serial, "ca.key"));
  return keys;
}
