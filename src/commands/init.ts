import type { CommandModule } from "yargs";
import type { CommonArgs, CommandContext } from "../cli/context.js";

export function initCommand(ctx: CommandContext): CommandModule<CommonArgs, CommonArgs & { force: boolean }> {
  return {
    command: "init",
    describe: "Write a commented starter pki.yaml",
    builder: (y) => y.option("force", { type: "boolean", default: false, describe: "replace an existing file" }),
    handler: async (args) => {
      const { init } = await import("../api/init.js");
      const file = await init({ file: args.file, force: args.force });
      if (args.json) ctx.output.out(JSON.stringify({ ok: true, file }));
      else {
        ctx.output.out(`Wrote ${file}: one CA, one broker (ports 8883 mqtts, 8884 wss), two devices.`);
        ctx.output.out(
          `Next: edit the names and hosts, then run \`npx mqtt-pki build${args.file === "pki.yaml" ? "" : ` -f ${args.file}`}\`.`,
        );
      }
    },
  };
}
