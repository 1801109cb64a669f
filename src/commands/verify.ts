import type { CommandModule } from "yargs";
import { EXIT_CHECK_FAILED, EXIT_OK } from "../errors.js";
import { jsonReport, textReport } from "../cli/verifyOutput.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

export function verifyCommand(ctx: CommandContext): CommandModule<CommonArgs, CommonArgs & { verbose: boolean }> {
  return {
    command: "verify",
    describe: "Check certificates, keys, mosquitto.conf and client commands against each other (exit 1 on any failure)",
    builder: (y) =>
      y.option("verbose", { type: "boolean", default: false, describe: "list every passed check, however many" }),
    handler: async (args) => {
      const { verifyInto } = await import("../api/verify.js");
      // The report is written as the checks come in: a fleet's would not fit in memory at once.
      const writer = args.json ? jsonReport(ctx.output) : textReport(ctx.output, args.verbose);
      const counts = await verifyInto({ specFile: args.file, now: args.now }, writer);
      writer.finish(counts);
      ctx.exitCode = counts.fail === 0 ? EXIT_OK : EXIT_CHECK_FAILED;
    },
  };
}
