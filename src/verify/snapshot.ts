import path from "node:path";
import { readPath, type PathRead } from "../io/read.js";
import { lookupAccount, type Account } from "../io/accounts.js";
import { treeLayout } from "../tree/layout.js";
import { parseMosquittoConf, type ParsedConf } from "./parseConf.js";
import { parseClientCommands, type ClientInvocation } from "./parseCommands.js";
import { ParseCache } from "./parseCache.js";
import type { FileInfo } from "./fileInfo.js";
import type { ClientSpec, Spec } from "../spec/types.js";
import type { Ledger } from "../state/ledger.js";
import { parseLedger } from "../state/ledgerFormat.js";
import type { CrlFacts } from "../crypto/crlFile.js";

export type { FileInfo } from "./fileInfo.js";

/** Everything verify looks at, read once from disk so that the checks themselves are pure. */
export interface TreeSnapshot {
  spec: Spec;
  /** The clients this snapshot covers: all of the spec's, or one shard of a fleet (see api/verify.ts). */
  clients: ClientSpec[];
  files: Map<string, FileInfo>;
  conf?: ParsedConf;
  commands: Map<string, ClientInvocation[]>;
  /** The broker accounts that exist on this machine, by name. */
  accounts: Map<string, Account>;
  /** Serials listed by each CRL file mosquitto.conf names. */
  revoked: Map<string, Set<string>>;
  /** The CRLs in each CRL file mosquitto.conf names, with the CA certificates (by fingerprint) whose key signed each. */
  crls: Map<string, CrlView[]>;
  /** state.json, when it is there and reads as JSON. */
  ledger?: Ledger;
  /** Parsed certificates and keys, each file at most once. */
  parsed: ParseCache;
}

/** Maps a path as written in mosquitto.conf (deploy dir) back to the local tree. */
export function localPath(spec: Spec, confPath: string): string {
  if (spec.deployDir === spec.out) return confPath;
  const relative = path.posix.relative(spec.deployDir, confPath);
  return relative.startsWith("..") ? confPath : path.join(spec.out, relative);
}

/**
 * stat and, for files, the content. Inside the tree a link is never followed (verify reports
 * it); outside it, links are followed as mosquitto follows them (a deploy folder, the folders
 * above the tree).
 */
function readInfo(file: string, withContent: boolean, treeRoot: string): Promise<FileInfo | undefined> {
  try {
    const inside = file === treeRoot || file.startsWith(`${treeRoot}/`);
    const read = readPath(file, { followLinks: !inside, content: withContent ? "files" : "never" });
    return Promise.resolve(read && fileInfo(read));
  } catch {
    return Promise.resolve(undefined);
  }
}

