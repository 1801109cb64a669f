import type { ConfOption, ParsedConf } from "../verify/parseConf.js";

/** A conf option and the file it is written in. */
export interface LocatedOption extends ConfOption {
  file: string;
}

/** A listener as mosquitto builds it from every conf file it reads. */
export interface EffectiveListener {
  /** Its `listener` line; for the default listener, its `port` line or its first option. */
  file: string;
  line: number;
  port: number;
  bind?: string;
  /**
   * True for the listener mosquitto makes from listener options written before any `listener`
   * line of a file (port 1883 unless `port` says otherwise).
   */
  isDefault: boolean;
  options: Map<string, LocatedOption>;
}

/** One option line and what it configures: a listener, or the broker as a whole. */
export interface Occurrence {
  option: LocatedOption;
  target: EffectiveListener | "global";
}

export interface EffectiveConf {
  listeners: EffectiveListener[];
  /** Every option line of every file, in file order then line order. */
  occurrences: Occurrence[];
}

/** Options that configure the listener being defined (before any `listener` line: the default one). */
export const LISTENER_OPTIONS = new Set([
  "bind_interface",
  "cafile",
  "capath",
  "certfile",
  "keyfile",
  "ciphers",
  "ciphers_tls1.3",
  "crlfile",
  "dhparamfile",
  "http_dir",
  "max_connections",
  "max_qos",
  "maximum_qos",
  "max_topic_alias",
  "max_topic_alias_broker",
  "mount_point",
  "protocol",
  "psk_hint",
  "require_certificate",
  "socket_domain",
  "tls_engine",
  "tls_engine_kpass_sha1",
  "tls_keyform",
  "tls_version",
  "use_identity_as_username",
  "use_subject_as_username",
  "use_username_as_clientid",
  "websockets_origin",
]);

/** Options that always configure the default listener, wherever they are written. */
export const DEFAULT_LISTENER_OPTIONS = new Set(["port", "bind_address"]);

/** Security options: per listener with `per_listener_settings true`, otherwise broker-wide. */
export const SECURITY_OPTIONS = new Set([
  "allow_anonymous",
  "allow_zero_length_clientid",
  "auto_id_prefix",
  "password_file",
  "acl_file",
  "psk_file",
  "plugin",
  "auth_plugin",
]);

const DEFAULT_PORT = 1883;

/** Every line of one section: the options it kept plus the earlier lines a repeat replaced. */
function sectionLines(options: Map<string, ConfOption>, overridden: ConfOption[] | undefined): ConfOption[] {
  return [...options.values(), ...(overridden ?? [])].sort((a, b) => a.line - b.line);
}

/** Every option line of a file, in line order, with the listener block it sits in (undefined: before any `listener` line). */
export function fileLines(conf: ParsedConf): { option: LocatedOption; block?: number }[] {
  const at = (option: ConfOption) => ({ ...option, file: conf.file });
  return [
    ...sectionLines(conf.global, conf.overridden).map((option) => ({ option: at(option) })),
    ...conf.listeners.flatMap((listener, block) =>
      sectionLines(listener.options, listener.overridden).map((option) => ({ option: at(option), block })),
    ),
  ];
}

/** The last value of a broker-wide option across all files (mosquitto keeps the last one it reads). */
export function lastValue(confs: ParsedConf[], name: string): LocatedOption | undefined {
  let found: LocatedOption | undefined;
  for (const conf of confs) {
    for (const { option } of fileLines(conf)) if (option.name === name) found = option;
  }
  return found;
}

/** The account mosquitto drops to after start. */
export function brokerUser(confs: ParsedConf[]): string {
  return lastValue(confs, "user")?.value || "mosquitto";
}

/**
 * The listeners mosquitto would build from these files. Each file starts outside any listener
 * block (measured on 2.0.11: options at the top of an include_dir file configure the default
 * listener, not the main file's last listener).
 */
export function effectiveConf(confs: ParsedConf[]): EffectiveConf {
  const perListenerSettings = lastValue(confs, "per_listener_settings")?.value === "true";
  const explicit: EffectiveListener[] = [];
  const defaultOptions = new Map<string, LocatedOption>();
  const occurrences: { option: LocatedOption; target: EffectiveListener | "default" | "global" }[] = [];

  for (const conf of confs) {
    const blocks = conf.listeners.map((listener): EffectiveListener => ({
      file: conf.file,
      line: listener.line,
      port: listener.port,
      bind: listener.bind,
      isDefault: false,
      options: new Map(),
    }));
    explicit.push(...blocks);
    for (const { option, block } of fileLines(conf)) {
      const here = block === undefined ? "default" : blocks[block];
      const target = DEFAULT_LISTENER_OPTIONS.has(option.name)
        ? "default"
        : LISTENER_OPTIONS.has(option.name)
          ? here
          : SECURITY_OPTIONS.has(option.name) && perListenerSettings
            ? here
            : "global";
      if (target === "default") defaultOptions.set(option.name, option);
      else if (target !== "global") target.options.set(option.name, option);
      occurrences.push({ option, target });
    }
  }

  const defaultListener = makeDefaultListener(defaultOptions, occurrences.find((o) => o.target === "default")?.option);
  return {
    listeners: defaultListener ? [...explicit, defaultListener] : explicit,
    occurrences: occurrences.map(({ option, target }) => ({
      option,
      target: target === "default" ? defaultListener! : target,
    })),
  };
}

/** The listener mosquitto adds when any listener option sits outside a listener block: port `port` (1883), bound to `bind_address`. */
function makeDefaultListener(
  options: Map<string, LocatedOption>,
  first: LocatedOption | undefined,
): EffectiveListener | undefined {
  if (!first) return undefined;
  const port = options.get("port");
  const anchor = port ?? first;
  return {
    file: anchor.file,
    line: anchor.line,
    port: port ? Number(port.value) : DEFAULT_PORT,
    bind: options.get("bind_address")?.value,
    isDefault: true,
    options,
  };
}

/** A listener's name in messages: "listener 8883" or "the default listener (port 1883)". */
export function listenerName(listener: EffectiveListener): string {
  return listener.isDefault
    ? `the default listener (port ${listener.port})`
    : `listener ${Number.isFinite(listener.port) ? listener.port : "?"}`;
}
