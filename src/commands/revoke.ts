import type { CommandModule } from "yargs";
import { REVOCATION_REASONS, type RevocationReason } from "../crypto/revocationReasons.js";
import { buildJson } from "./build.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";
import { RELOAD_COMMAND, reloadLines } from "../cli/reload.js";
import { revocationEffects } from "../cli/revocationEffects.js";

export function revokeCommand(
  ctx: CommandContext,
): CommandModule<CommonArgs, CommonArgs & { name: string; reason: string }> {
  return {
    command: "revoke <name>",
    describe:
      "Revoke a device's certificates: ca/crl.pem lists them, the ACL and the password file cut it off; then reload mosquitto",
    builder: (y) =>
      y
        .positional("name", { type: "string", demandOption: true, describe: "the client (or server) to revoke" })
        .option("reason", {
          type: "string",
          default: "unspecified",
          choices: [...REVOCATION_REASONS],
          describe: "CRL reason code",
        }) as never,
    handler: async (args) => {
      const { revoke } = await import("../api/revoke.js");
      const result = await revoke({
        specFile: args.file,
        now: args.now,
        issueInTheFuture: args["issue-in-the-future"],
        name: args.name,
        reason: args.reason as RevocationReason,
      });
      if (args.json) {
        ctx.output.out(buildJson(result));
        return;
      }
      const revoked = result.plan.revocations.map((r) => `${r.role} ${r.name} (${r.reason})`).join(", ");
      const role = result.plan.revocations[0]?.role;
      const password = result.spec.clients.find((c) => c.name === args.name)?.password === true;
      ctx.output.out(
        `Revoked ${revoked}: ca/crl.pem lists its certificates${role === "client" ? `, the ACL denies its CN every topic${password ? " and the password file has no line for it" : ""}` : ""}.`,
      );
      for (const warning of result.warnings) ctx.output.out(`  ! ${warning}`);
      if (role === "client") {
        ctx.output.out("Once mosquitto has reloaded, each listener:");
        for (const line of revocationEffects(result.spec, args.name)) ctx.output.out(line);
      }
      for (const line of reloadLines(result)) ctx.output.out(line);
      if (!result.reload)
        ctx.output.out(`Start mosquitto with ${result.confPath}, or reload the running one: \`${RELOAD_COMMAND}\`.`);
      ctx.output.out(
        `Remove \`${args.name}\` from the spec when it is gone for good. A replacement device needs a certificate of its own: give it a new \`cn\` (a revoked CN reused gets its rights back on websockets listeners).`,
      );
    },
  };
}
