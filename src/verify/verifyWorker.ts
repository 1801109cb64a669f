import { parentPort, workerData } from "node:worker_threads";
import { clientCns, runChecks } from "./runChecks.js";
import { takeSnapshot } from "./snapshot.js";
import type { Spec } from "../spec/types.js";

/** A worker thread of verifyShards.ts: reads and checks one shard of a fleet's clients. */
const { spec, from, to, now } = workerData as { spec: Spec; from: number; to: number; now: string };
const snapshot = await takeSnapshot(spec, spec.clients.slice(from, to));
parentPort!.postMessage({ clients: runChecks(snapshot, new Date(now)).clients, cns: clientCns(snapshot) });
