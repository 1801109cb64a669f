/** The resolved spec: every default filled in, every path absolute. The YAML contract is in README.md. */

export const KEY_ALGORITHMS = ["ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519"] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export const LISTENER_PROTOCOLS = ["mqtt", "websockets"] as const;
export type ListenerProtocol = (typeof LISTENER_PROTOCOLS)[number];

export const TLS_VERSIONS = ["tlsv1.2", "tlsv1.3"] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/** Optional subject fields shared by every certificate holder. */
export interface SubjectFields {
  cn: string;
  o?: string;
  ou?: string;
  c?: string;
  st?: string;
  l?: string;
}

export interface CaSpec extends SubjectFields {
  key: KeyAlgorithm;
  days: number;
  /** Lifetime of each CRL; builds renew it when a third of it is left. */
  crlDays: number;
  /** Store ca.key as encrypted PKCS#8; the passphrase comes from $MQTT_PKI_CA_PASSPHRASE or a prompt. */
  encryptKey: boolean;
}

export interface ListenerSpec {
  port: number;
  protocol: ListenerProtocol;
  /** Address the broker binds; omitted means every interface. */
  bind?: string;
  /** Websocket path clients request (mosquitto answers on any path). */
  path: string;
}

export interface ServerSpec extends SubjectFields {
  name: string;
  dns: string[];
  ip: string[];
  /** What clients dial; covered by dns or ip. */
  host: string;
  listeners: ListenerSpec[];
  requireCertificate: boolean;
  identityAsUsername: boolean;
  tlsVersion?: TlsVersion;
  key: KeyAlgorithm;
  days: number;
  /** The account the broker drops to after start; it must be able to read its key. */
  user: string;
}

export const ACL_ACCESS = ["read", "write", "readwrite", "deny"] as const;
export type AclAccess = (typeof ACL_ACCESS)[number];

/** One topic rule; `%c` in the topic stands for the client's CN. */
export interface AclRule {
  topic: string;
  access: AclAccess;
}

export interface ClientSpec extends SubjectFields {
  name: string;
  key: KeyAlgorithm;
  days: number;
  /** Topic used by the generated sub/pub round trip. */
  topic: string;
  /** The key lives only on the device; the tree holds its CSR (client.csr), not client.key. */
  deviceKey: boolean;
  /** A generated password on top of the certificate (username = the CN); needs identityAsUsername: false. */
  password: boolean;
  /** Topic rules of this client (on top of defaults.acl). */
  acl: AclRule[];
}

export interface Spec {
  version: 1;
  /** Absolute path of the spec file. */
  file: string;
  /** Absolute output directory. */
  out: string;
  /** Directory the files will live in on the broker host; paths in mosquitto.conf use it. */
  deployDir: string;
  defaults: { key: KeyAlgorithm; days: number; renewBeforeDays: number; password: boolean; acl: AclRule[] };
  ca: CaSpec;
  servers: ServerSpec[];
  clients: ClientSpec[];
}

/** Non-fatal findings while resolving the spec (e.g. a clamp). */
export interface SpecWarning {
  message: string;
  yamlPath: string;
}
