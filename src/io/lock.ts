import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  promises as fs,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  constants as fsConstants,
} from "node:fs";
import path from "node:path";
import { EXIT_LOCKED, PkiError } from "../errors.js";
import { temporaryName } from "./files.js";

/** Whether a process with this PID is alive on this machine (EPERM still means it exists). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** An empty lock file older than this is a taker killed between creating it and writing its PID. */
const EMPTY_LOCK_GRACE_MS = 2000;

/**
 * Whether a lock file is left by a run that is gone: its PID is dead, or it never got a PID
 * (killed right after creating it) and is older than a live taker could take to write one.
 */
export function isStaleLock(lockFile: string): boolean {
  const holder = holderOf(lockFile);
  if (holder !== undefined) return !isProcessAlive(holder);
  const stat = statSync(lockFile, { throwIfNoEntry: false });
  return stat !== undefined && Date.now() - stat.mtimeMs > EMPTY_LOCK_GRACE_MS;
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

/**
 * Creates the lock file with our PID already in it, or returns false when it exists: the PID
 * goes into a temp first, which is then hard-linked to the lock's name (link(2) fails when the
 * name is taken). A kill at any instant leaves either no lock or one that names its holder
 * (and at most a temp, which the next run removes).
 */
function placeLockFile(lockFile: string): boolean {
  const temp = temporaryName(lockFile, path.dirname(lockFile));
  const fd = openSync(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return false;
  } finally {
    rmSync(temp, { force: true });
  }
}

function takeLock(lockFile: string, what: string): () => Promise<void> {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    if (placeLockFile(lockFile)) {
      return async () => {
        if (holderOf(lockFile) === process.pid) await fs.rm(lockFile, { force: true });
      };
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
    // No PID yet: a live taker between creating the file and writing its PID, unless it is old.
    if (holder === undefined && !isStaleLock(lockFile)) {
      if (!statSync(lockFile, { throwIfNoEntry: false })) continue;
      throw new PkiError(`another mqtt-pki run is taking the lock on ${what}; nothing was changed, try again`, {
        hint: `run the command again in a moment (exit code ${EXIT_LOCKED} means just that)`,
        exitCode: EXIT_LOCKED,
      });
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
