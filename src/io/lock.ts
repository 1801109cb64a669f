import {
  closeSync,
  mkdirSync,
  openSync,
  promises as fs,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  constants as fsConstants,
} from "node:fs";
import path from "node:path";
import { EXIT_LOCKED, PkiError } from "../errors.js";

/** Whether a process with this PID is alive on this machine (EPERM still means it exists). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The PID written in a lock file, when there is one. */
export function holderOf(lockFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One writer per tree: an O_EXCL lock file beside the tree holding our PID. A lock whose
 * holder is dead is taken over (renamed away first, so two takers cannot both win).
 * Returns the release function.
 */
export async function acquireTreeLock(root: string): Promise<() => Promise<void>> {
  return takeTreeLock(root);
}

/** acquireTreeLock without waiting for the event loop: a build takes it in the middle of reading its spec. */
export function takeTreeLock(root: string): () => Promise<void> {
  return takeLock(treeLockFile(root), root);
}

/** The tree's lock file, beside it. */
export function treeLockFile(root: string): string {
  return path.join(path.dirname(root), `.${path.basename(root)}.lock`);
}

/**
 * The spec file's own lock, beside it: `issue` and `sign` read, edit and write the spec while
 * holding it, so that two of them at once cannot both start from the same text (the second
 * would write back a copy without the first one's client).
 */
export function takeSpecLock(specFile: string): () => Promise<void> {
  return takeLock(specLockFile(specFile), specFile);
}

/** The spec file's lock file, beside it. */
export function specLockFile(specFile: string): string {
  return path.join(path.dirname(specFile), `.${path.basename(specFile)}.lock`);
}

/** Runs `work` while holding the spec file's lock (see takeSpecLock). */
export async function withSpecLock<T>(specFile: string, work: () => Promise<T>): Promise<T> {
  const release = takeSpecLock(specFile);
  try {
    return await work();
  } finally {
    await release();
  }
}

function takeLock(lockFile: string, what: string): () => Promise<void> {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockFile, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return async () => {
        if (holderOf(lockFile) === process.pid) await fs.rm(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = holderOf(lockFile);
    if (holder !== undefined && holder !== process.pid && isProcessAlive(holder)) {
      throw new PkiError(
        `another mqtt-pki run (PID ${holder}) holds the lock on ${what}; nothing was changed, try again`,
        {
          hint: `run the command again once it has finished (exit code ${EXIT_LOCKED} means just that); if PID ${holder} is not mqtt-pki, remove ${lockFile}`,
          exitCode: EXIT_LOCKED,
        },
      );
    }
    // Stale: its holder died mid-run. Move it aside atomically, then try again.
    try {
      renameSync(lockFile, `${lockFile}.stale-${process.pid}`);
    } catch {
      // Another taker moved it first.
    }
    rmSync(`${lockFile}.stale-${process.pid}`, { force: true });
  }
  throw new PkiError(`could not take the lock ${lockFile}`, {
    hint: "remove it if no mqtt-pki is running, then try again",
  });
}
