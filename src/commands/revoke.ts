import type { CommandModule } from "yargs";
import { REVOCATION_REASONS, type RevocationReason } from "../crypto/revocationReasons.js";
import { buildJson } from "./build.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

export function revokeCommand(ctx: CommandContext): CommandModule<CommonArgs, CommonArgs & { name: string; reason: string }> {
  return {
    command: "revoke <name>",
    describe: "Revoke a device's certificates: they go into ca/crl.pem and mosquitto.conf gets crlfile",
    builder: (y) => y
      .positional("name", { type: "string", demandOption: true, describe: "the client (or server) to revoke" })
      .option("reason", { type: "string", default: "unspecified", choices: [...REVOCATION_REASONS], describe: "CRL reason code" }) as never,
    handler: async (args) => {
      const { revoke } = await import("../api/revoke.js");
      const result = await revoke({ specFile: args.file, now: args.now, name: args.name, reason: args.reason as RevocationReason });
      if (args.json) {
        ctx.output.out(buildJson(result));
        return;
      }
      const revoked = result.plan.revocations.map((r) => `${r.role} ${r.name} (${r.reason})`).join(", ");
      ctx.output.out(`Revoked ${revoked}; ca/crl.pem now lists it and mosquitto.conf has crlfile.`);
      for (const warning of result.warnings) ctx.output.out(`  ! ${warning}`);
      ctx.output.out("mosquitto reads the CRL when it starts: restart it (or send SIGHUP to reload the config) so the revocation takes effect.");
      ctx.output.out(`Remove \`${args.name}\` from the spec when it is gone for good, or run \`mqtt-pki rotate ${args.name}\` to give it a fresh certificate.`);
    },
  };
}