function fileInfo({ stat, content }: PathRead): FileInfo {
  const owner = { mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
  if (stat.isSymbolicLink()) return { ...owner, isDirectory: false, isLink: true };
  return { content, ...owner, isDirectory: stat.isDirectory() };
}

/** Every directory from the root down to `file`, for checking that the broker can traverse them. */
export function ancestors(file: string): string[] {
  const out: string[] = [];
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    out.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

export async function takeSnapshot(spec: Spec, clients: ClientSpec[] = spec.clients): Promise<TreeSnapshot> {
  const layout = treeLayout(spec.out);
  const files = new Map<string, FileInfo>();
  const wanted = new Set<string>([
    layout.caCert,
    layout.caKey,
    layout.previousCaCert,
    layout.previousCaKey,
    layout.caBundle,
    layout.crl,
    layout.state,
    layout.mosquittoConf,
  ]);
  for (const server of spec.servers)
    [layout.serverCert(server.name), layout.serverKey(server.name)].forEach((f) => wanted.add(f));
  for (const client of clients) {
    [layout.clientCert(client.name), layout.clientKey(client.name), layout.clientCommands(client.name)].forEach((f) =>
      wanted.add(f),
    );
    if (client.password) wanted.add(layout.clientPassword(client.name));
  }
  [layout.passwdFile, layout.aclFile].forEach((f) => wanted.add(f));

  const load = async (list: Iterable<string>) => {
    const todo = [...list].filter((file) => !files.has(file));
    const infos = await Promise.all(todo.map((file) => readInfo(file, true, spec.out)));
    todo.forEach((file, i) => {
      if (infos[i]) files.set(file, infos[i]!);
    });
  };
  await load(wanted);

  const confText = files.get(layout.mosquittoConf)?.content?.toString();
  const conf = confText === undefined ? undefined : parseMosquittoConf(confText, layout.mosquittoConf);
  const commands = new Map<string, ClientInvocation[]>();
  for (const client of clients) {
    const text = files.get(layout.clientCommands(client.name))?.content?.toString();
    if (text !== undefined) commands.set(client.name, parseClientCommands(text, client.name));
  }

  // Second pass: whatever the conf and the commands point at, plus the folders on the way.
  const referenced = new Set<string>();
  for (const listener of conf?.listeners ?? []) {
    for (const name of ["cafile", "certfile", "keyfile", "crlfile"]) {
      const option = listener.options.get(name);
      if (option) referenced.add(localPath(spec, option.value));
    }
  }
  for (const invocations of commands.values()) {
    for (const call of invocations) [call.caFile, call.certFile, call.keyFile].forEach((f) => f && referenced.add(f));
  }
  await load(referenced);
  const dirs = new Set([...referenced].flatMap(ancestors));
  const dirInfos = await Promise.all([...dirs].map((dir) => readInfo(dir, false, spec.out)));
  [...dirs].forEach((dir, i) => {
    if (dirInfos[i]) files.set(dir, dirInfos[i]!);
  });

  const accounts = new Map<string, Account>();
  for (const server of spec.servers) {
    const account = lookupAccount(server.user);
    if (account) accounts.set(server.user, account);
  }
  const parsed = new ParseCache(files);
  const crls = await readNamedCrls(spec, conf, files, parsed);
  const revoked = new Map(
    [...crls].map(([file, views]) => [
      file,
      new Set(views.flatMap((view) => view.facts.entries.map((entry) => entry.serial))),
    ]),
  );
  return {
    spec,
    clients,
    files,
    conf,
    commands,
    accounts,
    revoked,
    crls,
    ledger: readLedgerText(files.get(layout.state)?.content),
    parsed,
  };
}

export interface CrlView {
  facts: CrlFacts;
  /** Fingerprints of the CA certificates (in the tree or a cafile the conf names) whose key signed this CRL. */
  signers: string[];
}

function readLedgerText(content: Buffer | undefined): Ledger | undefined {
  if (!content) return undefined;
  try {
    return parseLedger(content.toString());
  } catch {
    return undefined;
  }
}

/** Every CRL the conf names, with who signed it; the CRL code is loaded only when there is one. */
async function readNamedCrls(
  spec: Spec,
  conf: ParsedConf | undefined,
  files: Map<string, FileInfo>,
  parsed: ParseCache,
): Promise<Map<string, CrlView[]>> {
  const listeners = conf?.listeners ?? [];
  const named = (option: string) =>
    [conf?.global.get(option), ...listeners.map((listener) => listener.options.get(option))].flatMap((o) =>
      o ? [localPath(spec, o.value)] : [],
    );
  const crlFiles = [...new Set(named("crlfile"))].filter((file) => files.get(file)?.content);
  if (crlFiles.length === 0) return new Map();
  const { readCrls, crlSignedBy } = await import("../crypto/crlFile.js");
  const layout = treeLayout(spec.out);
  const cas = [...new Set([layout.caCert, layout.previousCaCert, layout.caBundle, ...named("cafile")])].flatMap(
    (file) => parsed.certificates(file),
  );
  const views = new Map<string, CrlView[]>();
  for (const file of crlFiles) {
    const list: CrlView[] = [];
    for (const facts of readCrls(files.get(file)!.content!.toString())) {
      const signers: string[] = [];
      for (const ca of cas)
        if (!signers.includes(ca.fingerprint256) && crlSignedBy(facts, ca.x509.raw)) signers.push(ca.fingerprint256);
      list.push({ facts, signers });
    }
    views.set(file, list);
  }
  return views;
}
