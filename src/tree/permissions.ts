import type { Ownership } from "../io/files.js";

/**
 * Who may read what. The broker starts as root and drops to its own account, so it must be
 * able to traverse to and read its CA, certificate and key, and nothing else: its key is
 * group-readable by the broker's group only, the CA directory is traversable but not
 * listable, and client and CA keys stay 0600.
 */
export interface TreePermissions {
  root: Ownership;
  caDir: Ownership;
  caKey: Ownership;
  publicFile: Ownership;
  publicDir: Ownership;
  serverDir: Ownership;
  serverKey: Ownership;
  privateDir: Ownership;
  privateKey: Ownership;
  script: Ownership;
}

/** `brokerGid` is the broker account's group here, or undefined when that account does not exist. */
export function treePermissions(brokerGid: number | undefined): TreePermissions {
  const broker = brokerGid !== undefined;
  return {
    root: { mode: 0o755 },
    caDir: { mode: 0o711 },
    caKey: { mode: 0o600 },
    publicFile: { mode: 0o644 },
    publicDir: { mode: 0o755 },
    serverDir: broker ? { mode: 0o750, gid: brokerGid } : { mode: 0o700 },
    serverKey: broker ? { mode: 0o640, gid: brokerGid } : { mode: 0o600 },
    privateDir: { mode: 0o700 },
    privateKey: { mode: 0o600 },
    script: { mode: 0o700 },
  };
}
