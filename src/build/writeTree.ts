import { promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { TreeError } from "../errors.js";
import { existsSync, lstatSync, rmdirSync, rmSync } from "node:fs";
import {
  ensureDir,
  exists,
  fsyncDir,
  makeDir,
  StatLog,
  temporaryName,
  writeNewFile,
  type FileStat,
} from "../io/files.js";
import { makeDurable } from "../io/durability.js";
import { TEMP_DIR } from "../tree/layout.js";
import { commitJournaled, journalFile, type Rename } from "./journal.js";
import type { FileSink, FolderMove, PlannedDir, PlannedFile, WriteSet } from "./plannedFiles.js";
import { writeOne } from "./stageFile.js";

/**
 * Updates an existing tree file by file, skipping what is already right, as one journaled
 * commit (see journal.ts): a run killed part-way is finished by the next. Returns the paths
 * written. (A tree that does not exist yet is made by FreshTree.) The caller has finished any
 * interrupted write (recovery.ts) before it read the tree.
 */
export async function writeTree(root: string, content: WriteSet): Promise<string[]> {
  if (existsSync(journalFile(root))) throw new Error(`internal: ${journalFile(root)} was not recovered before writing`);
  await refuseSymlinks(root, content);
  await refuseWorldWritable(root);
  return writeInPlace(content, root);
}

/**
 * A first build: the tree is written into a hidden sibling folder as its files are planned
 * (a fleet's client folders go to disk while later certificates are still being made) and
 * renamed into place at the end, so a failed first build leaves nothing behind.
 */
export class FreshTree implements FileSink {
  private readonly made = new Set<string>();
  private readonly written: string[] = [];
  /** Each written file's stat as it was left, by its path in the tree. */
  private readonly stats = new StatLog();

  private constructor(
    readonly root: string,
    readonly staging: string,
  ) {}

  /** A FreshTree for `root`, or undefined when a tree is already there. */
  static async open(root: string): Promise<FreshTree | undefined> {
    await refuseWorldWritable(root);
    if (await exists(root)) return undefined;
    await fs.mkdir(path.dirname(root), { recursive: true });
    return new FreshTree(
      root,
      path.join(path.dirname(root), `${stagingPrefix(root)}${process.pid}-${randomBytes(3).toString("hex")}`),
    );
  }

  /** Where a path of the tree is while it is being built. */
  staged(file: string): string {
    return file.startsWith(`${this.root}/`)
      ? this.staging + file.slice(this.root.length)
      : path.join(this.staging, path.relative(this.root, file));
  }

  dir(dir: PlannedDir): void {
    if (this.made.has(dir.path)) return;
    makeDir(this.staged(dir.path), dir.own);
    this.made.add(dir.path);
  }

  file(file: PlannedFile): void {
    this.stats.record(
      file.path,
      writeNewFile(
        this.staged(file.path),
        typeof file.content === "string" ? file.content : file.content(),
        file.own,
        false,
        true,
      )!,
    );
    this.written.push(file.path);
  }

  /**
   * Flushes everything once and renames the tree into place; returns the paths written.
   * `whileFlushing` runs while the flush is under way, and may look up the stat each file was
   * left with (by its path in the tree: inodes and times survive the rename). Files outside
   * the tree (the spec `issue` edits) go into place with it, through the journal.
   */
  async commit(
    whileFlushing?: (statOf: (file: string) => FileStat | undefined) => Promise<void>,
    outside: readonly PlannedFile[] = [],
  ): Promise<string[]> {
    const renames: Rename[] = [];
    try {
      for (const file of outside) renames.push(stageBeside(file));
      await Promise.all([
        makeDurable(
          this.staging,
          this.written.map((file) => this.staged(file)),
        ),
        whileFlushing?.((file) => this.stats.get(file)),
      ]);
      if (renames.length === 0) {
        await fs.rename(this.staging, this.root);
        await fsyncDir(path.dirname(this.root));
      } else {
        ensureDir(path.join(this.staging, TEMP_DIR), { mode: 0o700 });
        await commitJournaled(this.root, { renames, moves: [], removals: [] }, this.staging);
      }
    } catch (error) {
      // Until the staging folder is renamed nothing is in place: it goes, and so do the temps.
      if (existsSync(this.staging)) {
        await this.abandon();
        for (const { temp } of renames) rmSync(temp, { force: true });
      }
      throw error;
    }
    return [...this.written, ...renames.map((rename) => rename.file)];
  }

  /** Removes the staging folder after a failure. */
  async abandon(): Promise<void> {
    await fs.rm(this.staging, { recursive: true, force: true });
  }
}

/** How the name of a first build's staging folder begins, beside the tree. */
export const stagingPrefix = (root: string): string => `.${path.basename(root)}.partial-`;

/** A file outside the tree, staged beside its target (the same file system, so the rename is atomic) and durable. */
function stageBeside(file: PlannedFile): Rename {
  const temp = temporaryName(file.path, path.dirname(file.path));
  writeNewFile(temp, typeof file.content === "string" ? file.content : file.content(), file.own, true);
  return { temp, file: file.path };
}

/**
 * Folders parents first (each once); then every changed file under a temporary name, all
 * made durable at once; then one journaled commit renames them into place (archive copies,
 * then keys, then what refers to them, then files outside the tree), moves, and removes.
 */
async function writeInPlace(content: WriteSet, root: string): Promise<string[]> {
  const dirs = new Map(content.dirs.map((dir) => [dir.path, dir]));
  const ordered = [...dirs.values()].sort((a, b) => a.path.split(path.sep).length - b.path.split(path.sep).length);
  const created: string[] = [];
  const staged: Rename[] = [];
  try {
    // The root may be a folder the user made (empty, when it was adopted): its mode stays theirs.
    for (const dir of ordered) {
      if (dir.path === root && existsSync(root)) continue;
      if (!existsSync(dir.path)) created.push(dir.path);
      ensureDir(dir.path, dir.own);
    }
    const written = stageFiles(content, root, staged);
    await makeDurable(
      root,
      staged.map((s) => s.temp).filter((temp) => temp.startsWith(`${root}/`)),
    );
    // Chosen before the journal is written, so that a redo moves each folder to the same place.
    const moves: FolderMove[] = [];
    for (const move of content.moves ?? [])
      if (await exists(move.from)) moves.push({ from: move.from, to: await freeName(move.to) });
    const removals: string[] = [];
    // Synchronous: an upgraded fleet's build lists two old scripts of every client.
    for (const gone of content.removals) if (lstatSync(gone, { throwIfNoEntry: false })) removals.push(gone);
    if (staged.length + moves.length + removals.length > 0)
      await commitJournaled(root, { renames: staged, moves, removals });
    return [...written, ...moves.map((move) => move.to), ...removals];
  } catch (error) {
    // Failed before its journal was written (a full disk, a file system gone read-only): what
    // this run staged or made empty goes, and the tree is as it was. Once the journal is
    // written, it and its temps stay for the next run to finish.
    if (!existsSync(journalFile(root))) {
      for (const { temp } of staged) rmSync(temp, { force: true });
      for (const dir of created.reverse()) {
        try {
          rmdirSync(dir);
        } catch {
          // Not empty (something was written there), or gone: either way it stays as it is.
        }
      }
    }
    throw error;
  }
}

/** Writes every changed file under a temporary name, in the order of their renames; returns their paths. */
function stageFiles(content: WriteSet, root: string, staged: Rename[]): string[] {
  const written: string[] = [];
  const tempDir = path.join(root, TEMP_DIR);
  ensureDir(tempDir, { mode: 0o700 });
  const phases = [
    content.files.filter((file) => file.archive),
    content.files.filter((file) => !file.archive && file.isKey),
    content.files.filter((file) => !file.archive && !file.isKey),
  ];
  for (const file of phases.flat()) if (writeOne(file, content, tempDir, staged)) written.push(file.path);
  // Outside the tree (the spec): beside the file itself, and durable at once.
  for (const file of content.outside ?? [])
    if (writeOne(file, content, path.dirname(file.path), staged, true)) written.push(file.path);
  return written;
}

/** `target`, or `target-2`, `target-3`...: a move never lands on something that is there already. */
async function freeName(target: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? target : `${target}-${n}`;
    if (!(await exists(candidate))) return candidate;
  }
}

