/** The snippet formats `mqtt-pki snippets` prints; apart from the renderers so the CLI can list them without loading those. */
export const SNIPPET_FORMATS = ["mosquitto", "mqttx", "mqttjs", "paho"] as const;
export type SnippetFormat = (typeof SNIPPET_FORMATS)[number];
