import { currentTime, writingTime } from "../clock.js";
import { acquireTreeLock } from "../io/lock.js";
import { defaultPassphrase, type PassphraseSource } from "../io/passphrase.js";
import { loadSpecFile } from "../spec/load.js";
import type { ParsedSpec } from "../spec/parse.js";
import { checkOutFolder } from "../tree/outFolder.js";
import type { Intents } from "./intents.js";
import { buildContext } from "./context.js";
import type { ProgressListener } from "./materialize.js";
import type { PlannedFile } from "./plannedFiles.js";
import { finishInterrupted, recoveryNote, repairForReading } from "./recovery.js";
import type { BuildResult } from "./result.js";

/** What every command that converges the tree takes (the options of `build`). */
export interface ConvergeOptions {
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

/** What a command hands the build beyond its options: a spec it read and edited, and what else lands with the tree. */
export interface CommandInput {
  /** The spec as the command read (and edited) it; otherwise the spec file is read here. */
  parsed?: ParsedSpec;
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
  options: ConvergeOptions,
  intents: Intents,
  input: CommandInput = {},
): Promise<BuildResult> {
  const now = options.dryRun ? currentTime(options.now) : writingTime(options.now, options.issueInTheFuture);
  let { spec, warnings } = input.parsed ?? (await loadSpecFile(options.specFile));
  await checkOutFolder(spec);
  if (options.dryRun) {
    if ((await repairForReading(spec.out, spec.file))?.placed.includes(spec.file))
      ({ spec, warnings } = await respec(options, input));
    const { plan } = await import("./engine.js");
    return (await plan(buildContext({ spec, warnings, intents, now, csrs: input.csrs, readOnly: true }))).result;
  }
  const release = await acquireTreeLock(spec.out);
  try {
    const recovery = await finishInterrupted(spec.out, spec.file);
    // The interrupted run was an issue or sign: its spec is the one to build from.
    if (recovery.placed.includes(spec.file)) ({ spec, warnings } = await respec(options, input));
    const { apply } = await import("./engine.js");
    const result = await apply(
      buildContext({
        spec,
        warnings,
        intents,
        now,
        csrs: input.csrs,
        passphrase: options.passphrase ?? defaultPassphrase,
        onProgress: options.onProgress,
        outside: input.outside,
      }),
    );
    const note = recoveryNote(recovery);
    if (note) result.warnings.unshift(note);
    return result;
  } finally {
    await release();
  }
}

/**
 * Thrown when finishing an interrupted run replaced the spec file that a command had already
 * read and edited (issue, sign): the command starts again from the spec as it is now.
 */
export class SpecReplacedMeanwhile extends Error {}

async function respec(options: ConvergeOptions, input: CommandInput): Promise<ParsedSpec> {
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
