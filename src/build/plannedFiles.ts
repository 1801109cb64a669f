import type { Ownership } from "../io/files.js";
import type { TreeFiles } from "../tree/fileMemory.js";

/** One file the build wants on disk, with the mode and group it must have. */
export interface PlannedFile {
  path: string;
  /**
   * A function for text rendered only when it is written (a fleet's scripts would otherwise all
   * sit in memory at once); it may give the text in pieces when the file is `changed` (never compared).
   */
  content: string | (() => string | Iterable<string>);
  own: Ownership;
  /** Keys are written before anything that depends on them. */
  isKey: boolean;
  /** An existing file here must never be replaced (the CA key outside an explicit CA rotation)... */
  mustNotReplace?: boolean;
  /** ...except when it holds exactly this (the same CA key, about to be stored encrypted). */
  replaces?: string;
  /** The content is what was read from disk for this build: only its mode and group need checking. */
  unchanged?: boolean;
  /** A copy into archive/: written before anything is replaced, and never itself replaced. */
  archive?: boolean;
  /** Known to differ from what is on disk (a ledger that recorded something): written without reading the old one. */
  changed?: boolean;
}

export interface PlannedDir {
  path: string;
  own: Ownership;
}

/**
 * Where planned folders and files go as they are made: by default they are collected for
 * writeTree; a first build streams them into its staging folder (a fleet's client folders are
 * then written while the next certificates are still being issued). Folders come parents first.
 */
export interface FileSink {
  dir(dir: PlannedDir): void;
  file(file: PlannedFile): void;
}

/** What the writer needs of a build's content: the folders and files to put in place, what to remove, and what was read already. */
export interface WriteSet {
  dirs: PlannedDir[];
  files: PlannedFile[];
  /** Files and folders to delete once everything else is written (after being archived). */
  removals: string[];
  /** Folders to move whole (a pruned client's, into the archive): every file keeps its content and mode, none is deleted. */
  moves?: FolderMove[];
  /** Files outside the tree put in place in the same commit, after the tree's (the spec `issue` and `sign` edit). */
  outside?: readonly PlannedFile[];
  /** What the tree holds now, as the run knows it: the writer skips what is already right. */
  onDisk?: TreeFiles;
}

/** A folder moved by one rename; `to` gets a suffix when it exists already, and its parent is a planned folder. */
export interface FolderMove {
  from: string;
  to: string;
}