/** Anyone could swap files in a world-writable output folder (or its parent) between our checks and writes. */
async function refuseWorldWritable(root: string): Promise<void> {
  for (const dir of [root, path.dirname(root)]) {
    const stat = await fs.lstat(dir).catch(() => undefined);
    if (stat && (stat.mode & 0o002) !== 0 && (stat.mode & 0o1000) === 0) {
      throw new TreeError(`${dir} is writable by every user; mqtt-pki will not put keys there`, {
        hint: `run \`chmod o-w ${dir}\`, or point \`out:\` somewhere only you can write`,
        path: dir,
      });
    }
  }
}

/** A symlink planted inside the tree could redirect a key write anywhere; refuse to follow one. */
async function refuseSymlinks(root: string, content: WriteSet): Promise<void> {
  // Files are checked where they are read or written (readSeen, renameOver, applyOwnership): one syscall each, not two.
  for (const candidate of [root, ...content.dirs.map((dir) => dir.path)]) {
    const stat = await fs.lstat(candidate).catch(() => undefined);
    if (stat?.isSymbolicLink()) {
      throw new TreeError(`${candidate} is a symbolic link; mqtt-pki does not write through links`, {
        hint: "replace the link with a real directory or file (or point `out:` at the real location) and build again",
        path: candidate,
      });
    }
  }
}
