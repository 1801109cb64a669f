import {
  DEFAULT_LISTENER_OPTIONS,
  SECURITY_OPTIONS,
  listenerName,
  type EffectiveConf,
  type LocatedOption,
} from "./effectiveConf.js";
import { error, warning, type Finding, type Place } from "./findings.js";
import { versionBefore, WEBSOCKETS_ONLY_FIXED_IN } from "./mosquittoVersion.js";

/** The tls_version values mosquitto 2.0 accepts; it compares them case-sensitively. */
export const TLS_VERSIONS = ["tlsv1.3", "tlsv1.2", "tlsv1.1"];

/** Options mosquitto refuses to read twice for the same listener (or broker): "Duplicate X value in configuration". */
const NO_REPEAT = new Set([
  "cafile",
  "capath",
  "certfile",
  "keyfile",
  "crlfile",
  "ciphers",
  "ciphers_tls1.3",
  "dhparamfile",
  "tls_version",
  "psk_hint",
  "mount_point",
  "bind_interface",
  "bind_address",
  "http_dir",
  "password_file",
  "acl_file",
  "psk_file",
]);

/** TLS settings that mean nothing without certfile + keyfile (the flags only when switched on). */
const NEEDS_CERT_AND_KEY = [
  "cafile",
  "capath",
  "crlfile",
  "tls_version",
  "ciphers",
  "require_certificate",
  "use_identity_as_username",
];
const TLS_FLAGS = new Set(["require_certificate", "use_identity_as_username"]);

/** "line 7" within the same file, "file:7" across files. */
function where(at: Place, from: Place): string {
  return at.file === from.file ? `line ${at.line}` : `${at.file}:${at.line}`;
}

export function isOn(option: LocatedOption | undefined): boolean {
  return option?.value === "true" || option?.value === "1";
}

/** `listener` lines mosquitto refuses: no port, or one outside 1..65535. */
export function portRules(conf: EffectiveConf): Finding[] {
  return conf.listeners
    .filter((l) => !l.isDefault && !(Number.isInteger(l.port) && l.port >= 1 && l.port <= 65535))
    .map((l) =>
      error(
        l,
        '`listener` needs a port from 1 to 65535: mosquitto refuses the conf ("Invalid port value" or "Empty listener value")',
        "write `listener 8883`, optionally followed by the address to bind",
      ),
    );
}

/** A repeated string option: mosquitto stops at the second line with "Duplicate X value in configuration". */
export function repeatRules(conf: EffectiveConf): Finding[] {
  const seen = new Map<string, LocatedOption>();
  const findings: Finding[] = [];
  for (const { option, target } of conf.occurrences) {
    if (!NO_REPEAT.has(option.name)) continue;
    const key = `${target === "global" ? "global" : `${target.file}:${target.line}`}\0${option.name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, option);
      continue;
    }
    const owner = target === "global" ? "the broker" : listenerName(target);
    findings.push(
      error(
        option,
        `${option.name} is set again for ${owner} (first at ${where(first, option)}): mosquitto refuses the conf with "Duplicate ${option.name} value in configuration"`,
        "keep only one of the two lines",
      ),
    );
  }
  return findings;
}

/**
 * Listener options written before any `listener` line of a file while the conf also has
 * `listener` blocks: they make and configure the default listener on port 1883 instead of the
 * listener they were most likely meant for. Every file starts outside any listener block, so an
 * include_dir file cannot continue the main conf's last listener. Not reported when
 * `port`/`bind_address` show that the default listener is wanted.
 */
export function defaultListenerRules(conf: EffectiveConf): Finding[] {
  const defaultListener = conf.listeners.find((l) => l.isDefault);
  if (!defaultListener || conf.listeners.length === 1) return [];
  if ([...DEFAULT_LISTENER_OPTIONS].some((name) => defaultListener.options.has(name))) return [];
  const security = (option: LocatedOption) =>
    SECURITY_OPTIONS.has(option.name)
      ? "; with per_listener_settings true, security options belong to a listener too"
      : "";
  return conf.occurrences
    .filter((o) => o.target === defaultListener)
    .map(({ option }) => {
      const next = conf.listeners.find((l) => !l.isDefault && l.file === option.file && l.line > option.line);
      return next
        ? warning(
            option,
            `${option.name} comes before the first \`listener\` line, so it configures mosquitto's default listener (which it then opens on port 1883), not ${listenerName(next)} (${where(next, option)})${security(option)}`,
            `move it below the \`listener ${next.port}\` line`,
          )
        : warning(
            option,
            `${option.name} comes before any \`listener\` line of this file, and every conf file starts outside a listener block: it configures mosquitto's default listener (which it then opens on port 1883), not a listener of another file${security(option)}`,
            "start this file with the `listener` line it belongs to",
          );
    });
}

