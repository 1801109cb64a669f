import { PkiError, TreeError } from "../errors.js";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  promises as fs,
  writeSync,
  constants as fsConstants,
  type Stats,
} from "node:fs";
import path from "node:path";
import { readPath } from "./read.js";

/** A file as read, with the mode and owner seen on the same open descriptor. */
export interface SeenFile {
  content: Buffer;
  mode: number;
  uid: number;
  gid: number;
}

/**
 * A file of the tree and its mode, read in one open (see io/read.ts). A planted link is an
 * error, not a redirect. Undefined when it does not exist.
 */
export function readSeen(file: string): SeenFile | undefined {
  const read = readPath(file);
  if (!read) return undefined;
  if (read.stat.isSymbolicLink()) throw linkError(file);
  return { content: read.content!, mode: read.stat.mode & 0o7777, uid: read.stat.uid, gid: read.stat.gid };
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Refuses a file whose folder is not there (or is no folder), before anything is asked or written. */
export async function requireParentFolder(file: string, hint: string): Promise<void> {
  const dir = await fs.stat(path.dirname(file)).catch(() => undefined);
  if (!dir?.isDirectory())
    throw new PkiError(`the folder ${path.dirname(file)} does not exist; nothing was written`, { hint });
}

export interface Ownership {
  mode: number;
  /** Group to hand the file to (e.g. the broker's), when it exists here. */
  gid?: number;
}

/**
 * Writes `content` so that readers see the old file or the new one, never half of either,
 * and the file has its final mode from its first byte. Leaves an identical file untouched
 * (same bytes, same mtime) and only mends its mode and group. Returns whether it wrote.
 * `durable: false` skips the fsync, for a cache that may come back old or empty after a crash.
 */
export async function writeFileAtomic(
  file: string,
  content: string | Buffer,
  own: Ownership,
  durable = true,
): Promise<boolean> {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  await refuseLink(file);
  // Not through a link: refuseLink has just refused one, and one planted since is renamed over, not read.
  const current = readPath(file)?.content;
  if (current && current.equals(bytes)) {
    applyOwnership(file, own);
    return false;
  }
  const temp = temporaryName(file, path.dirname(file));
  writeNewFile(temp, bytes, own, durable);
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  return true;
}

/**
 * Writes a file that must not exist yet (a temporary name, or a file inside a staging folder
 * that is renamed into place as a whole): O_EXCL + O_NOFOLLOW so nothing planted is written
 * through, never more open than its final mode, a group handed over before the group bits
 * are opened, then (optionally) fsync. Synchronous: for small files each thread-pool round
 * trip costs more than the write, and a fleet's tree has tens of thousands of them.
 */
export function writeNewFile(
  file: string,
  content: string | Buffer | Iterable<string>,
  own: Ownership,
  durable = true,
  stat = false,
): Stats | undefined {
  // Created with its final mode when the umask leaves that alone and no group must come first.
  const direct = own.gid === undefined && (own.mode & ~processUmask()) === own.mode;
  const fd = openSync(
    file,
    fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW,
    direct ? own.mode : own.mode & 0o600,
  );
  try {
    // A string goes in as it is: converting 50,000 of them to Buffers first doubles a fleet build's peak memory.
    if (typeof content === "string") writeString(fd, content);
    else if (Buffer.isBuffer(content)) for (let at = 0; at < content.length;) at += writeSync(fd, content, at);
    // In pieces: a fleet's state.json (58 MB) is never one string.
    else for (const piece of content) writeString(fd, piece);
    if (own.gid !== undefined) fchownSync(fd, -1, own.gid);
    if (!direct) fchmodSync(fd, own.mode);
    if (durable) fsyncSync(fd);
    // The file as it is left (for a stamp): one fstat now instead of a path lookup later.
    return stat ? fstatSync(fd) : undefined;
  } catch (error) {
    // Calls on a descriptor name no path: a full disk must still say which file it hit.
    const failure = error as NodeJS.ErrnoException;
    failure.path ??= file;
    throw failure;
  } finally {
    closeSync(fd);
  }
}

/** Regular files take a small write whole; a short one (rare) is finished from a Buffer. */
function writeString(fd: number, content: string): void {
  const written = writeSync(fd, content);
  if (written === Buffer.byteLength(content)) return;
  const rest = Buffer.from(content).subarray(written);
  for (let at = 0; at < rest.length;) at += writeSync(fd, rest, at);
}

let umask: number | undefined;
/** Read once: the umask only ever narrows creation modes, and nothing here changes it. */
function processUmask(): number {
  return (umask ??= process.umask());
}

/** A temporary name beside nothing: in `tempDir`, tagged with our PID so a later run can tell it was abandoned. */
export function temporaryName(file: string, tempDir: string): string {
  return path.join(tempDir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** A symlink planted in the tree could redirect a key write anywhere: never write through or chmod one. */
async function refuseLink(file: string): Promise<void> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (stat?.isSymbolicLink()) throw linkError(file);
}

function linkError(file: string): TreeError {
  return new TreeError(`${file} is a symbolic link; mqtt-pki does not write through links`, {
    hint: "replace the link with a real directory or file (or point `out:` at the real location) and build again",
    path: file,
  });
}

export function applyOwnership(file: string, own: Ownership): void {
  const stat = lstatSync(file);
  if (stat.isSymbolicLink()) throw linkError(file);
  if (own.gid !== undefined && stat.gid !== own.gid) chownSync(file, -1, own.gid);
  if ((stat.mode & 0o7777) !== own.mode) chmodSync(file, own.mode);
}

/** Creates the directory if needed and gives it exactly this mode and group. */
export function ensureDir(dir: string, own: Ownership): void {
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  if (stat?.isDirectory() && (stat.mode & 0o7777) === own.mode && (own.gid === undefined || stat.gid === own.gid))
    return;
  if (!stat) makeDirs(dir, own.mode & 0o700);
  applyOwnership(dir, own);
}

/**
 * mkdir -p. Node's recursive mkdir reports a read-only or forbidden parent as ENOENT; one
 * plain mkdir then gives the real reason (EROFS, EACCES), which the user can act on.
 */
function makeDirs(dir: string, mode: number): void {
  try {
    mkdirSync(dir, { recursive: true, mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    // The first missing folder below one that exists: making it alone names the real reason.
    let missing = dir;
    while (path.dirname(missing) !== missing && !lstatSync(path.dirname(missing), { throwIfNoEntry: false }))
      missing = path.dirname(missing);
    mkdirSync(missing, { mode });
    mkdirSync(dir, { recursive: true, mode });
  }
}

/** A folder that must not exist yet (inside a fresh staging tree, parents first): one mkdir, fixed up only where the umask or a group needs it. */
export function makeDir(dir: string, own: Ownership): void {
  mkdirSync(dir, { mode: own.mode & 0o700 });
  if (own.gid !== undefined) chownSync(dir, -1, own.gid);
  if ((own.mode & 0o700 & ~processUmask()) !== own.mode) chmodSync(dir, own.mode);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** What a stamp needs of a regular file's stat (see tree/stamps.ts). */
export interface FileStat {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  mode: number;
  uid: number;
  gid: number;
  isFile(): boolean;
}

/**
 * A FileStat's numbers in a fixed order, as a stamp stores them (see tree/stamps.ts): together
 * they change whenever a file is written, replaced, renamed over, chmod-ed or chown-ed.
 */
export const fileStatNumbers = (stat: FileStat): number[] => [
  stat.ino,
  stat.size,
  stat.mtimeMs,
  stat.ctimeMs,
  stat.mode,
  stat.uid,
  stat.gid,
];
export const FILE_STAT_NUMBERS = 7;

/**
 * The stats of files as they were written, kept as plain numbers: a fleet's first build writes
 * 50,000 files, and as many Stats objects would cost tens of megabytes.
 */
export class StatLog {
  private readonly numbers: number[] = [];
  private readonly at = new Map<string, number>();

  record(file: string, stat: Stats): void {
    this.at.set(file, this.numbers.length);
    this.numbers.push(...fileStatNumbers(stat));
  }

  get(file: string): FileStat | undefined {
    const at = this.at.get(file);
    if (at === undefined) return undefined;
    const [ino, size, mtimeMs, ctimeMs, mode, uid, gid] = this.numbers.slice(at, at + FILE_STAT_NUMBERS);
    return { ino, size, mtimeMs, ctimeMs, mode, uid, gid, isFile: () => true };
  }
}

/** Whether a regular file (not a link) is there with exactly this mode, and this group when one is asked for. */
export function inPlaceWith(file: string, own: Ownership): boolean {
  const stat = lstatSync(file, { throwIfNoEntry: false });
  return !!stat?.isFile() && (stat.mode & 0o7777) === own.mode && (own.gid === undefined || stat.gid === own.gid);
}
