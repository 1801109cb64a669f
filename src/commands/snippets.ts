import type { CommandModule } from "yargs";
import { SNIPPET_FORMATS, type SnippetFormat } from "../api/snippetFormats.js";
import type { SnippetTexts } from "../api/snippets.js";
import type { CommonArgs, CommandContext } from "../cli/context.js";

type Format = SnippetFormat | "all";

const TITLES: Record<SnippetFormat, string> = {
  mosquitto: "# --- mosquitto_sub / mosquitto_pub ---",
  mqttx: "# --- MQTTX CLI ---",
  mqttjs: "// --- MQTT.js: save as connect.mjs, then `node connect.mjs` ---",
  paho: "# --- paho-mqtt: save as connect.py, then `python3 connect.py` ---",
};

/** One format prints its text alone (so `> connect.mjs` works); `all` prints each under a title. */
export function printSnippets(texts: SnippetTexts, format: Format, ctx: CommandContext): void {
  if (format !== "all") {
    ctx.output.out(texts[format].trimEnd());
    return;
  }
  SNIPPET_FORMATS.forEach((name, i) => {
    if (i > 0) ctx.output.out();
    ctx.output.out(TITLES[name]);
    ctx.output.out(texts[name].trimEnd());
  });
}

export function snippetsCommand(
  ctx: CommandContext,
): CommandModule<CommonArgs, CommonArgs & { name: string; format: Format }> {
  return {
    command: "snippets <name>",
    describe:
      "Print connection snippets for a client: mosquitto_sub/pub and MQTTX CLI lines, an MQTT.js and a paho-mqtt script",
    builder: (y) =>
      y
        .positional("name", { type: "string", demandOption: true, describe: "the client, by its name in the spec" })
        .option("format", {
          choices: [...SNIPPET_FORMATS, "all"] as const,
          default: "all" as Format,
          describe: "which snippet to print",
        }),
    handler: async (args) => {
      const { snippets } = await import("../api/snippets.js");
      const texts = await snippets({ specFile: args.file, name: args.name });
      if (args.json) {
        const picked = args.format === "all" ? texts : { [args.format]: texts[args.format] };
        ctx.output.out(JSON.stringify(picked, null, 2));
      } else {
        printSnippets(texts, args.format, ctx);
      }
    },
  };
}
