import { loadSpecForReading } from "../build/recovery.js";
import { PkiError } from "../errors.js";
import { readPath } from "../io/read.js";
import { readPair } from "../tree/read.js";
import { treeLayout } from "../tree/layout.js";
import { renderSnippets, type SnippetTexts } from "../render/snippets.js";
import type { Spec } from "../spec/types.js";

export type { SnippetTexts } from "../render/snippets.js";

import { SNIPPET_FORMATS, type SnippetFormat } from "./snippetFormats.js";
export { SNIPPET_FORMATS, type SnippetFormat };

export interface SnippetsOptions {
  specFile?: string;
  /** The client, by its name in the spec. */
  name: string;
}

/**
 * Whether the client files point at the old + new CA bundle: the same choice `build` makes for
 * commands.sh (a CA rotation is under way while the tree holds ca/previous/ca.crt).
 */
export async function caRotationUnderWay(spec: Spec): Promise<boolean> {
  const layout = treeLayout(spec.out);
  return readPair(layout.previousCaCert, layout.previousCaKey).certPem !== undefined;
}

/** Connection snippets for one client of the spec: mosquitto, MQTTX CLI, MQTT.js and paho-mqtt. */
export async function snippets(options: SnippetsOptions): Promise<SnippetTexts> {
  const { spec } = await loadSpecForReading(options.specFile);
  const client = spec.clients.find((candidate) => candidate.name === options.name);
  if (!client) {
    throw new PkiError(`no client named \`${options.name}\` in the spec`, {
      hint: `clients: ${spec.clients.map((c) => c.name).join(", ") || "(none)"}`,
    });
  }
  const password = client.password
    ? readPath(treeLayout(spec.out).clientPassword(client.name), { followLinks: true })?.content?.toString().trim()
    : undefined;
  return renderSnippets(spec, client, await caRotationUnderWay(spec), password);
}
