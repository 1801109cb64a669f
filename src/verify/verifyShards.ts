import { fork, type ChildProcess, type ForkOptions } from "node:child_process";
import { workerAvailable, workerCount } from "../io/threads.js";
import type { ClientResults } from "./runChecks.js";
import type { ClientSpec, Spec } from "../spec/types.js";

/** Below this many clients per process, starting one costs more than it saves. */
const MIN_CLIENTS_PER_SHARD = 1000;
/** Clients read and checked at a time: their files and parsed certificates are released after each batch. */
export const BATCH_SIZE = 500;
/** Batches a helper process holds, so that it never waits for the next while this one checks its own. */
const IN_FLIGHT = 2;
const workerFile = new URL("./verifyWorker.js", import.meta.url);

/** What a helper is told once: the spec without its clients (each batch brings its own), the time, the revoked CNs. */
export interface ShardStart {
  kind: "start";
  spec: Spec;
  now: string;
  denied: string[];
}

export interface ShardBatch {
  kind: "batch";
  index: number;
  clients: ClientSpec[];
  /** Whether passed checks are sent one by one (else counted only). */
  passes: boolean;
}

export interface ShardReply {
  index: number;
  results: ClientResults;
}

/** Client index ranges of at most BATCH_SIZE clients, in spec order. */
export function batchRanges(clients: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let from = 0; from < clients; from += BATCH_SIZE) ranges.push([from, Math.min(clients, from + BATCH_SIZE)]);
  return ranges.length > 0 ? ranges : [[0, 0]];
}

/** How many helper processes a fleet of `clients` is worth: one per core, or none when one core does it. */
export function helperCount(clients: number): number {
  if (!workerAvailable(workerFile)) return 0;
  const shards = Math.min(workerCount(), Math.floor(clients / MIN_CLIENTS_PER_SHARD));
  return shards > 1 ? shards : 0;
}

/**
 * Helper processes that check batches of clients. Processes, not threads: OpenSSL 3.0 decodes
 * a certificate's public key under locks that threads of one process share; measured with two
 * threads, each parsed 5,000 certificates in 1.3 s instead of 0.5 s alone, so two threads were
 * slower than one. Each batch is asked for when a helper has room (`take`), answered through
 * `onResults`.
 */
export class ShardProcesses {
  private readonly helpers: { child: ChildProcess; busy: number }[];
  private readonly failed: Promise<never>;
  private idle?: () => void;
  readonly count: number;

  constructor(
    count: number,
    private readonly take: () => ShardBatch | undefined,
    private readonly onResults: (reply: ShardReply) => void,
  ) {
    // A helper's stdout is not ours to share: only --json and the report may go there.
    const options: ForkOptions = { serialization: "advanced", stdio: ["ignore", "ignore", "inherit", "ipc"] };
    this.count = count;
    this.helpers = Array.from({ length: count }, () => ({ child: fork(workerFile, [], options), busy: 0 }));
    this.failed = new Promise<never>((_, reject) => {
      for (const helper of this.helpers) {
        helper.child.on("message", (reply: ShardReply) => this.received(helper, reply));
        helper.child.once("error", reject);
        helper.child.once("exit", (code, signal) => {
          if (helper.busy > 0)
            reject(new Error(`a verify helper process stopped (${signal ?? `exit code ${code}`}) before it reported`));
        });
      }
    });
    this.failed.catch(() => undefined);
  }

  /** Sends the shared inputs, then the first batches. */
  start(message: ShardStart): void {
    for (const helper of this.helpers) helper.child.send(message);
    this.refill();
  }

  /** Hands out batches while helpers have room (call when batches may be left). */
  refill(): void {
    for (const helper of this.helpers) {
      while (helper.busy < IN_FLIGHT) {
        const batch = this.take();
        if (!batch) return;
        helper.busy++;
        helper.child.send(batch);
      }
    }
  }

  /** Resolves when every batch handed out is answered (rejects when a helper died first), then lets the helpers go. */
  async drain(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      this.idle = resolve;
      this.checkIdle();
    });
    try {
      await Promise.race([done, this.failed]);
    } finally {
      this.stop();
    }
  }

  /** Ends every helper (they also end on their own when this process goes). */
  stop(): void {
    for (const { child } of this.helpers) if (child.connected) child.disconnect();
  }

  private received(helper: { busy: number }, reply: ShardReply): void {
    helper.busy--;
    this.onResults(reply);
    this.refill();
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.idle && this.helpers.every((helper) => helper.busy === 0)) this.idle();
  }
}
