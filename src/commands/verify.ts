import type { CommandModule } from "yargs";
import type { VerifyReport } from "../api/verify.js";
import { EXIT_CHECK_FAILED, EXIT_OK } from "../errors.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

const ICON = { pass: "✓", warn: "!", fail: "✗" } as const;

/** Beyond this many checks, passes are counted rather than listed (a fleet has tens of thousands). */
const LIST_PASSES_UP_TO = 200;

export function printReport(report: VerifyReport, ctx: CommandContext, verbose = false): void {
  const listPasses = verbose || report.checks.length <= LIST_PASSES_UP_TO;
  for (const check of report.checks) {
    if (check.status === "pass" && !listPasses) continue;
    ctx.output.out(`${ICON[check.status]} ${check.subject}: ${check.message}`);
    if (check.hint) ctx.output.out(`    → ${check.hint}`);
  }
  const { pass, warn, fail } = report.counts;
  if (!listPasses) ctx.output.out(`✓ ${pass} checks passed (--verbose lists them)`);
  ctx.output.out("");
  ctx.output.out(
    report.ok
      ? `All ${pass + warn} checks hold${warn > 0 ? ` (${warn} warnings)` : ""}: the tree, mosquitto.conf and the client commands agree.`
      : `${fail} of ${pass + warn + fail} checks failed; fix them as the arrows say, then run verify again.`,
  );
}

export function verifyCommand(ctx: CommandContext): CommandModule<CommonArgs, CommonArgs & { verbose: boolean }> {
  return {
    command: "verify",
    describe: "Check certificates, keys, mosquitto.conf and client commands against each other (exit 1 on any failure)",
    builder: (y) =>
      y.option("verbose", { type: "boolean", default: false, describe: "list every passed check, however many" }),
    handler: async (args) => {
      const { verify } = await import("../api/verify.js");
      const report = await verify({ specFile: args.file, now: args.now });
      if (args.json) ctx.output.out(JSON.stringify(report, null, 2));
      else printReport(report, ctx, args.verbose);
      ctx.exitCode = report.ok ? EXIT_OK : EXIT_CHECK_FAILED;
    },
  };
}
