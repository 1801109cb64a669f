import type { CommandModule } from "yargs";
import { buildJson, printBuild } from "./build.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

interface SignArgs extends CommonArgs {
  csr: string;
  name: string;
  cn?: string;
  days?: number;
}

export function signCommand(ctx: CommandContext): CommandModule<CommonArgs, SignArgs> {
  return {
    command: "sign",
    describe: "Sign a device's CSR with the client profile (its key never leaves the device)",
    builder: (y) =>
      y
        .option("csr", { type: "string", demandOption: true, describe: "the PKCS#10 request (PEM or DER)" })
        .option("name", { type: "string", demandOption: true, describe: "the client's name in the spec" })
        .option("cn", { type: "string", describe: "the client's CN (default: the CSR's CN, else the name)" })
        .option("days", { type: "number", describe: "certificate lifetime (default: defaults.days)" }) as never,
    handler: async (args) => {
      const { sign } = await import("../api/sign.js");
      const result = await sign({
        specFile: args.file,
        now: args.now,
        issueInTheFuture: args["issue-in-the-future"],
        csrFile: args.csr,
        name: args.name,
        cn: args.cn,
        days: args.days,
      });
      if (args.json) {
        ctx.output.out(buildJson(result));
        return;
      }
      printBuild(result, false, ctx);
      if (result.csr.requestedExtensions.length > 0)
        ctx.output.out(
          `  (the CSR's requested extensions ${result.csr.requestedExtensions.join(", ")} were ignored: the client profile decides)`,
        );
      ctx.output.out(
        `Send clients/${args.name}/client.crt and ca/ca.crt back to the device; its key stays where it is.`,
      );
    },
  };
}
