import { createPrivateKey } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { prepareLeaf, type LeafJob, type LeafTemplate, type PreparedLeaf } from "./leafTbs.js";
import { buffer } from "./leafPool.js";

/** A worker thread of leafPool.ts: makes keys and TBSCertificates, never sees a CA key. */

type ShippedTemplate = Omit<LeafTemplate, "signingKey"> & { signingKey?: { pkcs8: Uint8Array; hash: string | null } };

const templates: LeafTemplate[] = (workerData.templates as ShippedTemplate[]).map((t) => ({
  algorithmIdDer: buffer(t.algorithmIdDer),
  issuerDer: buffer(t.issuerDer),
  extensionsBefore: t.extensionsBefore.map(buffer),
  subjectKeyIdPrefix: buffer(t.subjectKeyIdPrefix),
  extensionsAfter: t.extensionsAfter.map(buffer),
  signingKey: t.signingKey && {
    key: createPrivateKey({ key: buffer(t.signingKey.pkcs8), format: "der", type: "pkcs8" }),
    hash: t.signingKey.hash,
  },
}));

parentPort!.on("message", ({ batch, jobs }: { batch: number; jobs: LeafJob[] }) => {
  const results = jobs.map((job) =>
    exactCopies(prepareLeaf(templates[job.template], job.spkiDer ? { ...job, spkiDer: buffer(job.spkiDer) } : job)),
  );
  parentPort!.postMessage({ batch, results });
});

/**
 * Small Buffers are views into 8 KB pool slabs, and posting a view copies its whole slab: the
 * main thread would then hold 8 KB per certificate until the build ends. Each part gets an
 * array of its own size instead.
 */
function exactCopies(leaf: PreparedLeaf): PreparedLeaf {
  const own = (bytes: Buffer) => Buffer.from(new Uint8Array(bytes).buffer);
  return { ...leaf, spkiDer: own(leaf.spkiDer), tbsDer: own(leaf.tbsDer), certDer: leaf.certDer && own(leaf.certDer) };
}
