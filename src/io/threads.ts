import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

export const WORKERS_ENV = "MQTT_PKI_WORKERS";

/** How many threads share fleet-sized work: $MQTT_PKI_WORKERS, else one per core. */
export function workerCount(): number {
  const wanted = Number(process.env[WORKERS_ENV]);
  return Number.isInteger(wanted) && wanted >= 1 ? wanted : availableParallelism();
}

/** Whether a worker's compiled module is there: under ts-jest it is not, and the work runs in-process instead. */
export function workerAvailable(file: URL): boolean {
  return existsSync(fileURLToPath(file));
}
