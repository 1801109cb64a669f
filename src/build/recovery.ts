import { existsSync, readdirSync } from "node:fs";
import { promises as fs } from "node:fs";
import path from "node:path";
import { EXIT_LOCKED, isPkiError } from "../errors.js";
import { isProcessAlive, isStaleLock, specLockFile, takeSpecLock, takeTreeLock, treeLockFile } from "../io/lock.js";
import { loadSpecFile } from "../spec/load.js";
import type { ParsedSpec } from "../spec/parse.js";
import { TEMP_DIR, treeLayout } from "../tree/layout.js";
import { applyJournal, isJournal, journalFile, readJournal } from "./journal.js";
import { stagingPrefix } from "./writeTree.js";

/**
 * What a killed run leaves behind, put right by the next run, whichever command it is: its
 * journal is redone to the end, and its temps and first-build staging folder are removed.
 */

export interface Recovery {
  /** Files the interrupted run's journal put in place now. */
  placed: string[];
  /** The PID of the run whose write was finished. */
  finishedFor?: number;
}

/** Under the tree's lock, before the tree is read. */
export async function finishInterrupted(root: string, specFile?: string): Promise<Recovery> {
  const journal = readJournal(root);
  const placed = journal ? await applyJournal(root, journal) : [];
  for (const left of deadLeftovers(root, specFile)) await fs.rm(left, { recursive: true, force: true });
  if (specFile) await clearDeadSpecLock(specFile);
  return { placed, finishedFor: journal ? (journal.pid ?? 0) : undefined };
}

/** What finishInterrupted tells a user, when it finished something. */
export function recoveryNote(recovery: Recovery): string | undefined {
  if (recovery.finishedFor === undefined) return undefined;
  return `finished first what an interrupted run (PID ${recovery.finishedFor}) had begun to write: ${recovery.placed.length} file(s) put in place`;
}

/**
 * For a command that only reads (status, verify, doctor, export): when a killed run left
 * something, takes the lock just long enough to finish it. A live run's lock, or a tree it
 * may not write (another user's, a read-only mount), is left as it is, and reading goes on.
 */
export async function repairForReading(root: string, specFile: string): Promise<Recovery | undefined> {
  if (!leftSomething(root, specFile)) return undefined;
  let release: () => Promise<void>;
  try {
    release = takeTreeLock(root);
  } catch (error) {
    if ((isPkiError(error) && error.exitCode === EXIT_LOCKED) || isPermissionError(error)) return undefined;
    throw error;
  }
  try {
    return await finishInterrupted(root, specFile);
  } catch (error) {
    if (isPermissionError(error)) return undefined;
    throw error;
  } finally {
    await release();
  }
}

const isPermissionError = (error: unknown): boolean =>
  ["EACCES", "EPERM", "EROFS"].includes((error as NodeJS.ErrnoException).code ?? "");

/** Files mqtt-pki replaces beside the tree (through a temp of the same name): the stamp index and the tree's lock. */
const besideTree = (root: string) => [path.basename(treeLayout(root).stamps), path.basename(treeLockFile(root))];
/** ...and beside the spec: the spec itself and its lock. */
const besideSpec = (specFile: string) => [path.basename(specFile), path.basename(specLockFile(specFile))];

/** A journal, a dead run's lock, temps or staging: cheap checks, so that reading a healthy tree takes no lock. */
function leftSomething(root: string, specFile: string): boolean {
  if (existsSync(journalFile(root))) return true;
  if ([treeLockFile(root), specLockFile(specFile)].some(isStaleLock)) return true;
  return deadLeftovers(root, specFile).length > 0;
}

/**
 * What dead runs left that no run needs, by path: temps in the tree's temp folder (never the
 * journal), a killed first build's staging folder, and temps and moved-aside stale locks beside
 * the files mqtt-pki replaces outside the tree.
 */
function deadLeftovers(root: string, specFile?: string): string[] {
  const tempDir = path.join(root, TEMP_DIR);
  const parent = path.dirname(root);
  return [
    ...entries(tempDir)
      .filter((name) => !isJournal(name) && isDead(tempPid(name)))
      .map((name) => path.join(tempDir, name)),
    ...entries(parent)
      .filter((name) => name.startsWith(stagingPrefix(root)) && isDead(stagingPid(root, name)))
      .map((name) => path.join(parent, name)),
    ...deadBeside(parent, besideTree(root)),
    ...(specFile ? deadBeside(path.dirname(specFile), besideSpec(specFile)) : []),
  ];
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const isDead = (pid: number | undefined): boolean => pid === undefined || (pid !== process.pid && !isProcessAlive(pid));

/** A temp's name ends in .PID.RANDOM.tmp (io/files.ts temporaryName). */
function tempPid(name: string): number | undefined {
  const pid = Number(name.split(".").at(-3));
  return name.endsWith(".tmp") && Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const stagingPid = (root: string, name: string): number | undefined => {
  const pid = Number(name.slice(stagingPrefix(root).length).split("-")[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

/**
 * Temps of dead runs beside files mqtt-pki replaces outside the tree (the spec, the stamp index,
 * the locks), and `<lock>.stale-PID` left by a taker killed while moving a stale lock aside.
 */
function deadBeside(dir: string, bases: string[]): string[] {
  return entries(dir)
    .filter((name) => {
      const stale = /\.stale-(\d+)$/.exec(name);
      if (stale) return bases.some((base) => name === `${base}.stale-${stale[1]}`) && isDead(Number(stale[1]));
      return (
        bases.some((base) => name.startsWith(`.${base}.`)) &&
        /\.\d+\.[0-9a-f]{8}\.tmp$/.test(name) &&
        isDead(tempPid(name))
      );
    })
    .map((name) => path.join(dir, name));
}

/** A killed issue or sign leaves the spec's lock: taken over (as any taker would) and given back. */
async function clearDeadSpecLock(specFile: string): Promise<void> {
  if (!isStaleLock(specLockFile(specFile))) return;
  try {
    await takeSpecLock(specFile)();
  } catch (error) {
    // Taken by a live run meanwhile: it is that run's now.
    if (!(isPkiError(error) && error.exitCode === EXIT_LOCKED)) throw error;
  }
}

/** The spec, for a command that only reads its tree: after repairing what a killed run left (and reading the spec again if that replaced it). */
export async function loadSpecForReading(specFile?: string): Promise<ParsedSpec> {
  const parsed = await loadSpecFile(specFile);
  const repaired = await repairForReading(parsed.spec.out, parsed.spec.file);
  return repaired?.placed.includes(parsed.spec.file) ? loadSpecFile(specFile) : parsed;
}
