import { currentTime } from "../clock.js";
import type { Finding } from "../lint/findings.js";
import { loadConf } from "../lint/loadConf.js";
import { lintRules } from "../lint/rules.js";
import type { LintSnapshot } from "../lint/snapshot.js";

export interface LintOptions {
  /** The mosquitto.conf the broker starts with. */
  confFile: string;
  now?: Date | string;
}

export interface LintReport {
  /** True when no finding is an error (warnings allowed). */
  ok: boolean;
  findings: Finding[];
}

/** Pure part: every lint rule over a snapshot already read from disk. */
export function lintSnapshot(snapshot: LintSnapshot, now: Date): LintReport {
  const findings = lintRules(snapshot, now);
  return { ok: findings.every((f) => f.severity !== "error"), findings };
}

/**
 * Checks a mosquitto.conf this tool did not write, statically: the files it references, its
 * certificates and keys against each other and the clock, and settings mosquitto 2.0 mishandles.
 * Throws a PkiError (exit 2) when the conf itself cannot be read.
 */
export async function lint(options: LintOptions): Promise<LintReport> {
  const now = currentTime(options.now);
  return lintSnapshot(await loadConf(options.confFile), now);
}
