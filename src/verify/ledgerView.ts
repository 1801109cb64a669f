import type { IssuedRecord, Ledger } from "../state/ledger.js";
import { readLedger } from "../state/stateFile.js";

/**
 * The records of a ledger that verify's checks ask about, in their order: every revoked one (the
 * CRL must list it, the ACL deny its CN), every active client record with the CN of a revoked one
 * (then the CN is in use again, not denied), and every record of a serial a CRL lists (state.json
 * must agree that it is revoked). The checks give the same answers on these as on the whole
 * ledger, and a fleet's ledger is 100,000 records of which these are usually a handful.
 */
export function relevantRecords(ledger: Ledger, listedSerials: ReadonlySet<string>): Ledger {
  const revokedClientCns = new Set(
    ledger.certificates.filter((r) => r.role === "client" && r.status === "revoked").map((r) => r.cn),
  );
  const relevant = (record: IssuedRecord) =>
    record.status === "revoked" ||
    listedSerials.has(record.serial) ||
    (record.role === "client" && record.status === "active" && revokedClientCns.has(record.cn));
  return { ...ledger, certificates: ledger.certificates.filter(relevant) };
}

/** state.json cut down to what verify asks about; undefined when it cannot be read or is not JSON. */
export async function readLedgerView(file: string, listedSerials: ReadonlySet<string>): Promise<Ledger | undefined> {
  try {
    // Line by line, without keeping the lines: verify never writes it.
    const ledger = await readLedger(file, false);
    return ledger && relevantRecords(ledger, listedSerials);
  } catch {
    return undefined;
  }
}
