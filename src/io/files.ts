import { randomBytes } from "node:crypto";
import { promises as fs, constants as fsConstants } from "node:fs";
import path from "node:path";

export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
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
 */
export async function writeFileAtomic(file: string, content: string | Buffer, own: Ownership): Promise<boolean> {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const current = await readIfExists(file);
  if (current && current.equals(bytes)) {
    await applyOwnership(file, own);
    return false;
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  // O_EXCL + O_NOFOLLOW: never write through a planted file or link; mode set at creation.
  const handle = await fs.open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, own.mode & 0o600);
  try {
    await handle.writeFile(bytes);
    if (own.gid !== undefined) await handle.chown(-1, own.gid);
    await handle.chmod(own.mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  return true;
}

/**
 * Writes a file that must not exist yet (inside a staging folder that is renamed into place
 * as a whole, so no temporary name is needed): O_EXCL, final mode at creation, fsync.
 */
export async function writeNewFile(file: string, content: string | Buffer, own: Ownership): Promise<void> {
  const handle = await fs.open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, own.mode & 0o600);
  try {
    await handle.writeFile(content);
    if (own.gid !== undefined) await handle.chown(-1, own.gid);
    await handle.chmod(own.mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function applyOwnership(file: string, own: Ownership): Promise<void> {
  const stat = await fs.lstat(file);
  if (own.gid !== undefined && stat.gid !== own.gid) await fs.chown(file, -1, own.gid);
  if ((stat.mode & 0o7777) !== own.mode) await fs.chmod(file, own.mode);
}

/** Creates the directory if needed and gives it exactly this mode and group. */
export async function ensureDir(dir: string, own: Ownership): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: own.mode & 0o700 });
  await applyOwnership(dir, own);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
