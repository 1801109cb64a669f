import path from "node:path";
import type { CommandModule } from "yargs";
import type { BuildResult } from "../api/build.js";
import { treeLayout } from "../tree/layout.js";
import { progressBar } from "../cli/progress.js";
import { reloadLines } from "../cli/reload.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";
import type { EntityPlan } from "../plan/planBuild.js";

const MAX_KEEP_LINES = 20;
const MARK = { create: "+ create ", reissue: "~ reissue", keep: "= keep   ", revoke: "! revoke " } as const;

function planLine(entry: EntityPlan): string {
  const who = entry.role === "ca" ? "ca" : `${entry.role} ${entry.name}`;
  const why =
    entry.reasons.length > 0
      ? ` (${entry.reasons.join("; ")}${entry.newKey && entry.action !== "create" ? "; new key" : ""})`
      : "";
  return `  ${MARK[entry.action]} ${who}${why}`;
}

export function printBuild(result: BuildResult, dryRun: boolean, ctx: CommandContext): void {
  const { spec, plan } = result;
  const rel = (file: string) => path.relative(process.cwd(), file) || ".";
  ctx.output.out(`${dryRun ? "Plan (dry run, nothing written)" : "Plan"} for ${rel(spec.out)} from ${rel(spec.file)}:`);
  const entries = [plan.ca, ...plan.servers, ...plan.clients];
  // A fleet's unchanged devices are one line, not ten thousand.
  const quiet = new Set(
    entries.filter((entry) => entry.action === "keep" && entry.reasons.length === 0 && entry.role === "client"),
  );
  const summarize = quiet.size > MAX_KEEP_LINES;
  for (const entry of entries) if (!(summarize && quiet.has(entry))) ctx.output.out(planLine(entry));
  if (summarize) ctx.output.out(`  ${MARK.keep} ${quiet.size} clients (unchanged)`);
  for (const revocation of plan.revocations.filter((r) => r.removeFolder))
    ctx.output.out(`  ! revoke   client ${revocation.name} (not in the spec; files moved to archive/)`);
  for (const warning of result.warnings) ctx.output.out(`  ! ${warning}`);
  if (dryRun) return;
  ctx.output.out(
    result.written.length === 0
      ? "Nothing to change: the tree already matches the spec."
      : `Wrote ${result.written.length} files.`,
  );
  for (const line of reloadLines(result)) ctx.output.out(line);
  // After a run that changed nothing, the same three lines again are noise.
  if (result.written.length === 0) return;
  const first = spec.clients[0];
  ctx.output.out("");
  ctx.output.out("Next:");
  ctx.output.out(`  npx mqtt-pki verify -f ${rel(spec.file)}        # check everything against everything`);
  ctx.output.out(`  mosquitto -c ${result.confPath}   # start a broker with the generated config`);
  if (first)
    ctx.output.out(`  sh ${rel(treeLayout(spec.out).clientCommands(first.name))}   # round trip as ${first.name}`);
}

export function buildJson(result: BuildResult): string {
  return JSON.stringify(
    {
      ok: true,
      out: result.spec.out,
      plan: result.plan,
      warnings: result.warnings,
      written: result.written,
      reload: result.reload,
    },
    null,
    2,
  );
}

export function buildCommand(
  ctx: CommandContext,
): CommandModule<CommonArgs, CommonArgs & { "dry-run": boolean; prune: boolean }> {
  return {
    command: "build",
    describe: "Create or update the key/certificate tree, mosquitto.conf and client commands from the spec",
    builder: (y) =>
      y
        .option("dry-run", { type: "boolean", default: false, describe: "print the plan, write nothing" })
        .option("prune", {
          type: "boolean",
          default: false,
          describe: "revoke and archive clients no longer in the spec",
        }),
    handler: async (args) => {
      const progress = progressBar(args.json);
      const { build } = await import("../api/build.js");
      const result = await build({
        specFile: args.file,
        now: args.now,
        issueInTheFuture: args["issue-in-the-future"],
        dryRun: args["dry-run"],
        prune: args.prune,
        onProgress: progress.onProgress,
      }).finally(() => progress.stop());
      if (args.json) ctx.output.out(buildJson(result));
      else printBuild(result, args["dry-run"], ctx);
    },
  };
}
