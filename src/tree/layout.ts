import path from "node:path";

/**
 * Where every file of a tree lives, relative to a root. The same layout serves the local
 * output directory and the broker host's deploy directory. This layout is a public contract.
 */
export interface TreeLayout {
  root: string;
  caDir: string;
  caCert: string;
  caKey: string;
  /** During a CA rotation: the CA being retired, still trusted until `rotate ca --finish`. */
  previousCaCert: string;
  previousCaKey: string;
  /** During a CA rotation: previous + current CA, the broker's and clients' trust file. */
  caBundle: string;
  /** Revocation lists of every trusted CA; exists once something was revoked. */
  crl: string;
  /** Human-readable ledger of every certificate issued (serials, fingerprints, revocations). */
  state: string;
  /**
   * Stamps of each client's files as last built (see tree/stamps.ts): a cache, safe to delete.
   * Beside the tree, like its lock file: inode numbers mean nothing in a copy of the tree.
   */
  stamps: string;
  /** Old certificates and keys after rotation, revocation or pruning; nothing is deleted. */
  archiveDir: string;
  serversDir: string;
  serverDir(name: string): string;
  serverCert(name: string): string;
  serverKey(name: string): string;
  clientsDir: string;
  clientDir(name: string): string;
  clientCert(name: string): string;
  clientKey(name: string): string;
  /** The device's CSR, for clients whose key never leaves the device. */
  clientCsr(name: string): string;
  /** The client's generated MQTT password (clients with `password: true`). */
  clientPassword(name: string): string;
  /** mosquitto password file (PBKDF2-SHA512 lines) and ACL file. */
  passwdFile: string;
  aclFile: string;
  clientCommands(name: string): string;
  /** Where `mqtt-pki export NAME --p12` writes by default (no build makes it; a renewal makes it stale). */
  clientP12(name: string): string;
  /** Where older versions kept MQTT.js and paho-mqtt scripts per client (`snippets` prints them now): the next build removes them. */
  clientMqttJs(name: string): string;
  clientPaho(name: string): string;
  mosquittoDir: string;
  mosquittoConf: string;
  confDDir: string;
  serverConfD(name: string): string;
}

/** Folder inside the tree for temporary files on their way to an atomic rename. */
export const TEMP_DIR = ".tmp";

export function treeLayout(root: string): TreeLayout {
  const paths = root.startsWith("/") ? path.posix : path;
  // An absolute POSIX root is already normalized (the spec resolves it) and every part is a fixed
  // name or a file-safe spec name: plain joining gives the same path as a flat string, without
  // the pieces path.join leaves behind (a fleet's plan holds 80,000 of these paths).
  const base = root === "/" ? "" : root;
  const at = root.startsWith("/")
    ? (...parts: string[]) => [base, ...parts].join("/")
    : (...parts: string[]) => path.join(root, ...parts);
  return {
    root,
    caDir: at("ca"),
    caCert: at("ca", "ca.crt"),
    caKey: at("ca", "ca.key"),
    previousCaCert: at("ca", "previous", "ca.crt"),
    previousCaKey: at("ca", "previous", "ca.key"),
    caBundle: at("ca", "bundle.crt"),
    crl: at("ca", "crl.pem"),
    state: at("state.json"),
    stamps: paths.join(paths.dirname(root), `.${paths.basename(root)}.stamps`),
    archiveDir: at("archive"),
    serversDir: at("servers"),
    serverDir: (name) => at("servers", name),
    serverCert: (name) => at("servers", name, "server.crt"),
    serverKey: (name) => at("servers", name, "server.key"),
    clientsDir: at("clients"),
    clientDir: (name) => at("clients", name),
    clientCert: (name) => at("clients", name, "client.crt"),
    clientKey: (name) => at("clients", name, "client.key"),
    clientCsr: (name) => at("clients", name, "client.csr"),
    clientPassword: (name) => at("clients", name, "password"),
    passwdFile: at("mosquitto", "passwd"),
    aclFile: at("mosquitto", "acl"),
    clientCommands: (name) => at("clients", name, "commands.sh"),
    clientP12: (name) => at("clients", name, "client.p12"),
    clientMqttJs: (name) => at("clients", name, "connect.mjs"),
    clientPaho: (name) => at("clients", name, "connect.py"),
    mosquittoDir: at("mosquitto"),
    mosquittoConf: at("mosquitto", "mosquitto.conf"),
    confDDir: at("mosquitto", "conf.d"),
    serverConfD: (name) => at("mosquitto", "conf.d", `${name}.conf`),
  };
}
