import type { CommandModule } from "yargs";
import { printBuild, buildJson } from "./build.js";
import { progressBar } from "../cli/progress.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

interface RotateArgs extends CommonArgs {
  names: string[];
  expiring: boolean;
  all: boolean;
  "keep-key": boolean;
  finish: boolean;
  "dry-run": boolean;
}

export function rotateCommand(ctx: CommandContext): CommandModule<CommonArgs, RotateArgs> {
  return {
    command: "rotate [names..]",
    describe:
      "Renew certificates (new keys by default, old ones archived); `rotate ca` starts a CA rotation, `rotate ca --finish` ends it",
    builder: (y) =>
      y
        .positional("names", {
          type: "string",
          array: true,
          default: [],
          describe: "servers or clients to renew, or `ca`",
        })
        .option("expiring", {
          type: "boolean",
          default: false,
          describe: "renew everything within defaults.renewBeforeDays of expiry",
        })
        .option("all", { type: "boolean", default: false, describe: "renew every server and client certificate" })
        .option("keep-key", { type: "boolean", default: false, describe: "reuse the existing keys" })
        .option("finish", {
          type: "boolean",
          default: false,
          describe: "with `ca`: move servers to the new CA and drop the old one",
        })
        .option("dry-run", { type: "boolean", default: false, describe: "print the plan, write nothing" }) as never,
    handler: async (args) => {
      const caRequested = args.names.includes("ca");
      const progress = progressBar(args.json);
      const { rotate } = await import("../api/rotate.js");
      const result = await rotate({
        onProgress: progress.onProgress,
        specFile: args.file,
        now: args.now,
        issueInTheFuture: args["issue-in-the-future"],
        dryRun: args["dry-run"],
        names: args.names.filter((name) => name !== "ca"),
        expiring: args.expiring,
        all: args.all,
        keepKey: args["keep-key"],
        ca: caRequested ? (args.finish ? "finish" : "start") : undefined,
      }).finally(() => progress.stop());
      if (args.json) ctx.output.out(buildJson(result));
      else {
        printBuild(result, args["dry-run"], ctx);
        const rotation = caRotationMessage(result.plan.caRotation, args["dry-run"]);
        if (rotation) ctx.output.out(rotation);
      }
    },
  };
}

/** What a CA rotation step did, or (a dry run) would do: a plan is not a rotation that happened. */
function caRotationMessage(step: "start" | "finish" | undefined, dryRun: boolean): string | undefined {
  if (step === "start")
    return dryRun
      ? "Dry run: this would start a CA rotation (a new CA, and ca/bundle.crt with old + new trusted everywhere). Nothing was written."
      : "CA rotation started: the broker and every client command now trust old + new CA (ca/bundle.crt). Deploy bundle.crt and renewed client certs, then run `mqtt-pki rotate ca --finish`.";
  if (step === "finish")
    return dryRun
      ? "Dry run: this would finish the CA rotation (a server certificate from the new CA; the old CA archived and no longer trusted). Nothing was written."
      : "CA rotation finished: the server now has a certificate from the new CA, and the old CA is archived. Restart or reload mosquitto to apply it.";
  return undefined;
}
