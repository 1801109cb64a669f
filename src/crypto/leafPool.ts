import { Worker } from "node:worker_threads";
import { workerAvailable, workerCount } from "../io/threads.js";
import { prepareLeaf, type LeafJob, type LeafTemplate, type PreparedLeaf } from "./leafTbs.js";

/**
 * Runs prepareLeaf for many leaves on every core: key generation (EC ≈ 0.04 ms with the ECDH
 * path, RSA-2048 ≈ 300 ms), the TBSCertificate, and the signature when the CA key is held in
 * this process (each thread gets its own copy). A Signer without one (an HSM) signs in the
 * caller's thread instead.
 */

/** Below this many leaves, starting threads costs more than they save. */
const MIN_JOBS_FOR_WORKERS = 48;
const BATCH = 64;

const workerFile = new URL("./leafWorker.js", import.meta.url);

/**
 * Prepares every job, calling `onPrepared` as results arrive (in batches, in any order), so
 * the caller signs and stores while the workers go on. Resolves when all are done.
 */
export async function prepareLeaves(
  templates: LeafTemplate[],
  jobs: LeafJob[],
  onPrepared: (index: number, leaf: PreparedLeaf) => void | Promise<void>,
): Promise<void> {
  // Under ts-jest the compiled worker does not exist: the same function then runs here.
  const threads = worthThreads(jobs) && workerAvailable(workerFile) ? Math.min(workerCount(), jobs.length) : 0;
  if (threads === 0) {
    for (let i = 0; i < jobs.length; i++) await onPrepared(i, prepareLeaf(templates[jobs[i].template], jobs[i]));
    return;
  }
  await runOnWorkers(threads, templates, jobs, onPrepared);
}

/** Structured cloning turns Buffers into plain Uint8Arrays: view them as Buffers again, without a copy. */
export function buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Many cheap jobs, or a few RSA keys (hundreds of ms each). */
function worthThreads(jobs: LeafJob[]): boolean {
  return (
    jobs.length >= MIN_JOBS_FOR_WORKERS || (jobs.length > 1 && jobs.some((job) => job.generate?.startsWith("rsa-")))
  );
}

function runOnWorkers(
  threads: number,
  templates: LeafTemplate[],
  jobs: LeafJob[],
  onPrepared: (index: number, leaf: PreparedLeaf) => void | Promise<void>,
): Promise<void> {
  // Each worker gets its own copy of a CA key: OpenSSL 3 deadlocks now and then when two
  // threads sign with one shared key object (seen here as a build that hangs midway).
  const shipped = templates.map((template) => ({
    ...template,
    signingKey: template.signingKey && {
      pkcs8: template.signingKey.key.export({ type: "pkcs8", format: "der" }),
      hash: template.signingKey.hash,
    },
  }));
  // Small heaps: a worker holds one batch at a time, and a fleet build must stay under its memory budget.
  const workers = Array.from(
    { length: threads },
    () =>
      new Worker(workerFile, {
        workerData: { templates: shipped },
        resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
      }),
  );
  // Batches small enough that every worker gets many, at most BATCH. RSA keys go one by one:
  // each takes 100 ms to a second, and a worker left with a few queued ones at the end would
  // keep the other core idle meanwhile.
  const size = jobs.some((job) => job.generate?.startsWith("rsa-"))
    ? 1
    : Math.max(1, Math.min(BATCH, Math.ceil(jobs.length / (threads * 16))));
  let next = 0;
  let pending = 0;
  // Results wait in arrival order and are handled one batch per turn of the event loop: handling
  // them right in the message event let one busy worker's port hog the loop (Node drains a port
  // while it has messages), and the other worker sat idle for the whole build. A worker gets its
  // next batch once one of its results is handled, so at most two of its batches are out at a time.
  const arrived: { worker: Worker; batch: number; results: PreparedLeaf[] }[] = [];
  let handling = false;
  return new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      for (const worker of workers) void worker.terminate();
      reject(error);
    };
    const feed = (worker: Worker) => {
      if (next >= jobs.length) return;
      const batch = next;
      next += size;
      pending++;
      worker.postMessage({ batch, jobs: jobs.slice(batch, batch + size) });
    };
    const handleNext = async () => {
      const { worker, batch, results } = arrived.shift()!;
      for (let i = 0; i < results.length; i++) {
        const leaf = results[i];
        await onPrepared(batch + i, {
          keyPem: leaf.keyPem,
          spkiDer: buffer(leaf.spkiDer),
          tbsDer: buffer(leaf.tbsDer),
          certDer: leaf.certDer && buffer(leaf.certDer),
        });
      }
      feed(worker);
      if (--pending === 0 && next >= jobs.length) {
        // Not awaited: terminate() can stay pending here after a large run (seen on Node 20),
        // and an unref'ed worker cannot hold the process open anyway.
        for (const w of workers) {
          w.unref();
          void w.terminate();
        }
        resolve();
      }
    };
    const schedule = () => {
      if (handling || arrived.length === 0) return;
      handling = true;
      setImmediate(() =>
        handleNext().then(() => {
          handling = false;
          schedule();
        }, fail),
      );
    };
    for (const worker of workers) {
      worker.on("error", fail);
      worker.on("message", ({ batch, results }: { batch: number; results: PreparedLeaf[] }) => {
        arrived.push({ worker, batch, results });
        schedule();
      });
      // Two batches out per worker, so none waits while its last result is handled.
      feed(worker);
      feed(worker);
    }
  });
}
