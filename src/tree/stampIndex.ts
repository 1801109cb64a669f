import { writeFileAtomic } from "../io/files.js";
import { readLines } from "../io/read.js";
import { sha256Pieces } from "../crypto/hash.js";

/**
 * The stamp index (`.<out>.stamps` beside the tree), like git's index: for each client, the stat
 * stamp of every file in its folder as the last build left it, the spec entry it was made
 * from and its certificate's fingerprint. A rebuild that finds all of that unchanged knows
 * the client's files are right without reading or rendering them. It is only a cache: a
 * missing, stale or unreadable index just means the full comparison runs.
 */
export interface StampIndex {
  /** Digest of everything shared by every client's files (see contextDigest). */
  context: string;
  /** The lists of file names client folders hold (a handful of kinds: key or CSR, password or not). */
  fileSets: (readonly string[])[];
  clients: Map<string, ClientStamps>;
}

export interface ClientStamps {
  /** Digest of the client's spec entry. */
  inputs: string;
  /** Fingerprint of the certificate the ledger recorded for it. */
  certificate: string;
  /** Which of fileSets its folder holds: with that, the index alone says which files to stamp. */
  set: number;
  /** The fileStatNumbers of each file of its file set, in that order, comma-separated as stored (read only to compare). */
  files: string;
}

/**
 * The stored form: plain lines, one per client, so that reading it and writing it back cost
 * little more than splitting and joining (a fleet's index has 10,000 clients):
 *   mqtt-pki stamps 3
 *   context <digest>
 *   files <set> <name>/<name>/...
 *   client <name> <inputs> <certificate> <set> <number>,<number>,...
 * Names, digests and fingerprints hold no spaces or slashes (names are file-safe).
 */
const HEADER = "mqtt-pki stamps 3";

export function formatStampIndex(index: StampIndex): string {
  return `${[...indexLines(index)].join("\n")}\n`;
}

function* indexLines(index: StampIndex): Generator<string> {
  yield HEADER;
  yield `context ${index.context}`;
  for (const [set, names] of index.fileSets.entries()) yield `files ${set} ${names.join("/")}`;
  for (const [name, entry] of index.clients)
    yield `client ${name} ${entry.inputs} ${entry.certificate} ${entry.set} ${entry.files}`;
}

/** The digest of formatStampIndex's text, without making the text (a fleet's is tens of megabytes). */
function indexDigest(index: StampIndex): string {
  const digest = sha256Pieces();
  for (const line of indexLines(index)) digest.update(`${line}\n`);
  return digest.hex();
}

/** Reads an index line by line: `finish` is undefined for anything that is not a whole index of this format (an older one, a torn write). */
class StampIndexLines {
  private index?: StampIndex;
  private lines = 0;
  private broken = false;
  /** An empty line is only right as the last one (the text ends with a newline). */
  private ended = false;

  push(line: string): void {
    if (this.broken) return;
    if (this.ended) return void (this.broken = true);
    const at = this.lines++;
    if (at === 0) this.broken = line !== HEADER;
    else if (at === 1)
      if (line.startsWith("context "))
        this.index = { context: line.slice("context ".length), fileSets: [], clients: new Map() };
      else this.broken = true;
    else if (line === "") this.ended = true;
    else this.broken = !this.entry(line.split(" "));
  }

  private entry(parts: string[]): boolean {
    const index = this.index!;
    if (parts[0] === "files" && parts.length === 3 && Number(parts[1]) === index.fileSets.length)
      index.fileSets.push(parts[2].split("/"));
    else if (parts[0] === "client" && parts.length === 6 && Number(parts[4]) < index.fileSets.length)
      index.clients.set(parts[1], { inputs: parts[2], certificate: parts[3], set: Number(parts[4]), files: parts[5] });
    else return false;
    return true;
  }

  finish(): StampIndex | undefined {
    return this.broken || !this.ended ? undefined : this.index;
  }
}

/** Undefined for anything that is not a whole index of this format (an older one, a torn write). */
export function parseStampIndex(text: string): StampIndex | undefined {
  const lines = new StampIndexLines();
  for (const line of text.split("\n")) lines.push(line);
  return lines.finish();
}

/**
 * The index as stored, with the digest of its text (to tell whether it needs writing);
 * undefined when absent or unreadable. Read line by line: a fleet's index is tens of megabytes.
 */
export function readStampIndex(file: string): { index?: StampIndex; digest?: string } {
  try {
    const lines = new StampIndexLines();
    const digest = sha256Pieces();
    let first = true;
    const found = readLines(file, (line) => {
      digest.update(first ? line : `\n${line}`);
      first = false;
      lines.push(line);
    });
    return found ? { index: lines.finish(), digest: digest.hex() } : {};
  } catch {
    return {};
  }
}

/**
 * Writes the index when it changed: a rebuild that changed nothing writes nothing. Replaced
 * atomically but not flushed: after a crash an old or empty index only costs a full comparison
 * (replaced files have new inodes), and the tree itself was made durable before this.
 */
export async function writeStampIndex(
  file: string,
  index: StampIndex,
  previousDigest: string | undefined,
): Promise<void> {
  if (indexDigest(index) !== previousDigest)
    await writeFileAtomic(file, formatStampIndex(index), { mode: 0o600 }, false);
}
