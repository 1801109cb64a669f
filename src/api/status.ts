import { currentTime } from "../clock.js";
import { loadSpecForReading } from "../build/recovery.js";
import { buildContext } from "../build/context.js";
import { statusReport, type StatusReport } from "../plan/statusReport.js";
import { TreeCache } from "../tree/cache.js";
import { treeLayout } from "../tree/layout.js";

export type { CrlState, HolderState, StatusReport, StatusRow } from "../plan/statusReport.js";

export interface StatusOptions {
  specFile?: string;
  now?: Date | string;
}

/**
 * What the tree holds and when it runs out: one row per CA, server and client. Clients the
 * stamp index vouches for (same spec entry, same shared context, the certificate the ledger
 * holds active, from an accepted CA, unexpired) are not read, parsed or even stat-ed: their
 * rows come from the ledger. Files changed by hand since the last build are verify's to find.
 */
export async function status(options: StatusOptions = {}): Promise<StatusReport> {
  const now = currentTime(options.now);
  const { spec } = await loadSpecForReading(options.specFile);
  const { plan } = await import("../build/engine.js");
  const cache = TreeCache.open(treeLayout(spec.out));
  cache.trustIndex();
  const { tree, result } = await plan(
    buildContext({ spec, warnings: [], intents: { describeOnly: true }, now, cache, readOnly: true }),
  );
  return statusReport({ spec, tree, plan: result.plan, now });
}
