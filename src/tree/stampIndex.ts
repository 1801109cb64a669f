import { readSeen, writeFileAtomic } from "../io/files.js";

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
  const lines = [
    HEADER,
    `context ${index.context}`,
    ...index.fileSets.map((names, set) => `files ${set} ${names.join("/")}`),
  ];
  for (const [name, entry] of index.clients)
    lines.push(`client ${name} ${entry.inputs} ${entry.certificate} ${entry.set} ${entry.files}`);
  return `${lines.join("\n")}\n`;
}

/** Undefined for anything that is not a whole index of this format (an older one, a torn write). */
export function parseStampIndex(text: string): StampIndex | undefined {
  const lines = text.split("\n");
  if (lines[0] !== HEADER || !lines[1]?.startsWith("context ") || lines.at(-1) !== "") return undefined;
  const index: StampIndex = { context: lines[1].slice("context ".length), fileSets: [], clients: new Map() };
  for (let i = 2; i < lines.length - 1; i++) {
    const parts = lines[i].split(" ");
    if (parts[0] === "files" && parts.length === 3 && Number(parts[1]) === index.fileSets.length)
      index.fileSets.push(parts[2].split("/"));
    else if (parts[0] === "client" && parts.length === 6 && Number(parts[4]) < index.fileSets.length) {
      index.clients.set(parts[1], { inputs: parts[2], certificate: parts[3], set: Number(parts[4]), files: parts[5] });
    } else return undefined;
  }
  return index;
}

/** The index as stored, with its text (to tell whether it needs writing); undefined when absent or unreadable. */
export function readStampIndex(file: string): { index?: StampIndex; text?: string } {
  try {
    const text = readSeen(file)?.content.toString();
    return text === undefined ? {} : { index: parseStampIndex(text), text };
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
  previousText: string | undefined,
): Promise<void> {
  const text = formatStampIndex(index);
  if (text !== previousText) await writeFileAtomic(file, text, { mode: 0o600 }, false);
}
