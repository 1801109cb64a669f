import { trustedCas } from "./checkCertificates.js";
import { clientChecks, withoutPasses, type ClientContext } from "./runChecks.js";
import { readSharedFiles, viewOfClients, type SharedFiles } from "./snapshot.js";
import type { ShardBatch, ShardReply, ShardStart } from "./verifyShards.js";
import type { Spec } from "../spec/types.js";

/** A helper process of verifyShards.ts: reads the tree's shared files once, then checks the batches of clients it is sent. */
let setup: { spec: Spec; shared: SharedFiles; context: ClientContext; now: Date } | undefined;

process.on("message", (message: ShardStart | ShardBatch) => {
  if (message.kind === "start") {
    const shared = readSharedFiles(message.spec);
    const trusted = trustedCas(viewOfClients(message.spec, shared, []));
    setup = {
      spec: message.spec,
      shared,
      context: { trusted, denied: new Set(message.denied) },
      now: new Date(message.now),
    };
    return;
  }
  const { spec, shared, context, now } = setup!;
  const results = clientChecks(viewOfClients(spec, shared, message.clients), context, now);
  const reply: ShardReply = { index: message.index, results: message.passes ? results : withoutPasses(results) };
  process.send!(reply);
});
// The process that started this one has finished or died: nothing is left to report to.
process.on("disconnect", () => process.exit(0));
