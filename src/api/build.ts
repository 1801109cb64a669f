import { existsSync } from "node:fs";
import { currentTime, writingTime } from "../clock.js";
import { acquireTreeLock, takeTreeLock } from "../io/lock.js";
import { defaultPassphrase, type PassphraseSource } from "../io/passphrase.js";
import { loadSpecFile } from "../spec/load.js";
import type { ParsedSpec } from "../spec/parse.js";
import { treeLayout } from "../tree/layout.js";
import { checkOutFolder } from "../tree/outFolder.js";
import { compareStampsInBackground, type UnchangedClients } from "../tree/backgroundStamps.js";
import { stampsCanSettle, type Intents } from "../build/intents.js";
import type { ProgressListener } from "../build/materialize.js";
import type { PlannedFile } from "../build/plannedFiles.js";
import { journalFile } from "../build/journal.js";
import { finishInterrupted, recoveryNote, repairForReading } from "../build/recovery.js";
import type { BuildResult } from "../build/result.js";

export interface BuildOptions {
  /** Path of pki.yaml; default ./pki.yaml. */
  specFile?: string;
  /** Time to issue at; default the clock (see clock.ts). */
  now?: Date | string;
  /** Plan only: read everything, write nothing. */
  dryRun?: boolean;
  /** Let `now` lie ahead of the real clock for a command that writes (refused otherwise). */
  issueInTheFuture?: boolean;
  /** Revoke and archive clients the spec no longer names. */
  prune?: boolean;
  /** Where the CA key's passphrase comes from (default: $MQTT_PKI_CA_PASSPHRASE, else a prompt). */
  passphrase?: PassphraseSource;
  /** Told how many certificates are issued so far (the CLI draws a progress bar from it). */
  onProgress?: ProgressListener;
}

export type { BuildResult, ReloadAdvice } from "../build/result.js";

/** Converges the output tree to the spec: plans, issues what is missing or stale, writes. */
export function build(options: BuildOptions = {}): Promise<BuildResult> {
  return converge(options, { prune: options.prune });
}

/** What a command hands the build beyond its options: a spec it read and edited, and what else lands with the tree. */
export interface CommandInput {
  /** The spec as the command read (and edited) it; otherwise the spec file is read here. */
  parsed?: ParsedSpec;
  /** Started while the command read the spec (issue): its lock and stamp comparison are used. */
  early?: EarlyStart;
  /** Files outside the tree put in place in the same commit as the tree (the edited spec). */
  outside?: readonly PlannedFile[];
  /** CSRs handed in by the command (sign), by client name: taken as if the tree held them. */
  csrs?: ReadonlyMap<string, string>;
}

/**
 * What build, rotate, revoke, issue and sign share: read the spec, lock the tree, finish what
 * an interrupted run left, then let the engine plan with the command's intents and make what
 * the plan needs.
 */
export async function converge(
  options: BuildOptions,
  intents: Intents,
  input: CommandInput = {},
): Promise<BuildResult> {
  const now = options.dryRun ? currentTime(options.now) : writingTime(options.now, options.issueInTheFuture);
  const early = input.early ?? (options.dryRun || !stampsCanSettle(intents) ? undefined : new EarlyStart());
  let release: (() => Promise<void>) | undefined;
  try {
    let { spec, warnings } = input.parsed ?? (await loadSpecFile(options.specFile, early?.start));
    await checkOutFolder(spec);
    const { plan, apply } = await import("../build/engine.js");
    const run = { intents, now, csrs: input.csrs };
    if (options.dryRun) {
      if ((await repairForReading(spec.out, spec.file))?.placed.includes(spec.file))
        ({ spec, warnings } = await respec(options, input));
      return (await plan({ ...run, spec, warnings })).result;
    }
    release = await (early ? early.lockFor(spec.out) : acquireTreeLock(spec.out));
    const recovery = await finishInterrupted(spec.out, spec.file);
    // The interrupted run was an issue or sign: its spec is the one to build from.
    if (recovery.placed.includes(spec.file)) ({ spec, warnings } = await respec(options, input));
    const result = await apply({
      ...run,
      spec,
      warnings,
      passphrase: options.passphrase ?? defaultPassphrase,
      onProgress: options.onProgress,
      unchanged: early?.unchangedFor(spec.out),
      outside: input.outside,
    });
    const note = recoveryNote(recovery);
    if (note) result.warnings.unshift(note);
    return result;
  } finally {
    // Whatever failed before the lock was ours for good, an early one is given back.
    early?.stop();
    await (release ? release() : early?.abandon());
  }
}

/**
 * Thrown when finishing an interrupted run replaced the spec file that a command had already
 * read and edited (issue, sign): the command starts again from the spec as it is now.
 */
export class SpecReplacedMeanwhile extends Error {}

async function respec(options: BuildOptions, input: CommandInput): Promise<ParsedSpec> {
  if (input.parsed) throw new SpecReplacedMeanwhile("the spec was replaced while finishing an interrupted run");
  return loadSpecFile(options.specFile);
}

/** Runs a command that edits the spec, once more when finishing an interrupted run replaced the spec it had read. */
export async function againIfSpecReplaced<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof SpecReplacedMeanwhile)) throw error;
    return work();
  }
}

/**
 * A rebuild of a fleet's tree spends much of its time comparing stamps (50,000 lstats for
 * 10,000 clients). As soon as the spec's output folder is known, before the rest of the spec
 * is validated, this takes the tree's lock and starts that comparison in a worker thread.
 */
export class EarlyStart {
  private out?: string;
  private lock?: Promise<() => Promise<void>>;
  private comparison?: ReturnType<typeof compareStampsInBackground>;
  private unchanged?: UnchangedClients;

  readonly start = (out: string): void => {
    // Only for a tree with a stamp index (so the lock's folder is there already: a spec that
    // turns out bad must leave nothing behind). Synchronous: the spec is still being read.
    // Once: a command that read the spec before the build (issue) has started it already.
    if (this.out !== undefined || !existsSync(treeLayout(out).stamps)) return;
    this.out = out;
    try {
      this.lock = Promise.resolve(takeTreeLock(out));
    } catch (error) {
      // Reported by lockFor, after the spec's own problems.
      this.lock = Promise.reject(error);
      this.lock.catch(() => undefined);
      return;
    }
    // An interrupted run's journal changes files once it is redone: nothing to compare before that.
    if (existsSync(journalFile(out))) return;
    this.comparison = compareStampsInBackground(treeLayout(out));
    this.unchanged = this.comparison.unchanged;
  };

  /** The lock taken early when the spec's `out` is the one it was taken for; otherwise the lock, taken now. */
  async lockFor(out: string): Promise<() => Promise<void>> {
    if (this.lock && this.out === out) return this.lock;
    await this.abandon();
    return acquireTreeLock(out);
  }

  unchangedFor(out: string): UnchangedClients | undefined {
    return this.out === out ? this.unchanged : undefined;
  }

  stop(): void {
    this.comparison?.stop();
  }

  /** The spec failed (or names another tree): stop the comparison and give the lock back. */
  async abandon(): Promise<void> {
    const lock = this.lock;
    this.lock = this.out = this.unchanged = undefined;
    this.stop();
    const release = await lock?.catch(() => undefined);
    await release?.();
  }
}
