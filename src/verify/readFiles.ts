import path from "node:path";
import { readPath, type PathRead } from "../io/read.js";
import type { FileInfo } from "./fileInfo.js";
import type { Spec } from "../spec/types.js";

/** Maps a path as written in mosquitto.conf (deploy dir) back to the local tree. */
export function localPath(spec: Spec, confPath: string): string {
  if (spec.deployDir === spec.out) return confPath;
  const relative = path.posix.relative(spec.deployDir, confPath);
  return relative.startsWith("..") ? confPath : path.join(spec.out, relative);
}

/**
 * stat and, for files, the content. Inside the tree a link is never followed (verify reports
 * it); outside it, links are followed as mosquitto follows them (a deploy folder, the folders
 * above the tree). Synchronous on purpose: a fleet's tree has hundreds of thousands of small
 * files, and thread-pool round trips would cost far more than the reads.
 */
export function readInfo(file: string, withContent: boolean, treeRoot: string): FileInfo | undefined {
  try {
    const inside = file === treeRoot || file.startsWith(`${treeRoot}/`);
    const read = readPath(file, { followLinks: !inside, content: withContent ? "files" : "never" });
    return read && fileInfo(read);
  } catch {
    return undefined;
  }
}

function fileInfo({ stat, content }: PathRead): FileInfo {
  const owner = { mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
  if (stat.isSymbolicLink()) return { ...owner, isDirectory: false, isLink: true };
  return { content, ...owner, isDirectory: stat.isDirectory() };
}

/** Every directory from the root down to `file`, for checking that the broker can traverse them. */
export function ancestors(file: string): string[] {
  const out: string[] = [];
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    out.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

/** Reads files and folders into `files`, each path once: what an earlier read (or `known`) has is not read again. */
export class FileLoader {
  constructor(
    readonly files: Map<string, FileInfo>,
    private readonly treeRoot: string,
    private readonly known: ReadonlyMap<string, FileInfo> = new Map(),
  ) {}

  has(file: string): boolean {
    return this.files.has(file) || this.known.has(file);
  }

  /** Files with their content (or only their stat). */
  load(list: Iterable<string>, withContent = true): void {
    for (const file of list) this.add(file, withContent);
  }

  /** The folders on the way to each file (stat only), for the broker's access and for links. */
  loadFoldersAbove(list: Iterable<string>): void {
    const folders = new Set<string>();
    for (const file of list) for (const dir of ancestors(file)) folders.add(dir);
    for (const dir of folders) this.add(dir, false);
  }

  private add(file: string, withContent: boolean): void {
    if (this.has(file)) return;
    const info = readInfo(file, withContent, this.treeRoot);
    if (info) this.files.set(file, info);
  }
}
