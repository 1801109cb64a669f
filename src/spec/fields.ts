import { ACL_ACCESS, KEY_ALGORITHMS, LISTENER_PROTOCOLS, TLS_VERSIONS } from "./types.js";

/**
 * Every key pki.yaml accepts, section by section, with its type: the parser takes its allowed
 * keys and ranges from here and the JSON Schema is generated from here, so the two cannot drift.
 */
export type Field =
  | { type: "string"; description: string; pattern?: string; maxLength?: number }
  | { type: "integer"; description: string; minimum: number; maximum: number }
  | { type: "boolean"; description: string }
  | { type: "enum"; description: string; values: readonly string[] }
  | { type: "stringList"; description: string }
  | { type: "object"; description: string; section: Section; required?: string[] }
  | { type: "list"; description: string; section: Section; required?: string[] };

export type Section = Record<string, Field>;

export const DAYS_RANGE = { minimum: 1, maximum: 36500 } as const;
export const PORT_RANGE = { minimum: 1, maximum: 65535 } as const;
/** The same bounds as the spec reader checks them, with what to call a value out of them. */
export const DAYS = { min: DAYS_RANGE.minimum, max: DAYS_RANGE.maximum, what: "a positive number of days" };
export const PORT = { min: PORT_RANGE.minimum, max: PORT_RANGE.maximum, what: "a TCP port" };

const subject: Section = {
  cn: { type: "string", description: "common name; unique across the CA, servers and clients", maxLength: 64 },
  o: { type: "string", description: "organization", maxLength: 64 },
  ou: { type: "string", description: "organizational unit", maxLength: 64 },
  c: { type: "string", description: "two-letter country code", pattern: "^[A-Z]{2}$" },
  st: { type: "string", description: "state or province", maxLength: 64 },
  l: { type: "string", description: "locality", maxLength: 64 },
};
const key: Field = { type: "enum", description: "key type", values: KEY_ALGORITHMS };
const days: Field = { type: "integer", description: "certificate lifetime in days", ...DAYS_RANGE };
const name: Field = {
  type: "string",
  description: "file-safe id: lowercase letters, digits, . _ -",
  pattern: "^[a-z0-9][a-z0-9._-]{0,62}$",
};

export const ACL_FIELDS: Section = {
  topic: { type: "string", description: "topic filter (+ and # allowed); %c is the client's CN" },
  access: { type: "enum", description: "what the rule allows", values: ACL_ACCESS },
};
const acl: Field = { type: "list", description: "topic rules", section: ACL_FIELDS, required: ["topic"] };

export const DEFAULT_FIELDS: Section = {
  key,
  days,
  renewBeforeDays: {
    type: "integer",
    description: "status --check and rotate --expiring act this many days before expiry",
    minimum: 0,
    maximum: 36500,
  },
  password: { type: "boolean", description: "clients also log in with a generated password" },
  acl,
};
export const CA_FIELDS: Section = {
  ...subject,
  key,
  days,
  crlDays: {
    type: "integer",
    description: "lifetime of each CRL in days (default 180; renewed at half-life)",
    minimum: 1,
    maximum: 3650,
  },
  encryptKey: {
    type: "boolean",
    description: "store ca.key encrypted (passphrase: $MQTT_PKI_CA_PASSPHRASE or a prompt)",
  },
};
export const LISTENER_FIELDS: Section = {
  port: { type: "integer", description: "TCP port", ...PORT_RANGE },
  protocol: { type: "enum", description: "mqtt (MQTT over TLS) or websockets (wss)", values: LISTENER_PROTOCOLS },
  bind: { type: "string", description: "IP address to bind; default every interface" },
  path: { type: "string", description: "websocket path clients request", pattern: "^/[A-Za-z0-9._~/-]*$" },
};
export const SERVER_FIELDS: Section = {
  ...subject,
  name,
  dns: { type: "stringList", description: "SAN DNS names" },
  ip: { type: "stringList", description: "SAN IP addresses" },
  host: { type: "string", description: "what clients dial; covered by dns or ip" },
  listeners: { type: "list", description: "listeners of this broker", section: LISTENER_FIELDS, required: ["port"] },
  requireCertificate: { type: "boolean", description: "clients must present a certificate" },
  identityAsUsername: { type: "boolean", description: "the client certificate's CN becomes the MQTT username" },
  tlsVersion: {
    type: "enum",
    description: "TLS version for the listeners and every client command",
    values: TLS_VERSIONS,
  },
  key,
  days,
  user: { type: "string", description: "account the broker drops to; it gets read access to the key" },
};
export const CLIENT_FIELDS: Section = {
  ...subject,
  name,
  key,
  days,
  topic: { type: "string", description: "topic of the generated round trip" },
  deviceKey: { type: "boolean", description: "the key stays on the device; the tree holds its CSR" },
  password: { type: "boolean", description: "log in with a generated password on top of the certificate" },
  acl,
};
export const DEPLOY_FIELDS: Section = {
  dir: { type: "string", description: "absolute directory of the files on the broker host", pattern: "^/" },
};
export const TOP_FIELDS: Section = {
  version: { type: "integer", description: "spec format version", minimum: 1, maximum: 1 },
  out: { type: "string", description: "output folder, relative to the spec file" },
  defaults: { type: "object", description: "defaults for servers and clients", section: DEFAULT_FIELDS },
  ca: { type: "object", description: "the certificate authority", section: CA_FIELDS, required: ["cn"] },
  servers: { type: "list", description: "brokers", section: SERVER_FIELDS, required: ["name", "listeners"] },
  clients: { type: "list", description: "devices", section: CLIENT_FIELDS, required: ["name"] },
  deploy: { type: "object", description: "where files live on the broker host", section: DEPLOY_FIELDS },
};

export const keysOf = (section: Section): string[] => Object.keys(section);
