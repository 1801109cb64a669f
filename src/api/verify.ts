import { currentTime } from "../clock.js";
import { loadSpecFile } from "../spec/load.js";
import { checkCertificates } from "../verify/checkCertificates.js";
import { checkCommands } from "../verify/checkCommands.js";
import { checkConf } from "../verify/checkConf.js";
import { checkAccess } from "../verify/checkAccess.js";
import { Checklist, type CheckResult } from "../verify/result.js";
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

/** Pure part: every check over a snapshot already read from disk. */
export function verifySnapshot(snapshot: TreeSnapshot, now: Date): VerifyReport {
  const list = new Checklist();
  const trusted = checkCertificates(snapshot, list, now);
  checkConf(snapshot, list, trusted);
  checkCommands(snapshot, list, trusted);
  checkAccess(snapshot, list);
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const result of list.results) counts[result.status]++;
  return { ok: list.ok, checks: list.results, counts };
}

/** Checks the tree, mosquitto.conf and every commands.sh against each other and the spec. */
export async function verify(options: VerifyOptions = {}): Promise<VerifyReport> {
  const now = currentTime(options.now);
  const { spec } = await loadSpecFile(options.specFile);
  return verifySnapshot(await takeSnapshot(spec), now);
}
