import type { CommandModule } from "yargs";
import type { LintReport } from "../api/lint.js";
import { formatFinding } from "../lint/findings.js";
import { EXIT_CHECK_FAILED, EXIT_OK } from "../errors.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

interface LintArgs extends CommonArgs {
  conf: string;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export function printLintReport(report: LintReport, conf: string, ctx: CommandContext): void {
  for (const finding of report.findings) ctx.output.out(formatFinding(finding));
  const errors = report.findings.filter((f) => f.severity === "error").length;
  const warnings = report.findings.length - errors;
  if (report.findings.length > 0) ctx.output.out("");
  ctx.output.out(
    report.findings.length === 0
      ? `${conf}: no problems found.`
      : `${conf}: ${plural(errors, "error")}, ${plural(warnings, "warning")}.`,
  );
}

export function lintCommand(ctx: CommandContext): CommandModule<CommonArgs, LintArgs> {
  return {
    command: "lint <conf>",
    describe:
      "Check a mosquitto.conf made by hand or another tool: referenced files, certificates, keys, permissions (exit 1 on any error)",
    builder: (yargs) =>
      yargs.positional("conf", {
        type: "string",
        demandOption: true,
        describe: "the mosquitto.conf the broker starts with, e.g. /etc/mosquitto/mosquitto.conf",
      }),
    handler: async (args) => {
      const { lint } = await import("../api/lint.js");
      const report = await lint({ confFile: args.conf, now: args.now });
      if (args.json) ctx.output.out(JSON.stringify(report, null, 2));
      else printLintReport(report, args.conf, ctx);
      ctx.exitCode = report.ok ? EXIT_OK : EXIT_CHECK_FAILED;
    },
  };
}
