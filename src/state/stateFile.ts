import { TreeError } from "../errors.js";
import { readPath } from "../io/read.js";
import { parseLedger, type Ledger } from "./ledger.js";

/** Reads state.json; undefined when there is none (a new tree, or it was lost and is rebuilt). */
export async function readLedger(file: string, forWriting = true): Promise<Ledger | undefined> {
  // Through a link, as the ledger was always read: verify is what reports a link in the tree.
  const content = readPath(file, { followLinks: true })?.content;
  if (!content) return undefined;
  try {
    const ledger = parseLedger(content.toString(), forWriting);
    if (ledger.version !== 1 || !Array.isArray(ledger.certificates)) throw new Error("unknown shape");
    return ledger;
  } catch (error) {
    throw new TreeError(`${file} is not a readable mqtt-pki state file (${(error as Error).message})`, {
      hint: "restore it from backup, or move it away: the next build rebuilds it from the certificates in the tree",
      path: file,
    });
  }
}
