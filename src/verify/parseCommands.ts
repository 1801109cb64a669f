import { parse } from "shell-quote";
import { NAME_PLACEHOLDER } from "../render/byShape.js";

/** One client invocation found in commands.sh, with its flags read the way the client reads them. */
export interface ClientInvocation {
  line: number;
  tool: "mosquitto_sub" | "mosquitto_pub" | "mqttx";
  argv: string[];
  host?: string;
  port?: number;
  /** mqttx `-l`; mosquitto clients always speak plain MQTT over TLS here. */
  protocol?: string;
  path?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  tlsVersion?: string;
  topic?: string;
  username?: string;
  password?: string;
}

const TOOLS = new Set(["mosquitto_sub", "mosquitto_pub", "mqttx"]);
const MENTIONS_TOOL = /mosquitto_(sub|pub)|mqttx/;

/**
 * Finds every mosquitto_sub/pub and mqttx line in a shell script. With the client's `name`,
 * lines are split once per shape: the generated lines of a fleet differ only by the name.
 */
export function parseClientCommands(script: string, name?: string): ClientInvocation[] {
  const found: ClientInvocation[] = [];
  script.split("\n").forEach((raw, index) => {
    // Only a line that names a client can start with one; the shell parser is the slow part of verifying a fleet.
    if (!MENTIONS_TOOL.test(raw)) return;
    const words = splitLine(raw.trim(), name);
    if (words.length === 0 || !TOOLS.has(words[0])) return;
    found.push(readInvocation(words, index + 1));
  });
  return found;
}

const shapes = new Map<string, string[]>();
const MAX_SHAPES = 10_000;

/**
 * The line's words as the shell reads them. A client name is file-safe (letters, digits, . _ -),
 * so swapping it for a placeholder of the same kind changes no word boundary, quote or escape,
 * except after `$` (a variable name); lines with `$`, or already holding the placeholder, are
 * split as they are.
 */
function splitLine(line: string, name: string | undefined): string[] {
  const words = (text: string) => parse(text).filter((word): word is string => typeof word === "string");
  if (!name || line.includes("$") || line.includes(NAME_PLACEHOLDER) || !line.includes(name)) return words(line);
  const shape = line.replaceAll(name, NAME_PLACEHOLDER);
  let cached = shapes.get(shape);
  if (!cached) {
    cached = words(shape);
    if (shapes.size < MAX_SHAPES) shapes.set(shape, cached);
  }
  return cached.map((word) => word.replaceAll(NAME_PLACEHOLDER, name));
}

function readInvocation(argv: string[], line: number): ClientInvocation {
  const tool = argv[0] as ClientInvocation["tool"];
  const flag = (...names: string[]) => {
    const at = argv.findIndex((word) => names.includes(word));
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const port = flag("-p", "--port");
  return {
    line,
    tool,
    argv,
    host: flag("-h", "--host", "--hostname"),
    port: port === undefined ? undefined : Number(port),
    protocol: tool === "mqttx" ? flag("-l", "--protocol") : "mqtts",
    path: flag("--path"),
    caFile: tool === "mqttx" ? flag("--ca") : flag("--cafile"),
    certFile: flag("--cert"),
    keyFile: flag("--key"),
    tlsVersion: flag("--tls-version"),
    topic: flag("-t", "--topic"),
    username: flag("-u", "--username"),
    password: flag("-P", "--pw", "--password"),
  };
}
