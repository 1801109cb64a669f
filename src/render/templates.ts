import { readFileSync } from "node:fs";
import Mustache from "mustache";

/** Templates ship in the package's templates/ folder (two levels up from src/render or dist/render). */
const TEMPLATE_DIR = new URL("../../templates/", import.meta.url);
const cache = new Map<string, string>();

export type TemplateName =
  "mosquitto.conf" | "conf.d" | "listener.conf" | "commands.sh" | "snippet.mqttjs" | "snippet.paho";

function templateText(name: TemplateName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`${name}.mustache`, TEMPLATE_DIR), "utf8");
    cache.set(name, text);
  }
  return text;
}

/** Renders with HTML escaping off: these are config files and shell scripts, quoted by their own renderers. */
export function renderTemplate(name: TemplateName, view: object): string {
  return Mustache.render(templateText(name), view, undefined, { escape: (value: string) => value });
}
