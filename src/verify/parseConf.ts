/** A mosquitto.conf read as data: global options and one entry per `listener` block. */
export interface ConfOption {
  name: string;
  value: string;
  line: number;
}

export interface ConfListener {
  port: number;
  bind?: string;
  line: number;
  options: Map<string, ConfOption>;
  /** Earlier lines of an option this block sets again (`options` keeps the last); mosquitto refuses many such repeats. */
  overridden?: ConfOption[];
}

export interface ParsedConf {
  file: string;
  global: Map<string, ConfOption>;
  listeners: ConfListener[];
  /** Earlier lines of an option the global section sets again (`global` keeps the last). */
  overridden?: ConfOption[];
}

/**
 * Parses the way mosquitto does: one option per line, `#` starts a comment line, a
 * `listener` line opens a block that the following listener options belong to.
 */
export function parseMosquittoConf(text: string, file: string): ParsedConf {
  const conf: ParsedConf = { file, global: new Map(), listeners: [], overridden: [] };
  let current: ConfListener | undefined;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const space = line.search(/\s/);
    const name = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? "" : line.slice(space).trim();
    if (name === "listener") {
      const [port, bind] = value.split(/\s+/);
      current = { port: Number(port), bind, line: index + 1, options: new Map(), overridden: [] };
      conf.listeners.push(current);
      return;
    }
    const option = { name, value, line: index + 1 };
    const section = current ?? conf;
    const options = current ? current.options : conf.global;
    const earlier = options.get(name);
    if (earlier) section.overridden?.push(earlier);
    options.set(name, option);
  });
  return conf;
}

/** A listener's effective value for an option (listener block first, then the global section). */
export function listenerOption(conf: ParsedConf, listener: ConfListener, name: string): ConfOption | undefined {
  return listener.options.get(name) ?? conf.global.get(name);
}
