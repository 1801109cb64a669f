import { DAYS, keysOf, LISTENER_FIELDS, PORT, SERVER_FIELDS } from "./fields.js";
import { readList } from "./listPositions.js";
import type { SpecReader, YamlPath } from "./reader.js";
import { readName, readSubject } from "./readSubject.js";
import { ipProblem, isValidDnsName } from "./rules.js";
import {
  KEY_ALGORITHMS,
  LISTENER_PROTOCOLS,
  TLS_VERSIONS,
  type KeyAlgorithm,
  type ListenerSpec,
  type ServerSpec,
} from "./types.js";

// Allowed keys per section come from the field table that also generates the JSON Schema.
const SERVER_KEYS = keysOf(SERVER_FIELDS);
const LISTENER_KEYS = keysOf(LISTENER_FIELDS);

/** A `servers:` entry: its names and addresses, its listeners, and how it authenticates clients. */
export function readServer(
  r: SpecReader,
  p: YamlPath,
  defaults: { key: KeyAlgorithm; days: number },
): ServerSpec | undefined {
  r.checkKeys(p, SERVER_KEYS);
  const name = readName(r, p);
  const dns = r.stringList([...p, "dns"], "dns: [mqtt.example.com, localhost]");
  dns.forEach((entry, i) => {
    if (!isValidDnsName(entry))
      r.fail(
        [...p, "dns", i],
        `\`${entry}\` is not a valid DNS name`,
        "write a host name such as `mqtt.example.com` (IP addresses go under `ip`)",
      );
  });
  const ip = r.stringList([...p, "ip"], "ip: [127.0.0.1]");
  ip.forEach((entry, i) => {
    const problem = ipProblem(entry);
    if (problem)
      r.fail(
        [...p, "ip", i],
        problem,
        'write an IPv4 or IPv6 address such as `192.0.2.10` or `"::1"` (host names go under `dns`)',
      );
  });
  if (dns.length === 0 && ip.length === 0)
    r.fail(
      p,
      `server \`${name ?? "?"}\` has neither \`dns\` nor \`ip\``,
      "list the names and addresses clients dial, e.g. `dns: [mqtt.example.com]`",
    );

  const host = r.string([...p, "host"], dns[0] ?? ip[0]) ?? "";
  const listeners = readList(r, [...p, "listeners"], "listeners:\n  - port: 8883", (lp) => readListener(r, lp));
  if (listeners.length === 0)
    r.fail(
      [...p, "listeners"],
      `server \`${name ?? "?"}\` has no listeners`,
      "add one, e.g.\nlisteners:\n  - port: 8883",
    );
  const subject = readSubject(r, p, dns[0] ?? name);
  if (name === undefined) return undefined;
  return {
    ...subject,
    name,
    dns,
    ip,
    host,
    listeners,
    requireCertificate: r.boolean([...p, "requireCertificate"], true),
    identityAsUsername: r.boolean([...p, "identityAsUsername"], true),
    tlsVersion: r.oneOf([...p, "tlsVersion"], TLS_VERSIONS),
    key: r.oneOf([...p, "key"], KEY_ALGORITHMS, defaults.key),
    days: r.integer([...p, "days"], defaults.days, DAYS),
    user: r.text([...p, "user"], "mosquitto") ?? "mosquitto",
  };
}

function readListener(r: SpecReader, p: YamlPath): ListenerSpec | undefined {
  r.checkKeys(p, LISTENER_KEYS);
  if (!r.has([...p, "port"])) {
    r.fail(
      [...p, "port"],
      "missing `port`",
      "add e.g. `port: 8883` (MQTT over TLS) or `port: 8884` with `protocol: websockets`",
    );
    return undefined;
  }
  const port = r.integer([...p, "port"], 0, PORT);
  const protocol = r.oneOf([...p, "protocol"], LISTENER_PROTOCOLS, "mqtt");
  const bind = r.text([...p, "bind"]);
  if (bind !== undefined && ipProblem(bind))
    r.fail(
      [...p, "bind"],
      `\`bind\` must be an IP address, got \`${bind}\``,
      "write e.g. `bind: 127.0.0.1`, or leave it out to listen on every interface",
    );
  const wsPath = r.text([...p, "path"], "/mqtt") ?? "/mqtt";
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(wsPath))
    r.fail([...p, "path"], `\`path\` must be a URL path such as /mqtt, got \`${wsPath}\``, "write e.g. `path: /mqtt`");
  else if (protocol !== "websockets" && r.has([...p, "path"]))
    r.fail(
      [...p, "path"],
      "`path` only applies to websockets listeners",
      "remove it, or add `protocol: websockets`",
      true,
    );
  return port === 0 ? undefined : { port, protocol, bind, path: wsPath };
}
