import type { CommandModule } from "yargs";
import type { DoctorReport } from "../api/doctor.js";
import { DOCTOR_PROTOCOLS, targetUrl, type DoctorProtocol } from "../doctor/target.js";
import { EXIT_CHECK_FAILED, EXIT_OK } from "../errors.js";
import { TLS_VERSIONS, type TlsVersion } from "../spec/types.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

interface DoctorArgs extends CommonArgs {
  host?: string;
  port?: number;
  protocol: string;
  path?: string;
  client?: string;
  server?: string;
  cafile?: string;
  cert?: string;
  key?: string;
  "tls-version"?: string;
  servername?: string;
}

export function printDoctorReport(report: DoctorReport, ctx: CommandContext): void {
  const { target } = report;
  const as = report.client ? ` as client ${report.client}` : "";
  const version = target.tlsVersion ? `, ${target.tlsVersion}` : "";
  ctx.output.out(`Doctor: ${targetUrl(target)}${as}${version}`);
  for (const stage of report.stages) ctx.output.out(`${stage.ok ? "✓" : "✗"} ${stage.stage}: ${stage.detail}`);
  ctx.output.out("");
  if (report.ok) {
    ctx.output.out("The connection works end to end.");
    return;
  }
  ctx.output.out(`Cause: ${report.cause}`);
  ctx.output.out(`Fix:   ${report.fix}`);
}

export function doctorCommand(ctx: CommandContext): CommandModule<CommonArgs, DoctorArgs> {
  return {
    command: "doctor",
    describe:
      "Connect to a broker stage by stage (TCP, TLS, certificates, websocket, MQTT) and explain the first failure (exit 1)",
    builder: (y) =>
      y
        .option("host", { type: "string", describe: "broker host to dial" })
        .option("port", { type: "number", describe: "broker port" })
        .option("protocol", {
          type: "string",
          choices: [...DOCTOR_PROTOCOLS],
          default: "mqtts",
          describe: "mqtts or wss (mqtt/ws: check what a client without TLS sees)",
        })
        .option("path", { type: "string", describe: "websocket path (default /mqtt)" })
        .option("client", {
          type: "string",
          describe: "a client of the spec: use its certificate, key and the tree's CA",
        })
        .option("server", {
          type: "string",
          describe: "a server of the spec: check every listener of it (host and ports from the spec)",
        })
        .option("cafile", { type: "string", describe: "CA file to trust the broker with" })
        .option("cert", { type: "string", describe: "client certificate file" })
        .option("key", { type: "string", describe: "client private key file" })
        .option("tls-version", { type: "string", choices: [...TLS_VERSIONS], describe: "pin the TLS version" })
        .option("servername", {
          type: "string",
          describe: "name to send as SNI and to check against the SAN (default: the host)",
        }) as never,
    handler: async (args) => {
      const options = {
        specFile: args.file,
        now: args.now,
        host: args.host,
        port: args.port,
        protocol: args.protocol as DoctorProtocol,
        path: args.path,
        client: args.client,
        cafile: args.cafile,
        cert: args.cert,
        key: args.key,
        tlsVersion: args["tls-version"] as TlsVersion | undefined,
        servername: args.servername,
      };
      if (args.server) {
        const { doctorServer } = await import("../api/doctor.js");
        const result = await doctorServer({ ...options, server: args.server });
        if (args.json) ctx.output.out(JSON.stringify(result, null, 2));
        else {
          if (result.note) ctx.output.out(`${result.note}\n`);
          result.reports.forEach((report, index) => {
            if (index > 0) ctx.output.out("");
            printDoctorReport(report, ctx);
          });
        }
        ctx.exitCode = result.ok ? EXIT_OK : EXIT_CHECK_FAILED;
        return;
      }
      const { doctor } = await import("../api/doctor.js");
      const report = await doctor(options);
      if (args.json) ctx.output.out(JSON.stringify(report, null, 2));
      else printDoctorReport(report, ctx);
      ctx.exitCode = report.ok ? EXIT_OK : EXIT_CHECK_FAILED;
    },
  };
}
