import type { Account } from "../io/accounts.js";
import { ancestors, type FileInfo } from "./snapshot.js";

/** The permission bits that apply to `account` for a file (owner, group or other). */
function bitsFor(account: Account, info: FileInfo): number {
  if (account.uid === 0) return 0o7;
  if (info.uid === account.uid) return (info.mode >> 6) & 0o7;
  if (account.groups.includes(info.gid)) return (info.mode >> 3) & 0o7;
  return info.mode & 0o7;
}

/**
 * Whether `account` can open `file` for reading: execute on every directory on the way,
 * read on the file. Returns the first obstacle, or undefined when it can.
 */
export function readObstacle(account: Account, file: string, files: Map<string, FileInfo>): string | undefined {
  for (const dir of ancestors(file)) {
    const info = files.get(dir);
    if (info && (bitsFor(account, info) & 0o1) === 0) return `cannot enter ${dir} (mode ${info.mode.toString(8)})`;
  }
  const info = files.get(file);
  if (!info) return `${file} does not exist`;
  if ((bitsFor(account, info) & 0o4) === 0)
    return `cannot read ${file} (mode ${info.mode.toString(8)}, group ${info.gid})`;
  return undefined;
}
