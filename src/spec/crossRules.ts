import { isIP } from "node:net";
import { sanCovers } from "./rules.js";
import { indexOf } from "./listPositions.js";
import type { SpecReader, YamlPath } from "./reader.js";
import type { ClientSpec, ServerSpec, Spec, SpecWarning } from "./types.js";

/** Rules that relate several entries: uniqueness, coverage, listener sets, lifetimes. */
export function checkCrossRules(r: SpecReader, spec: Spec, warnings: SpecWarning[]): void {
  // Paths and labels are made only for a clash: a fleet's spec has 10,000 clients and none.
  checkUnique(
    r,
    spec.servers,
    (s) => s.name,
    (s, i) => ["servers", indexOf(s, i), "name"],
    "server name",
  );
  checkUnique(
    r,
    spec.clients,
    (c) => c.name,
    (c, i) => ["clients", indexOf(c, i), "name"],
    "client name",
  );
  // `rotate NAME` and `revoke NAME` take a bare name: it must say which certificate it means.
  const serverNames = new Set(spec.servers.map((server) => server.name));
  spec.clients.forEach((client, i) => {
    if (serverNames.has(client.name))
      r.fail(
        ["clients", indexOf(client, i), "name"],
        `client name \`${client.name}\` is taken: server \`${client.name}\` has that name`,
        "rename the client (or the server): `rotate` and `revoke` take a bare name, and it must name one certificate",
      );
  });

  type Holder =
    { section: "ca" } | { section: "servers" | "clients"; entry: ServerSpec | ClientSpec; position: number };
  const role = (h: Holder) =>
    h.section === "ca" ? "the CA" : `${h.section === "servers" ? "server" : "client"} \`${h.entry.name}\``;
  const cnPath = (h: Holder): YamlPath =>
    h.section === "ca" ? ["ca", "cn"] : [h.section, indexOf(h.entry, h.position), "cn"];
  const holders: Holder[] = [
    { section: "ca" },
    ...spec.servers.map((entry, position) => ({ section: "servers" as const, entry, position })),
    ...spec.clients.map((entry, position) => ({ section: "clients" as const, entry, position })),
  ];
  const seenCn = new Map<string, Holder>();
  for (const holder of holders) {
    const value = holder.section === "ca" ? spec.ca.cn : holder.entry.cn;
    if (!value) continue;
    const key = value.toLowerCase();
    const first = seenCn.get(key);
    if (first !== undefined) {
      const caClash = first.section === "ca" || holder.section === "ca";
      const path = cnPath(holder);
      r.fail(
        path,
        `CN \`${value}\` of ${role(holder)} is already used by ${role(first)}`,
        caClash
          ? "give the CA its own CN (e.g. `cn: Example MQTT Root CA`): OpenSSL treats a leaf whose CN equals its CA's as self-signed and refuses the chain"
          : "every certificate needs its own CN; set `cn:` to something unique",
        r.has(path) ? false : true,
      );
    } else seenCn.set(key, holder);
  }

  const ports = new Map<string, string>();
  spec.servers.forEach((server, position) => {
    const si = indexOf(server, position);
    if (server.host && !sanCovers(server.host, server.dns, server.ip)) {
      r.fail(
        ["servers", si, "host"],
        `\`host: ${server.host}\` is not covered by the server's dns or ip list`,
        `add \`${server.host}\` to \`${isIP(server.host) ? "ip" : "dns"}\`, or set \`host\` to one of: ${[...server.dns, ...server.ip].join(", ")}`,
      );
    }
    const names = (clients: ClientSpec[]) => clients.map((c) => c.name);
    const withoutPassword = server.identityAsUsername ? [] : names(spec.clients.filter((c) => !c.password));
    if (!server.identityAsUsername && withoutPassword.length > 0) {
      r.fail(
        ["servers", si, "identityAsUsername"],
        `\`identityAsUsername: false\` leaves clients without a username unless they have a password, and with \`allow_anonymous false\` mosquitto refuses ${withoutPassword.join(", ")} ("not authorised")`,
        "give those clients `password: true` (or `defaults.password: true`), or keep `identityAsUsername: true` (the certificate's CN becomes the username)",
      );
    }
    const withPassword = server.identityAsUsername ? names(spec.clients.filter((c) => c.password)) : [];
    if (server.identityAsUsername && withPassword.length > 0) {
      r.fail(
        ["servers", si, "identityAsUsername"],
        `clients ${withPassword.join(", ")} have \`password: true\`, but with \`identityAsUsername: true\` mosquitto ignores usernames and passwords`,
        "set `identityAsUsername: false` on the servers so the certificate AND the password are both required, or drop `password: true`",
      );
    }
    if (server.listeners.length > 0 && server.listeners.every((l) => l.protocol === "websockets")) {
      r.fail(
        ["servers", si, "listeners"],
        `server \`${server.name}\` has only websockets listeners`,
        'add an MQTT-over-TLS listener (e.g. `- port: 8883`): mosquitto 2.0.11 exits with "Unable to start any listening sockets" when every listener is websockets',
      );
    }
    server.listeners.forEach((listener, position) => {
      const li = indexOf(listener, position);
      const key = `${listener.bind ?? "*"}:${listener.port}`;
      const clash =
        ports.get(key) ??
        ports.get(`*:${listener.port}`) ??
        (listener.bind === undefined ? [...ports].find(([k]) => k.endsWith(`:${listener.port}`))?.[1] : undefined);
      if (clash)
        r.fail(
          ["servers", si, "listeners", li, "port"],
          `port ${listener.port} is already used by ${clash}`,
          "mosquitto.conf holds every listener of every server: give each its own port",
        );
      ports.set(key, `server \`${server.name}\` listener ${li + 1}`);
    });
    if (server.days > spec.ca.days)
      warnings.push({
        message: `server \`${server.name}\` asks for ${server.days} days but the CA lives ${spec.ca.days}; its certificate will end with the CA`,
        yamlPath: `servers[${si}].days`,
      });
  });
  spec.clients.forEach((client, position) => {
    const ci = indexOf(client, position);
    if (client.days > spec.ca.days)
      warnings.push({
        message: `client \`${client.name}\` asks for ${client.days} days but the CA lives ${spec.ca.days}; its certificate will end with the CA`,
        yamlPath: `clients[${ci}].days`,
      });
  });
}

function checkUnique<T extends object>(
  r: SpecReader,
  items: T[],
  value: (item: T) => string,
  path: (item: T, position: number) => YamlPath,
  what: string,
): void {
  const seen = new Set<string>();
  items.forEach((item, position) => {
    const text = value(item);
    if (seen.has(text))
      r.fail(path(item, position), `duplicate ${what} \`${text}\``, `each ${what} must be unique; rename one of them`);
    seen.add(text);
  });
}
