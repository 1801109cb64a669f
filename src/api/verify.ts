import { currentTime } from "../clock.js";
import { loadSpecForReading } from "../build/recovery.js";
import { cnClash } from "../verify/checkCertificates.js";
import { clientCns, PHASES, runChecks, type PhaseResults } from "../verify/runChecks.js";
import { checkShardsOnWorkers, shardRanges, type ShardResult } from "../verify/verifyShards.js";
import type { CheckResult } from "../verify/result.js";
import { takeSnapshot, type TreeSnapshot } from "../verify/snapshot.js";

export interface VerifyOptions {
  specFile?: string;
  now?: Date | string;
}

export interface VerifyReport {
  ok: boolean;
  checks: CheckResult[];
  counts: { pass: number; warn: number; fail: number };
}

function report(checks: CheckResult[]): VerifyReport {
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const result of checks) counts[result.status]++;
  return { ok: counts.fail === 0, checks, counts };
}

const inOrder = (global: PhaseResults, ...clients: PhaseResults[]) =>
  PHASES.flatMap((phase) => [...global[phase], ...clients.flatMap((shard) => shard[phase])]);

/** Pure part: every check over a snapshot already read from disk. */
export function verifySnapshot(snapshot: TreeSnapshot, now: Date): VerifyReport {
  const { global, clients } = runChecks(snapshot, now);
  return report(inOrder(global, clients));
}

/**
 * Checks the tree, mosquitto.conf and every commands.sh against each other and the spec. A
 * fleet's clients are read and checked in shards, one per core (parsing and verifying 10,000
 * certificates is seconds of OpenSSL work); the results come out in the same order either way.
 */
export async function verify(options: VerifyOptions = {}): Promise<VerifyReport> {
  const now = currentTime(options.now);
  const { spec } = await loadSpecForReading(options.specFile);
  const [[from, to], ...others] = shardRanges(spec.clients.length);
  const elsewhere = others.length > 0 ? checkShardsOnWorkers(spec, others, now) : Promise.resolve([]);
  const snapshot = await takeSnapshot(spec, spec.clients.slice(from, to));
  const here = runChecks(snapshot, now);
  const shards = await elsewhere;
  flagCnClashes(clientCns(snapshot), shards);
  return report(inOrder(here.global, here.clients, ...shards.map((shard) => shard.clients)));
}

/** A client CN that a client of an earlier shard also has (clashes within a shard, and with the CA or a server, each shard's own checks catch). */
function flagCnClashes(first: ShardResult["cns"], shards: ShardResult[]): void {
  const owners = new Map(first.map(([cn, subject]) => [cn.toLowerCase(), subject]));
  for (const shard of shards) {
    const earlier = new Map(owners);
    for (const [cn, subject] of shard.cns) {
      const owner = earlier.get(cn.toLowerCase());
      // Where the checks of one thread would have put it: after that client's other certificate results.
      if (owner) {
        const results = shard.clients.certificates;
        let at = results.length;
        while (at > 0 && results[at - 1].subject !== subject) at--;
        results.splice(at, 0, cnClash(subject, cn, owner));
      }
      owners.set(cn.toLowerCase(), subject);
    }
  }
}
