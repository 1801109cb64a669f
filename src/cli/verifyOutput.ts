import type { CheckCounts, CheckSink } from "../api/verify.js";
import type { CheckResult } from "../verify/result.js";
import type { Output } from "./report.js";

const ICON = { pass: "✓", warn: "!", fail: "✗" } as const;

/** Beyond this many checks, passes are counted rather than listed (a fleet has hundreds of thousands). */
export const LIST_PASSES_UP_TO = 200;
/** Warnings repeated above the verdict, at most (a fleet whose every certificate is due has thousands). */
const WARNINGS_REPEATED = 20;
/** Lines written at once: a write per line of a 700,000-line report costs seconds. */
const LINES_PER_WRITE = 2000;

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;

/** Collects lines and writes them in large pieces. */
class Lines {
  private pending: string[] = [];

  constructor(private readonly output: Output) {}

  add(line: string): void {
    this.pending.push(line);
    if (this.pending.length >= LINES_PER_WRITE) this.flush();
  }

  flush(): void {
    if (this.pending.length > 0) this.output.out(this.pending.join("\n"));
    this.pending = [];
  }
}

/** A sink that also finishes the output once the counts are known. */
export interface ReportWriter extends CheckSink {
  finish(counts: CheckCounts): void;
}

/**
 * The checklist as text: every check while there are at most LIST_PASSES_UP_TO (or with
 * --verbose), else the warnings and failures with a count of the passes. The first checks are
 * held until it is clear which.
 */
export function textReport(output: Output, verbose: boolean): ReportWriter {
  const lines = new Lines(output);
  const print = (check: CheckResult) => {
    lines.add(`${ICON[check.status]} ${check.subject}: ${check.message}`);
    if (check.hint) lines.add(`    → ${check.hint}`);
  };
  let held: CheckResult[] | undefined = verbose ? undefined : [];
  const warnings: CheckResult[] = [];
  return {
    wantsPasses: () => verbose || held !== undefined,
    check(result) {
      if (result.status === "warn" && warnings.length < WARNINGS_REPEATED) warnings.push(result);
      if (!held) {
        if (verbose || result.status !== "pass") print(result);
        return;
      }
      held.push(result);
      if (held.length > LIST_PASSES_UP_TO) {
        held.filter((check) => check.status !== "pass").forEach(print);
        held = undefined;
      }
    },
    finish({ pass, warn, fail }) {
      held?.forEach(print);
      if (!verbose && !held) lines.add(`✓ ${pass} checks passed (--verbose lists them)`);
      lines.add("");
      // Repeated above the verdict: in a long report they scroll out of sight.
      if (warn > 0 && fail === 0) {
        lines.add(
          `${plural(warn, "warning")} to look at${warn > warnings.length ? ` (the first ${warnings.length})` : ""}:`,
        );
        warnings.forEach(print);
        lines.add("");
      }
      lines.add(
        fail === 0
          ? `All ${pass + warn} checks hold${warn > 0 ? ` (${plural(warn, "warning")})` : ""}: the tree, mosquitto.conf and the client commands agree.`
          : `${fail} of ${pass + warn + fail} checks failed; fix them as the arrows say, then run verify again.`,
      );
      lines.flush();
    },
  };
}

/**
 * The report as one JSON document, `{ checks, counts, ok }`, each check written as it comes (each
 * as JSON.stringify(report, null, 2) would): the checks go first because `ok` and the counts
 * are known only after the last one.
 */
export function jsonReport(output: Output): ReportWriter {
  const lines = new Lines(output);
  // Each check is written when the next arrives, which tells whether it takes a comma.
  let last: string | undefined;
  lines.add('{\n  "checks": [');
  return {
    wantsPasses: () => true,
    check(result) {
      if (last !== undefined) lines.add(`${last},`);
      last = `    ${JSON.stringify(result, null, 2).replaceAll("\n", "\n    ")}`;
    },
    finish(counts) {
      if (last !== undefined) lines.add(last);
      lines.add(`  ],\n${JSON.stringify({ counts, ok: counts.fail === 0 }, null, 2).slice(2)}`);
      lines.flush();
    },
  };
}
