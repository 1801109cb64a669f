import type { CommandModule } from "yargs";
import { P12_PASSWORD_ENV } from "../io/passphrase.js";
import { EXIT_BAD_INPUT, PkiError } from "../errors.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

interface ExportArgs extends CommonArgs {
  name: string;
  p12: boolean;
  out?: string;
}

export function exportCommand(ctx: CommandContext): CommandModule<CommonArgs, ExportArgs> {
  return {
    command: "export <name>",
    describe:
      "Bundle a client's (or server's) certificate, key and CA chain for devices that import files rather than PEM",
    builder: (y) =>
      y
        .positional("name", { type: "string", demandOption: true, describe: "the client (or server) to export" })
        .option("p12", {
          type: "boolean",
          default: false,
          describe: `write a PKCS#12 (.p12/.pfx) bundle; password from $${P12_PASSWORD_ENV}, else a prompt`,
        })
        .option("out", {
          type: "string",
          describe: "where to write it (default: <out>/clients/<name>/client.p12)",
        }) as never,
    handler: async (args) => {
      if (!args.p12) {
        throw new PkiError("name the format to export: --p12 (the only one so far)", {
          hint: `mqtt-pki export ${args.name} --p12`,
          exitCode: EXIT_BAD_INPUT,
        });
      }
      const { exportP12 } = await import("../api/export.js");
      const result = await exportP12({ specFile: args.file, now: args.now, name: args.name, outFile: args.out });
      if (args.json) {
        ctx.output.out(JSON.stringify({ ok: true, ...result }, null, 2));
        return;
      }
      ctx.output.out(
        `Wrote ${result.file} (mode 0600): ${result.role} ${result.name}'s certificate and key, "${result.cn}", with ${result.caSubjects.length === 1 ? "the CA certificate" : `${result.caSubjects.length} CA certificates`}.`,
      );
      for (const warning of result.warnings) ctx.output.out(`  ! ${warning}`);
      ctx.output.out(
        "It holds the private key: copy it to the device over a trusted channel and give its password separately.",
      );
    },
  };
}
