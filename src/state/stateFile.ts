import { TreeError } from "../errors.js";
import { readLines, readPath } from "../io/read.js";
import type { Ledger } from "./ledger.js";
import { LedgerLines } from "./ledgerFormat.js";

/**
 * Reads state.json; undefined when there is none (a new tree, or it was lost and is rebuilt).
 * Line by line as it comes off the disk; a file edited into another layout is read whole.
 * `forWriting`: keep each record's line for the rewrite (a reader that never writes does not).
 */
export async function readLedger(file: string, forWriting = true): Promise<Ledger | undefined> {
  // Through a link, as the ledger was always read: verify is what reports a link in the tree.
  const lines = new LedgerLines(forWriting);
  if (!readLines(file, (line) => lines.push(line), { followLinks: true })) return undefined;
  try {
    const ledger = lines.finish() ?? (JSON.parse(readPath(file, { followLinks: true })!.content!.toString()) as Ledger);
    if (ledger.version !== 1 || !Array.isArray(ledger.certificates)) throw new Error("unknown shape");
    return ledger;
  } catch (error) {
    throw new TreeError(`${file} is not a readable mqtt-pki state file (${(error as Error).message})`, {
      hint: "restore it from backup, or move it away: the next build rebuilds it from the certificates in the tree",
      path: file,
    });
  }
}
