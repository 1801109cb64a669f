import type { CommandModule } from "yargs";
import type { StatusReport } from "../api/status.js";
import { EXIT_CHECK_FAILED } from "../errors.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

const COLUMNS = ["name", "role", "cn", "serial", "not after", "days", "state"] as const;

const ROWS_PER_WRITE = 4096;

export function printStatus(report: StatusReport, ctx: CommandContext): void {
  const cells = report.rows.map((row) => [
    row.name,
    row.role,
    row.cn ?? "-",
    row.serial ? `${row.serial.slice(0, 12)}…` : "-",
    row.notAfter?.slice(0, 10) ?? "-",
    row.daysLeft?.toString() ?? "-",
    row.state + (row.detail ? ` (${row.detail})` : ""),
  ]);
  // A loop, not Math.max(...cells): a fleet's 100,000 arguments come near the stack's limit.
  const widths = COLUMNS.map((title) => title.length);
  for (const cell of cells) for (let i = 0; i < 6; i++) widths[i] = Math.max(widths[i], cell[i].length);
  const line = (values: readonly string[]) =>
    values.map((value, i) => (i === 6 ? value : value.padEnd(widths[i]))).join("  ");
  // Written in blocks of lines: one write per row costs a fleet more than making the rows.
  const lines = [line(COLUMNS), ...cells.map(line)];
  for (let at = 0; at < lines.length; at += ROWS_PER_WRITE)
    ctx.output.out(lines.slice(at, at + ROWS_PER_WRITE).join("\n"));
  if (report.crl?.problem) ctx.output.out(`\nCRL: ${report.crl.problem}.`);
  else if (report.crl)
    ctx.output.out(
      `\nCRL: ${report.crl.revoked} revoked, valid until ${report.crl.nextUpdate.slice(0, 10)} (${report.crl.daysLeft} days; renewed at half-life by any build or \`mqtt-pki crl\`).`,
    );
  if (report.caRotation.phase === "rotating") {
    ctx.output.out(
      `\nCA rotation under way. Clients still on the old CA: ${report.caRotation.clientsOnOldCa.join(", ") || "none"}.`,
    );
    ctx.output.out(
      report.caRotation.clientsOnOldCa.length > 0
        ? "Rotate them (`mqtt-pki rotate NAME`), deploy, then `mqtt-pki rotate ca --finish`."
        : "Every client has a new certificate: run `mqtt-pki rotate ca --finish`.",
    );
  }
  const certificatesDue = report.rows.some((r) => r.state !== "ok" && r.state !== "revoked");
  if (report.healthy) ctx.output.out("\nNothing is expired or due for renewal.");
  else if (certificatesDue)
    ctx.output.out("\nSomething is expired, missing or due: run `mqtt-pki rotate --expiring` (or `mqtt-pki build`).");
}

export function statusCommand(ctx: CommandContext): CommandModule<CommonArgs, CommonArgs & { check: boolean }> {
  return {
    command: "status",
    describe:
      "Show every certificate, its expiry and state; --check exits 1 when anything is expired or due for renewal",
    builder: (y) =>
      y.option("check", {
        type: "boolean",
        default: false,
        describe: "exit 1 when anything is expired, missing or within defaults.renewBeforeDays",
      }),
    handler: async (args) => {
      const { status } = await import("../api/status.js");
      const report = await status({ specFile: args.file, now: args.now });
      if (args.json) ctx.output.out(JSON.stringify(report, null, 2));
      else printStatus(report, ctx);
      if (args.check && !report.healthy) ctx.exitCode = EXIT_CHECK_FAILED;
    },
  };
}
