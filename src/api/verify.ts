import { currentTime } from "../clock.js";
import { loadSpecForReading } from "../build/recovery.js";
import { clientChecks, clientChecksNeedDenied, treeChecks, type TreeResults } from "../verify/runChecks.js";
import { OrderedResults, type CheckCounts, type CheckSink } from "../verify/orderedResults.js";
import { batchRanges, helperCount, ShardProcesses, type ShardBatch } from "../verify/verifyShards.js";
import type { CheckResult } from "../verify/result.js";
import { readSharedFiles, takeSnapshot, viewOfClients, type TreeSnapshot } from "../verify/snapshot.js";
import type { Spec } from "../spec/types.js";

export type { CheckCounts, CheckSink } from "../verify/orderedResults.js";

export interface VerifyOptions {
  specFile?: string;
  now?: Date | string;
}

export interface VerifyReport {
  ok: boolean;
  checks: CheckResult[];
  counts: CheckCounts;
}

/** A sink that keeps every result, for the report the API returns. */
function collector(): CheckSink & { checks: CheckResult[] } {
  const checks: CheckResult[] = [];
  return { checks, wantsPasses: () => true, check: (result) => checks.push(result) };
}

/** Pure part: every check over a snapshot already read from disk. */
export function verifySnapshot(snapshot: TreeSnapshot, now: Date): VerifyReport {
  const sink = collector();
  const tree = treeChecks(snapshot, now);
  const ordered = new OrderedResults(sink);
  ordered.begin(tree);
  ordered.add(0, snapshot.clients, clientChecks(snapshot, tree, now));
  const counts = ordered.finish(1);
  return { ok: counts.fail === 0, checks: sink.checks, counts };
}

/** Checks the tree, mosquitto.conf and every commands.sh against each other and the spec; see verifyInto. */
export async function verify(options: VerifyOptions = {}): Promise<VerifyReport> {
  const sink = collector();
  const counts = await verifyInto(options, sink);
  return { ok: counts.fail === 0, checks: sink.checks, counts };
}

/**
 * Checks the tree and hands each result to `sink` in report order, as it goes; returns the
 * counts. A fleet's clients are read and checked in batches (of BATCH_SIZE), on helper
 * processes as well as this one (parsing and verifying 100,000 certificates is seconds of
 * OpenSSL work per core), and each batch's files are let go once it is checked: memory stays
 * flat however large the fleet. The results come out in the same order either way.
 */
export async function verifyInto(options: VerifyOptions, sink: CheckSink): Promise<CheckCounts> {
  const now = currentTime(options.now);
  const { spec } = await loadSpecForReading(options.specFile);
  const ranges = batchRanges(spec.clients.length);
  const clientsOf = (index: number) => spec.clients.slice(...ranges[index]);
  let next = 1;
  const take = (): ShardBatch | undefined =>
    next < ranges.length
      ? { kind: "batch", index: next, clients: clientsOf(next++), passes: sink.wantsPasses() }
      : undefined;
  const ordered = new OrderedResults(sink);
  const helpers = new ShardProcesses(helperCount(spec.clients.length), take, ({ index, results }) =>
    ordered.add(index, clientsOf(index), results),
  );
  try {
    const shared = readSharedFiles(spec);
    const startHelpers = (denied: Iterable<string>) =>
      helpers.start({ kind: "start", spec: { ...spec, clients: [] }, now: now.toISOString(), denied: [...denied] });
    // The helpers start on the clients while this process reads the ledger, unless their checks need it.
    const waitForLedger = clientChecksNeedDenied(spec);
    if (!waitForLedger) startHelpers([]);
    const snapshot = await takeSnapshot(spec, clientsOf(0), shared);
    const tree = treeChecks(snapshot, now);
    if (waitForLedger) startHelpers(tree.denied);
    ordered.begin(tree);
    ordered.add(0, snapshot.clients, clientChecks(snapshot, tree, now));
    // With helpers, this process only puts their results in order (and writes them); a fleet's
    // garbage then piles up in processes that end, and the checks use every core.
    if (helpers.count > 0) await helpers.drain();
    else checkBatchesHere({ spec, tree, now, take, ordered, shared });
    return ordered.finish(ranges.length);
  } finally {
    helpers.stop();
  }
}

interface BatchLoop {
  spec: Spec;
  tree: TreeResults;
  now: Date;
  take: () => ShardBatch | undefined;
  ordered: OrderedResults;
  shared: ReturnType<typeof readSharedFiles>;
}

/** Checks the remaining batches in this process, one after the other. */
function checkBatchesHere(loop: BatchLoop): void {
  for (let batch = loop.take(); batch; batch = loop.take()) {
    const view = viewOfClients(loop.spec, loop.shared, batch.clients);
    loop.ordered.add(batch.index, batch.clients, clientChecks(view, loop.tree, loop.now));
  }
}
