import path from "node:path";
import { readSeen, type SeenFile } from "../io/files.js";

/**
 * What the tree holds at a path, as this run knows it. The writer asks it before replacing a
 * file (to skip what is already right), the build asks what a file held before the run.
 */
export interface TreeFiles {
  /** The file with its mode as the run found it, or null when absent: remembered, or read now. */
  current(file: string): SeenFile | null;
  /** The file as read before anything was written, when this run read it; undefined when it did not. */
  before(file: string): SeenFile | null | undefined;
  /** Whether a folder is known not to exist (none of its files needs opening). */
  absentDir(dir: string): boolean;
}

/**
 * Every file read while planning, with its mode, and the folders known to be absent: the
 * writer then neither reads a file a second time nor opens one in a folder that is not there.
 * Files the planning did not read (scripts, state.json) are read by `current` without being
 * remembered, so a fleet's scripts are never all in memory at once.
 */
export class FileMemory implements TreeFiles {
  private readonly read = new Map<string, SeenFile | null>();
  private readonly absentDirs = new Set<string>();

  /** Reads a file (O_NOFOLLOW) and remembers it, or its absence. */
  remember(file: string): SeenFile | null {
    const found = readSeen(file) ?? null;
    this.read.set(file, found);
    return found;
  }

  markAbsentDir(dir: string): void {
    this.absentDirs.add(dir);
  }

  absentDir(dir: string): boolean {
    return this.absentDirs.has(dir);
  }

  before(file: string): SeenFile | null | undefined {
    return this.read.get(file);
  }

  current(file: string): SeenFile | null {
    const known = this.read.get(file);
    if (known !== undefined) return known;
    return this.absentDirs.has(path.dirname(file)) ? null : (readSeen(file) ?? null);
  }
}