/** Half-configured TLS: mosquitto enables TLS on a listener only with both certfile and keyfile, silently. */
export function tlsPairRules(conf: EffectiveConf): Finding[] {
  const findings: Finding[] = [];
  for (const listener of conf.listeners) {
    const name = listenerName(listener);
    const certfile = listener.options.get("certfile");
    const keyfile = listener.options.get("keyfile");
    if (certfile && !keyfile) {
      findings.push(
        error(
          certfile,
          `certfile without keyfile: mosquitto ignores it and ${name} serves plain, unencrypted MQTT`,
          "add `keyfile` with the server certificate's private key to the same listener",
        ),
      );
    } else if (keyfile && !certfile) {
      findings.push(
        error(
          keyfile,
          `keyfile without certfile: mosquitto ignores it and ${name} serves plain, unencrypted MQTT`,
          "add `certfile` with the server certificate to the same listener",
        ),
      );
    } else if (!certfile && !keyfile) {
      const orphan = NEEDS_CERT_AND_KEY.map((n) => listener.options.get(n)).find(
        (o) => o && (!TLS_FLAGS.has(o.name) || isOn(o)),
      );
      if (orphan)
        findings.push(
          error(
            orphan,
            `${name} sets ${orphan.name} but no certfile/keyfile: mosquitto enables TLS only with both, so it serves plain, unencrypted MQTT`,
            "add `certfile` and `keyfile` (the server's certificate and key) to this listener",
          ),
        );
    } else if (
      isOn(listener.options.get("require_certificate")) &&
      !listener.options.has("cafile") &&
      !listener.options.has("capath")
    ) {
      findings.push(
        error(
          listener.options.get("require_certificate")!,
          `require_certificate true without cafile or capath: ${name} has no CA to check client certificates against and rejects every client ("certificate verify failed")`,
          "add `cafile` with the CA that issued the clients' certificates",
        ),
      );
    }
  }
  return findings;
}

/** tls_version values mosquitto does not know: it exits with "Unsupported tls_version" when it opens the listener. */
export function tlsVersionRules(conf: EffectiveConf): Finding[] {
  return conf.occurrences
    .filter(({ option }) => option.name === "tls_version" && !TLS_VERSIONS.includes(option.value))
    .map(({ option }) => {
      const lower = option.value.toLowerCase();
      return error(
        option,
        `tls_version ${option.value} is not a value mosquitto knows: it exits with "Unsupported tls_version \\"${option.value}\\""`,
        TLS_VERSIONS.includes(lower)
          ? `write \`tls_version ${lower}\` (mosquitto compares it case-sensitively)`
          : `write one of ${TLS_VERSIONS.join(", ")}, or remove the line`,
      );
    });
}

/** Every listener websockets: mosquitto before 2.0.12 opens them, then exits "Unable to start any listening sockets". */
export function websocketsOnlyRules(conf: EffectiveConf, mosquittoVersion: string | undefined): Finding[] {
  const listeners = conf.listeners;
  if (listeners.length === 0 || !listeners.every((l) => l.options.get("protocol")?.value === "websockets")) return [];
  if (mosquittoVersion && !versionBefore(mosquittoVersion, WEBSOCKETS_ONLY_FIXED_IN)) return [];
  const fix = `add a plain MQTT (over TLS) listener, e.g. \`listener 8883\` with the same certfile, keyfile and cafile, or run mosquitto ${WEBSOCKETS_ONLY_FIXED_IN} or newer`;
  const first = listeners[0];
  return mosquittoVersion
    ? [
        error(
          first,
          `every listener is websockets: mosquitto ${mosquittoVersion} exits with "Unable to start any listening sockets" (fixed in ${WEBSOCKETS_ONLY_FIXED_IN})`,
          fix,
        ),
      ]
    : [
        warning(
          first,
          `every listener is websockets: mosquitto before ${WEBSOCKETS_ONLY_FIXED_IN} exits with "Unable to start any listening sockets", and no mosquitto here tells which version will run this conf`,
          fix,
        ),
      ];
}
