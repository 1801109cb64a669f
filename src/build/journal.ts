import { existsSync, lstatSync, readFileSync, renameSync, rmSync } from "node:fs";
import { promises as fs } from "node:fs";
import path from "node:path";
import { TreeError } from "../errors.js";
import { exists, fsyncDir, writeFileAtomic } from "../io/files.js";
import { makeDurable } from "../io/durability.js";
import { TEMP_DIR } from "../tree/layout.js";
import type { FolderMove } from "./plannedFiles.js";

/**
 * The commit journal of a write in place: what a run is about to do, written once every new
 * file is staged under a temporary name and on disk, before the first of them is renamed into
 * place. A run killed after that leaves the journal, and the next run redoes it to the end
 * (every step can be done twice); a run killed before it changed nothing but its temps.
 */
export interface Journal {
  /** Temporary files renamed over their targets, in this order (archive copies, keys, the rest, the spec). */
  renames: Rename[];
  /** Folders moved whole (pruned clients), each to a free name chosen before the journal is written. */
  moves: FolderMove[];
  /** Files and folders removed last. */
  removals: string[];
  /** The run that wrote it (as read back). */
  pid?: number;
}

export interface Rename {
  temp: string;
  file: string;
}

const JOURNAL_NAME = "journal.json";

/** Where a tree's journal is while a commit is under way. */
export function journalFile(root: string): string {
  return path.join(root, TEMP_DIR, JOURNAL_NAME);
}

/** Whether a file in the tree's temp folder is the journal (which is never an abandoned temp). */
export const isJournal = (name: string): boolean => name === JOURNAL_NAME;

/** The journal as stored: paths relative to the tree, so a tree moved after a crash still recovers. */
interface StoredJournal {
  version: 1;
  pid: number;
  renames: [string, string][];
  moves: [string, string][];
  removals: string[];
}

/**
 * Writes the journal durably into `journalRoot` (the tree, or a first build's staging folder
 * that is renamed into place as the tree), then makes the changes, then removes the journal.
 * Every temp the journal names must be durable already.
 */
export async function commitJournaled(root: string, journal: Journal, journalRoot = root): Promise<void> {
  await writeJournal(root, journal, journalRoot);
  if (journalRoot !== root) {
    await fs.rename(journalRoot, root);
    await fsyncDir(path.dirname(root));
  }
  await applyJournal(root, journal, true);
}

async function writeJournal(root: string, journal: Journal, journalRoot: string): Promise<void> {
  // A fleet's rotation journals tens of thousands of paths, nearly all inside the tree.
  const relative = (file: string) =>
    file.startsWith(`${root}/`) ? file.slice(root.length + 1) : path.relative(root, file);
  const stored: StoredJournal = {
    version: 1,
    pid: process.pid,
    renames: journal.renames.map((r) => [relative(r.temp), relative(r.file)]),
    moves: journal.moves.map((m) => [relative(m.from), relative(m.to)]),
    removals: journal.removals.map(relative),
  };
  const file = journalFile(journalRoot);
  await writeFileAtomic(file, `${JSON.stringify(stored)}\n`, { mode: 0o600 });
  await fsyncDir(path.dirname(file));
}

/** The journal a killed run left in this tree, if any. */
export function readJournal(root: string): Journal | undefined {
  const file = journalFile(root);
  let stored: StoredJournal;
  try {
    stored = JSON.parse(readFileSync(file, "utf8")) as StoredJournal;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new TreeError(`${file} cannot be read (${(error as Error).message}): an interrupted run cannot be finished`, {
      hint: "restore the tree from a backup, or remove that file and run `mqtt-pki verify` to see what is left half-done",
      path: file,
    });
  }
  const absolute = (relative: string) => path.resolve(root, relative);
  return {
    pid: stored.pid,
    renames: stored.renames.map(([temp, target]) => ({ temp: absolute(temp), file: absolute(target) })),
    moves: stored.moves.map(([from, to]) => ({ from: absolute(from), to: absolute(to) })),
    removals: stored.removals.map(absolute),
  };
}

/**
 * Makes every change of a journal that is not made yet, makes them durable, and removes the
 * journal. In a redo, a rename whose temp is gone was made already; a removal of what is
 * gone, too. Returns the files renamed into place by this call.
 */
export async function applyJournal(root: string, journal: Journal, firstTime = false): Promise<string[]> {
  const placed: string[] = [];
  for (const { temp, file } of journal.renames) {
    // The first time through (not a redo), every temp is known to be there.
    if (!firstTime && !existsSync(temp)) continue;
    renameOver(temp, file);
    placed.push(file);
  }
  for (const move of journal.moves) {
    if ((await exists(move.from)) && !(await exists(move.to))) await fs.rename(move.from, move.to);
  }
  for (const gone of journal.removals) await fs.rm(gone, { recursive: true, force: true });
  // The changes reach the disk before the journal that could redo them goes.
  const touched = [
    ...new Set(
      [...journal.renames.map((r) => r.file), ...journal.moves.flatMap((m) => [m.from, m.to]), ...journal.removals].map(
        (p) => path.dirname(p),
      ),
    ),
  ].filter((dir) => existsSync(dir));
  const inTree = (dir: string) => dir === root || dir.startsWith(`${root}/`);
  await makeDurable(root, touched.filter(inTree));
  for (const dir of touched.filter((d) => !inTree(d))) await fsyncDir(dir);
  rmSync(journalFile(root), { force: true });
  return placed;
}

/** Replaces `file` with `temp`, refusing to replace a symlink planted meanwhile. */
export function renameOver(temp: string, file: string): void {
  const stat = lstatSync(file, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) {
    throw new TreeError(`${file} is a symbolic link; mqtt-pki does not write through links`, {
      hint: "replace the link with a real file and run the command again: it finishes the interrupted write",
      path: file,
    });
  }
  renameSync(temp, file);
}
