import { Worker } from "node:worker_threads";
import { workerAvailable, workerCount } from "../io/threads.js";
import type { PhaseResults } from "./runChecks.js";
import type { Spec } from "../spec/types.js";

/** Below this many clients a thread's start-up costs more than it saves. */
const MIN_CLIENTS_PER_SHARD = 1000;
const workerFile = new URL("./verifyWorker.js", import.meta.url);

export interface ShardResult {
  clients: PhaseResults;
  cns: [string, string][];
}

/** Client index ranges, one per thread (the first for this one); a single range when threads would not pay. */
export function shardRanges(clients: number): [number, number][] {
  const shards = workerAvailable(workerFile)
    ? Math.max(1, Math.min(workerCount(), Math.floor(clients / MIN_CLIENTS_PER_SHARD)))
    : 1;
  const size = Math.ceil(clients / shards);
  return Array.from({ length: shards }, (_, i) => [i * size, Math.min(clients, (i + 1) * size)]);
}

/** Checks each range's clients in a worker thread of its own. */
export function checkShardsOnWorkers(spec: Spec, ranges: [number, number][], now: Date): Promise<ShardResult[]> {
  return Promise.all(
    ranges.map(
      ([from, to]) =>
        new Promise<ShardResult>((resolve, reject) => {
          const worker = new Worker(workerFile, { workerData: { spec, from, to, now: now.toISOString() } });
          worker.once("message", (result: ShardResult) => {
            worker.unref();
            void worker.terminate();
            resolve(result);
          });
          worker.once("error", reject);
          worker.once("exit", (code) =>
            reject(new Error(`a verify worker stopped (exit code ${code}) before it reported`)),
          );
        }),
    ),
  );
}
