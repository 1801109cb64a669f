import {
  closeSync,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  constants,
  type Stats,
} from "node:fs";
import { StringDecoder } from "node:string_decoder";

/** How `readPath` reads. */
export interface ReadOptions {
  /**
   * Follow a symbolic link at the path. Off by default: a link planted in the tree must not
   * redirect a read (verify reports it, the writer refuses it). On where a link is wanted, as
   * for the files a mosquitto.conf names outside the tree, which mosquitto itself follows.
   */
  followLinks?: boolean;
  /**
   * "always" (the default): the bytes, whatever is at the path (a folder throws EISDIR, as
   * fs.readFile does); "files": a regular file's bytes, only the stat of anything else (a
   * folder, a FIFO, a device is never opened for reading); "never": the stat alone.
   */
  content?: "always" | "files" | "never";
}

/** A path as read: its stat and, as asked, its bytes. */
export interface PathRead {
  /** Of the link itself when the path is a link that was not followed (and then no content). */
  stat: Stats;
  content?: Buffer;
}

/**
 * The one reader of files: the bytes and the stat seen on the same descriptor, so the mode
 * reported is the mode of the bytes read. Undefined when nothing is at the path. Synchronous on
 * purpose: for small files thread-pool round trips cost far more than the reads, and a no-op
 * rebuild or a verify of a fleet reads tens of thousands of them.
 */
export function readPath(file: string, options: ReadOptions = {}): PathRead | undefined {
  const follow = options.followLinks ?? false;
  const content = options.content ?? "always";
  if (content === "never") return statPath(file, follow);
  const fd = openForReading(file, follow, content === "files");
  if (typeof fd !== "number") return fd;
  try {
    const stat = fstatSync(fd);
    return { stat, content: content === "always" || stat.isFile() ? readFileSync(fd) : undefined };
  } finally {
    closeSync(fd);
  }
}

/** The stat alone (of the link itself unless `follow`); undefined when nothing is there. */
function statPath(file: string, follow: boolean): PathRead | undefined {
  try {
    // No exception for a missing path: building one costs more than the stat, and a fleet has thousands.
    const stat = (follow ? statSync : lstatSync)(file, { throwIfNoEntry: false });
    return stat && { stat };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw error;
  }
}

/**
 * A descriptor on the path, or what readPath answers without one: nothing (missing), the
 * link's own stat (a link not followed), the stat of what cannot be opened but is not a file to
 * read (a folder without read permission, with `onlyFiles`). Other failures throw.
 */
function openForReading(file: string, follow: boolean, onlyFiles: boolean): number | PathRead | undefined {
  try {
    // O_NONBLOCK when only files are read: opening a FIFO for its stat must not wait for a writer.
    const flags = constants.O_RDONLY | (follow ? 0 : constants.O_NOFOLLOW) | (onlyFiles ? constants.O_NONBLOCK : 0);
    return openSync(file, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === "ELOOP" && !follow) return statPath(file, false);
    const other = onlyFiles && code === "EACCES" ? statPath(file, follow) : undefined;
    if (other && !other.stat.isFile()) return other;
    throw error;
  }
}

/** How much of a file `readLines` holds at once. */
const LINE_CHUNK = 1 << 20;

/**
 * Hands a text file to `onLine` line by line as it is read, a megabyte at a time: a fleet's
 * state.json or stamp index (tens of megabytes) is never one buffer and one string at once.
 * False when nothing is at the path; links as in readPath.
 */
export function readLines(file: string, onLine: (line: string) => void, options: ReadOptions = {}): boolean {
  const fd = openForReading(file, options.followLinks ?? false, false);
  if (typeof fd !== "number") return false;
  try {
    const chunk = Buffer.allocUnsafe(LINE_CHUNK);
    const decoder = new StringDecoder("utf8");
    let rest = "";
    for (
      let read = readSync(fd, chunk, 0, LINE_CHUNK, null);
      read > 0;
      read = readSync(fd, chunk, 0, LINE_CHUNK, null)
    ) {
      const text = rest + decoder.write(chunk.subarray(0, read));
      let start = 0;
      for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
        onLine(text.slice(start, end));
        start = end + 1;
      }
      rest = text.slice(start);
    }
    onLine(rest + decoder.end());
    return true;
  } finally {
    closeSync(fd);
  }
}
