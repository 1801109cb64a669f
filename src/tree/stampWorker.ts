import { parentPort, workerData } from "node:worker_threads";
import { readStampIndex, unchangedClients } from "./stamps.js";

/** A worker thread of backgroundStamps.ts: compares a stamp index's stamps with the files. */

const { indexFile, clientsDir } = workerData as { indexFile: string; clientsDir: string };
const { index } = readStampIndex(indexFile);
parentPort!.postMessage(index ? [...unchangedClients(index, clientsDir)] : []);
