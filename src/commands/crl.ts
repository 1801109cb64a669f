import { readFileSync } from "node:fs";
import type { CommandModule } from "yargs";
import { PkiError } from "../errors.js";
import { RELOAD_COMMAND } from "../cli/reload.js";
import type { CrlReport } from "../api/crl.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

/** A cron line that keeps the broker's CRL from ever lapsing (`crl` writes only when it is due). */
export const CRL_CRON_LINE =
  "17 3 * * *  cd /srv/pki && npx mqtt-pki crl -f pki.yaml --pid-file /run/mosquitto/mosquitto.pid";

interface CrlArgs extends CommonArgs {
  force: boolean;
  "pid-file"?: string;
}

function printCrl(report: CrlReport, ctx: CommandContext): void {
  const until = `valid until ${report.nextUpdate.slice(0, 10)} (${report.daysLeft} days), listing ${report.revoked} revoked certificate${report.revoked === 1 ? "" : "s"}`;
  ctx.output.out(
    report.renewed
      ? `Renewed the CRL (ca/crl.pem): ${until}.`
      : `The CRL is still good: ${until}; it is renewed once half its life is gone. Nothing written.`,
  );
  for (const note of report.notes) ctx.output.out(`  ! ${note}`);
}

/** Sends mosquitto SIGHUP when the CRL changed and the broker reads this very tree; otherwise says how to. */
function reloadBroker(report: CrlReport, pidFile: string | undefined): string {
  if (!report.reload) return "";
  const deployed = report.spec.deployDir !== report.spec.out;
  if (deployed)
    return `Copy ca/crl.pem to ${report.spec.deployDir}/ca/crl.pem on the broker host, then reload mosquitto: \`${RELOAD_COMMAND}\`.`;
  if (!pidFile)
    return `Reload mosquitto so it reads the new CRL: \`${RELOAD_COMMAND}\` (systemd: \`systemctl reload mosquitto\`).`;
  const pid = Number.parseInt(readPidFile(pidFile), 10);
  try {
    process.kill(pid, "SIGHUP");
  } catch (error) {
    throw new PkiError(
      `the CRL was renewed, but mosquitto (pid ${pid} from ${pidFile}) could not be sent SIGHUP: ${(error as NodeJS.ErrnoException).code}`,
      { hint: `reload it yourself: \`${RELOAD_COMMAND}\`` },
    );
  }
  return `Sent SIGHUP to mosquitto (pid ${pid}): it reloads the CRL now.`;
}

function readPidFile(file: string): string {
  try {
    const text = readFileSync(file, "utf8").trim();
    if (/^\d+$/.test(text)) return text;
  } catch {
    // Reported below, with the fix.
  }
  throw new PkiError(`the CRL was renewed, but ${file} holds no mosquitto pid`, {
    hint: `set \`pid_file ${file}\` in mosquitto.conf, or reload it yourself: \`${RELOAD_COMMAND}\``,
  });
}

export function crlCommand(ctx: CommandContext): CommandModule<CommonArgs, CrlArgs> {
  return {
    command: "crl",
    describe:
      "Renew the CRL when it is due (or now with --force) and nothing else; for cron, so the broker's CRL never lapses",
    builder: (y) =>
      y
        .option("force", { type: "boolean", default: false, describe: "renew now, even if the CRL is not due" })
        .option("pid-file", { type: "string", describe: "mosquitto's pid_file: send it SIGHUP when the CRL changed" })
        .epilogue(`A daily cron line:\n  ${CRL_CRON_LINE}`) as never,
    handler: async (args) => {
      const { renewCrl } = await import("../api/crl.js");
      const report = await renewCrl({
        specFile: args.file,
        now: args.now,
        issueInTheFuture: args["issue-in-the-future"],
        force: args.force,
      });
      const reload = reloadBroker(report, args["pid-file"]);
      if (args.json)
        ctx.output.out(
          JSON.stringify(
            {
              ok: true,
              renewed: report.renewed,
              nextUpdate: report.nextUpdate,
              daysLeft: report.daysLeft,
              revoked: report.revoked,
              notes: report.notes,
              written: report.written,
              reload: report.reload,
            },
            null,
            2,
          ),
        );
      else {
        printCrl(report, ctx);
        if (reload) ctx.output.out(reload);
      }
    },
  };
}
