import type { CommandModule } from "yargs";
import { KEY_ALGORITHMS } from "../spec/types.js";
import { PkiError } from "../errors.js";
import { buildJson, printBuild } from "./build.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

interface IssueArgs extends CommonArgs {
  names: string[];
  cn?: string;
  days?: number;
  key?: string;
}

export function issueCommand(ctx: CommandContext): CommandModule<CommonArgs, IssueArgs> {
  return {
    command: "issue <names..>",
    describe: "Add clients to pki.yaml (keeping its comments) and issue their certificates in one step",
    builder: (y) =>
      y
        .positional("names", {
          type: "string",
          array: true,
          demandOption: true,
          default: undefined,
          describe: "new client names",
        })
        .option("cn", { type: "string", describe: "the client's CN (one name only; default: the name)" })
        .option("days", { type: "number", describe: "certificate lifetime (default: defaults.days)" })
        .option("key", {
          type: "string",
          choices: [...KEY_ALGORITHMS],
          describe: "key type (default: defaults.key)",
        }) as never,
    handler: async (args) => {
      if (args.cn !== undefined && args.names.length > 1)
        throw new PkiError("--cn applies to one client, but several names were given", {
          hint: "issue them one at a time, or leave out --cn",
        });
      const { issue } = await import("../api/issue.js");
      const result = await issue({
        specFile: args.file,
        now: args.now,
        issueInTheFuture: args["issue-in-the-future"],
        clients: args.names.map((name) => ({ name, cn: args.cn, days: args.days, key: args.key })),
      });
      if (args.json) ctx.output.out(buildJson(result));
      else printBuild(result, false, ctx);
    },
  };
}
