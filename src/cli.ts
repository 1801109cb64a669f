import yargs from "yargs";
import { EXIT_BAD_INPUT, EXIT_OK, PkiError } from "./errors.js";
import { consoleOutput, reportError, type Output } from "./cli/report.js";
import type { CommandContext } from "./cli/context.js";
import { buildCommand } from "./commands/build.js";
import { initCommand } from "./commands/init.js";
import { verifyCommand } from "./commands/verify.js";
import { rotateCommand } from "./commands/rotate.js";
import { revokeCommand } from "./commands/revoke.js";
import { statusCommand } from "./commands/status.js";
import { issueCommand } from "./commands/issue.js";
import { signCommand } from "./commands/sign.js";
import { doctorCommand } from "./commands/doctor.js";
import { lintCommand } from "./commands/lint.js";
import { exportCommand } from "./commands/export.js";
import { snippetsCommand } from "./commands/snippets.js";
import { crlCommand } from "./commands/crl.js";
import { completionCommand, YARGS_COMPLETION_COMMAND } from "./commands/completion.js";
import { currentTime, isAheadOfClock, NOW_ENV } from "./clock.js";

/** Runs the CLI and returns the exit code (0 ok, 1 a check failed, 2 bad input). */
export async function main(argv: string[], output: Output = consoleOutput): Promise<number> {
  const ctx: CommandContext = { output, exitCode: EXIT_OK };
  const json = argv.includes("--json");
  try {
    await yargs(argv)
      .scriptName("mqtt-pki")
      .usage(
        "$0 <command> [options]\n\nCompile pki.yaml into a CA, broker certificates, mosquitto.conf and client commands.",
      )
      .option("file", { alias: "f", type: "string", default: "pki.yaml", describe: "the spec file", global: true })
      .option("json", { type: "boolean", default: false, describe: "machine-readable output", global: true })
      .option("now", {
        type: "string",
        describe: `pretend the time is this ISO date (also $${NOW_ENV}); commands that write refuse a time ahead of the clock`,
        global: true,
      })
      .option("issue-in-the-future", {
        type: "boolean",
        default: false,
        describe:
          "let build, issue, sign, rotate, revoke and crl write certificates and CRLs dated at a --now ahead of the clock",
        global: true,
      })
      .middleware((args) => futureBanner(args, output))
      .command(initCommand(ctx))
      .command(buildCommand(ctx))
      .command(verifyCommand(ctx))
      .command(statusCommand(ctx))
      .command(rotateCommand(ctx))
      .command(revokeCommand(ctx))
      .command(crlCommand(ctx))
      .command(issueCommand(ctx))
      .command(signCommand(ctx))
      .command(doctorCommand(ctx))
      .command(lintCommand(ctx))
      .command(exportCommand(ctx))
      .command(snippetsCommand(ctx))
      .demandCommand(
        1,
        "Name a command: init, build, verify, status, issue, sign, rotate, revoke, crl, doctor, lint, export or snippets (see --help).",
      )
      .strict()
      .command(completionCommand())
      .completion(YARGS_COMPLETION_COMMAND, false)
      .fail((message, error) => {
        if (error) throw error;
        throw new PkiError(message ?? "invalid command line", {
          hint: "run `mqtt-pki --help` for the commands and options",
          exitCode: EXIT_BAD_INPUT,
        });
      })
      .help()
      .version()
      .parseAsync();
    return ctx.exitCode;
  } catch (error) {
    return reportError(error, output, json);
  }
}

const WRITING_COMMANDS = new Set(["build", "issue", "sign", "rotate", "revoke", "crl"]);

/** Said before anything is written: certificates and CRLs dated ahead of the clock are not valid yet anywhere. */
function futureBanner(
  args: { _: (string | number)[]; now?: string; "issue-in-the-future"?: boolean },
  output: Output,
): void {
  if (!args["issue-in-the-future"] || !WRITING_COMMANDS.has(String(args._[0]))) return;
  const now = currentTime(args.now);
  if (!isAheadOfClock(now)) return;
  output.err(`mqtt-pki: !! issuing as of ${now.toISOString()}, ahead of this machine's clock (--issue-in-the-future):`);
  output.err(
    "   what this run signs is not valid until then, and a broker that loads its CRL before then refuses every client.",
  );
}
