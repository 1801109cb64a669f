import type { Account } from "../io/accounts.js";
import type { ParsedConf } from "../verify/parseConf.js";
import type { FileInfo } from "../verify/snapshot.js";

/** What lint knows about one path on disk (absent from the map: it does not exist). */
export interface PathInfo extends FileInfo {
  /** Why lint itself could not read the file (e.g. EACCES), when it tried and failed. */
  readError?: string;
  /** A directory's entry names, when lint listed it (capath, include_dir, client search). */
  entries?: string[];
}

/** Everything lint looks at, read once from disk so that the rules are pure. */
export interface LintSnapshot {
  /** The main conf, absolute. */
  confFile: string;
  /** Every conf file read, in mosquitto's order: the main conf first, then each include_dir's files. */
  confs: ParsedConf[];
  /** Every referenced path, the folders above it, capath and include_dir entries, client certificates seen. */
  paths: Map<string, PathInfo>;
  /** Referenced paths lint could not even stat (e.g. EACCES on a folder above), with the reason; they may exist. */
  unseen: Map<string, string>;
  /** Where lint looked for client certificates, and the certificate files it found there. */
  clientSearch: { roots: string[]; files: string[] };
  /** The account mosquitto drops to after start (`user`, default mosquitto). */
  brokerUser: string;
  /** That account, when it exists on this machine. */
  brokerAccount?: Account;
  /** From `mosquitto -h` (e.g. "2.0.11"); undefined when no mosquitto binary is installed here. */
  mosquittoVersion?: string;
}
