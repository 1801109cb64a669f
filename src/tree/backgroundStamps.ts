import { statSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { workerAvailable } from "../io/threads.js";
import type { TreeLayout } from "./layout.js";

/** Below this index size (about 500 clients) a thread's start-up costs more than the stamps it compares. */
const MIN_INDEX_BYTES = 256 * 1024;
const workerFile = new URL("./stampWorker.js", import.meta.url);

/** Settles with the clients whose files all hold their stamps; undefined when the comparison is left to the caller. */
export type UnchangedClients = Promise<ReadonlySet<string> | undefined>;

/**
 * Compares a fleet's stamps (50,000 lstats for 10,000 clients) in a worker thread, so that the
 * comparison runs while this thread validates the spec and reads the ledger. The caller holds
 * the tree lock, so the index and files the worker sees are the ones the build will see.
 */
export function compareStampsInBackground(layout: TreeLayout): { unchanged: UnchangedClients; stop(): void } {
  const size = statSync(layout.stamps, { throwIfNoEntry: false })?.size ?? 0;
  if (size < MIN_INDEX_BYTES || !workerAvailable(workerFile))
    return { unchanged: Promise.resolve(undefined), stop: () => undefined };
  const worker = new Worker(workerFile, { workerData: { indexFile: layout.stamps, clientsDir: layout.clientsDir } });
  const stop = () => {
    worker.unref();
    void worker.terminate();
  };
  const unchanged = new Promise<ReadonlySet<string> | undefined>((resolve) => {
    worker.once("message", (names: string[]) => {
      stop();
      resolve(new Set(names));
    });
    // Only a cache: if the thread fails, the caller compares the stamps itself.
    worker.once("error", () => resolve(undefined));
    worker.once("exit", () => resolve(undefined));
  });
  return { unchanged, stop };
}
