import { promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { TreeError } from "../errors.js";
import { lstatSync, readdirSync, renameSync, rmSync } from "node:fs";
import { applyOwnership, ensureDir, exists, fsyncDir, makeDir, readSeen, temporaryName, writeNewFile } from "../io/files.js";
import { makeDurable } from "../io/durability.js";
import { isProcessAlive } from "../io/lock.js";
import { TEMP_DIR } from "../tree/layout.js";
import type { PlannedFile, TreeContent } from "./materialize.js";

/**
 * Puts the tree on disk. A tree that does not exist yet is built in a hidden sibling folder
 * and renamed into place, so a failed first build leaves nothing behind. An existing tree
 * is updated file by file, each atomically, keys first. Returns the paths written.
 */
export async function writeTree(root: string, content: TreeContent): Promise<string[]> {
  await refuseSymlinks(root, content);
  await refuseWorldWritable(root);
  await removeAbandonedStaging(root);
  if (!(await exists(root))) return writeFresh(root, content);
  return writeInPlace(content, root);
}

async function writeFresh(root: string, content: TreeContent): Promise<string[]> {
  await fs.mkdir(path.dirname(root), { recursive: true });
  const staging = path.join(path.dirname(root), `.${path.basename(root)}.partial-${process.pid}-${randomBytes(3).toString("hex")}`);
  const moved = (file: string) => path.join(staging, path.relative(root, file));
  try {
    await writeInPlace({
      ...content,
      fresh: true,
      dirs: content.dirs.map((dir) => ({ ...dir, path: moved(dir.path) })),
      files: content.files.map((file) => ({ ...file, path: moved(file.path) })),
    }, staging);
    await fs.rename(staging, root);
    await fsyncDir(path.dirname(root));
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw error;
  }
  return content.files.map((file) => file.path);
}

/** Folders parents first (each once), then files in phases; synchronous, see writeNewFile. */
async function writeInPlace(content: TreeContent & { fresh?: boolean }, root: string): Promise<string[]> {
  const dirs = new Map(content.dirs.map((dir) => [dir.path, dir]));
  const ordered = [...dirs.values()].sort((a, b) => a.path.split(path.sep).length - b.path.split(path.sep).length);
  for (const dir of ordered) content.fresh ? makeDir(dir.path, dir.own) : ensureDir(dir.path, dir.own);
  const written: string[] = [];
  const tempDir = content.fresh ? undefined : prepareTempDir(root);
  // Archive copies first, then keys, then everything that refers to them.
  const phases = [
    content.files.filter((file) => file.archive),
    content.files.filter((file) => !file.archive && file.isKey),
    content.files.filter((file) => !file.archive && !file.isKey),
  ];
  for (const phase of phases) {
    // Each phase: write everything under temporary names without an fsync each, make it all
    // durable at once, then rename into place; renames stay atomic per file. (Fresh: in place.)
    const staged: { temp: string; file: string }[] = [];
    for (const file of phase) {
      if (writeOne(file, content, tempDir, staged)) written.push(file.path);
    }
    if (!content.fresh) await makeDurable(root, staged.map((s) => s.temp));
    for (const { temp, file } of staged) renameOver(temp, file);
  }
  // A fresh tree is invisible until its folder is renamed into place: one flush for all of it.
  if (content.fresh) await makeDurable(root, content.files.map((file) => file.path));
  // Only after every archive copy is on disk does anything go away.
  for (const gone of content.removals) {
    if (await exists(gone)) {
      await fs.rm(gone, { recursive: true, force: true });
      written.push(gone);
    }
  }
  return written;
}

/** Writes one planned file (to a temporary name when it replaces one) unless it is already right; true when it wrote. */
function writeOne(file: PlannedFile, content: TreeContent & { fresh?: boolean }, tempDir: string | undefined, staged: { temp: string; file: string }[]): boolean {
  const text = typeof file.content === "string" ? file.content : file.content();
  if (file.mustNotReplace) refuseReplacing(file.path, text, file.replaces);
  if (content.fresh) {
    writeNewFile(file.path, text, file.own, false);
    return true;
  }
  // Files not read while planning (scripts, state.json, archive copies) are read now, with their mode.
  const seen = content.seen?.has(file.path) ? content.seen.get(file.path) : content.absentDirs?.has(path.dirname(file.path)) ? null : readSeen(file.path) ?? null;
  if (file.archive && seen) return false;
  if (file.unchanged && !seen) {
    applyOwnership(file.path, file.own);
    return false;
  }
  if (seen && sameContent(seen.content, text)) {
    // Read with its mode this run: nothing to do at all when that is right too.
    if (!(seen.mode === file.own.mode && (file.own.gid === undefined || seen.gid === file.own.gid))) applyOwnership(file.path, file.own);
    return false;
  }
  const temp = temporaryName(file.path, tempDir!);
  writeNewFile(temp, text, file.own, false);
  staged.push({ temp, file: file.path });
  return true;
}

/** Without turning every planned string into a Buffer: lengths first, then the text. */
function sameContent(current: Buffer, content: string): boolean {
  return current.length === Buffer.byteLength(content) && current.toString() === content;
}

/** Replaces `file` with `temp`, refusing to replace a symlink planted meanwhile. */
function renameOver(temp: string, file: string): void {
  const stat = lstatSync(file, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) {
    rmSync(temp, { force: true });
    throw new TreeError(`${file} is a symbolic link; mqtt-pki does not write through links`, { hint: "replace the link with a real file and build again", path: file });
  }
  renameSync(temp, file);
}

/**
 * Temporary files go to one folder in the tree (same filesystem, so the final rename stays
 * atomic); those of runs that were killed are removed here instead of lingering beside keys.
 */
function prepareTempDir(root: string): string {
  const tempDir = path.join(root, TEMP_DIR);
  ensureDir(tempDir, { mode: 0o700 });
  for (const entry of readdirSync(tempDir)) {
    const pid = Number(entry.split(".").at(-3));
    if (!Number.isInteger(pid) || (pid !== process.pid && !isProcessAlive(pid))) rmSync(path.join(tempDir, entry), { force: true });
  }
  return tempDir;
}

/** Last line of defence for the CA key: whatever the plan says, an existing different key is never overwritten. */
function refuseReplacing(file: string, content: string, allowedPrevious?: string): void {
  const current = readSeen(file)?.content;
  if (current && !current.equals(Buffer.from(content)) && !(allowedPrevious !== undefined && current.equals(Buffer.from(allowedPrevious)))) {
    throw new TreeError(`refusing to replace the existing CA key ${file}`, {
      hint: "the CA key is only ever replaced by `mqtt-pki rotate ca`, which keeps the old one; nothing was changed",
      path: file,
    });
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

/** A first build killed before its rename leaves a hidden staging folder with keys in it: remove those of dead runs. */
async function removeAbandonedStaging(root: string): Promise<void> {
  const prefix = `.${path.basename(root)}.partial-`;
  const entries = await fs.readdir(path.dirname(root)).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split("-")[0]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    await fs.rm(path.join(path.dirname(root), entry), { recursive: true, force: true });
  }
}

/** A symlink planted inside the tree could redirect a key write anywhere; refuse to follow one. */
async function refuseSymlinks(root: string, content: TreeContent): Promise<void> {
  // Files are checked where they are read or written (readSeen, renameOver, applyOwnership): one syscall each, not two.
  // Under a root that does not exist yet there is nothing to check (a fresh tree is built in a staging folder).
  const paths = (await exists(root)) ? [root, ...content.dirs.map((dir) => dir.path)] : [];
  for (const candidate of paths) {
    const stat = await fs.lstat(candidate).catch(() => undefined);
    if (stat?.isSymbolicLink()) {
      throw new TreeError(`${candidate} is a symbolic link; mqtt-pki does not write through links`, {
        hint: "replace the link with a real directory or file (or point `out:` at the real location) and build again",
        path: candidate,
      });
    }
  }
}
