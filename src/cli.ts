import yargs from "yargs";
import { EXIT_BAD_INPUT, PkiError } from "./errors.js";
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
import { NOW_ENV } from "./clock.js";

/** Runs the CLI and returns the exit code (0 ok, 1 a check failed, 2 bad input). */
export async function main(argv: string[], output: Output = consoleOutput): Promise<number> {
  const ctx: CommandContext = { output, exitCode: 0 };
  const json = argv.includes("--json");
  try {
    await yargs(argv)
      .scriptName("mqtt-pki")
      .usage("$0 <command> [options]\n\nCompile pki.yaml into a CA, broker certificates, mosquitto.conf and client commands.")
      .option("file", { alias: "f", type: "string", default: "pki.yaml", describe: "the spec file", global: true })
      .option("json", { type: "boolean", default: false, describe: "machine-readable output", global: true })
      .option("now", { type: "string", describe: `pretend the time is this ISO date (also $${NOW_ENV})`, global: true })
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
      .demandCommand(1, "Name a command: init, build, verify, status, issue, sign, rotate, revoke, crl, doctor, lint, export or snippets (see --help).")
      .strict()
      .completion("completion", "Print a shell completion script")
      .fail((message, error) => {
        if (error) throw error;
        throw new PkiError(message ?? "invalid command line", { hint: "run `mqtt-pki --help` for the commands and options", exitCode: EXIT_BAD_INPUT });
      })
      .help()
      .version()
      .parseAsync();
    return ctx.exitCode;
  } catch (error) {
    return reportError(error, output, json);
  }
}
