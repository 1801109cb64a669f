import { lookupAccount, type Account } from "../io/accounts.js";
import { treeLayout } from "../tree/layout.js";
import { parseMosquittoConf, type ParsedConf } from "./parseConf.js";
import { parseClientCommands, type ClientInvocation } from "./parseCommands.js";
import { ParseCache } from "./parseCache.js";
import { FileLoader, localPath } from "./readFiles.js";
import { readLedgerView } from "./ledgerView.js";
import type { FileInfo } from "./fileInfo.js";
import type { ClientSpec, Spec } from "../spec/types.js";
import type { Ledger } from "../state/ledger.js";
import type { CrlFacts } from "../crypto/crlFile.js";

export type { FileInfo } from "./fileInfo.js";
export { ancestors, localPath } from "./readFiles.js";

/** The files of the tree that are no client's (CA, servers, conf, access files), the conf and the broker accounts, read once. */
export interface SharedFiles {
  files: ReadonlyMap<string, FileInfo>;
  conf?: ParsedConf;
  /** The broker accounts that exist on this machine, by name. */
  accounts: Map<string, Account>;
}

/** What the checks of some clients look at: the shared files plus those clients' own (read once, so the checks are pure). */
export interface ClientView {
  spec: Spec;
  /** The clients this view covers: all of the spec's, or one batch of a fleet (see api/verify.ts). */
  clients: ClientSpec[];
  /** The shared files, then the clients' files, what their commands point at, and the folders above those. */
  files: Map<string, FileInfo>;
  /** Which of `files` are the shared ones (the rest were read for these clients). */
  shared: ReadonlyMap<string, FileInfo>;
  commands: Map<string, ClientInvocation[]>;
  /** Parsed certificates and keys, each file at most once. */
  parsed: ParseCache;
}

/** Everything verify looks at, read once from disk so that the checks themselves are pure. */
export interface TreeSnapshot extends ClientView {
  conf?: ParsedConf;
  accounts: Map<string, Account>;
  /** Serials listed by each CRL file mosquitto.conf names. */
  revoked: Map<string, Set<string>>;
  /** The CRLs in each CRL file mosquitto.conf names, with the CA certificates (by fingerprint) whose key signed each. */
  crls: Map<string, CrlView[]>;
  /** The records of state.json the checks ask about (see ledgerView.ts), when it is there and reads as JSON. */
  ledger?: Ledger;
}

export interface CrlView {
  facts: CrlFacts;
  /** Fingerprints of the CA certificates (in the tree or a cafile the conf names) whose key signed this CRL. */
  signers: string[];
}

export function readSharedFiles(spec: Spec): SharedFiles {
  const layout = treeLayout(spec.out);
  const files = new Map<string, FileInfo>();
  const loader = new FileLoader(files, spec.out);
  loader.load([layout.caCert, layout.caKey, layout.previousCaCert, layout.previousCaKey, layout.caBundle, layout.crl]);
  // state.json is read apart (ledgerView.ts), and only by the thread that checks the whole tree.
  loader.load([layout.state], false);
  loader.load([layout.mosquittoConf]);
  for (const server of spec.servers) loader.load([layout.serverCert(server.name), layout.serverKey(server.name)]);
  loader.load([layout.passwdFile, layout.aclFile]);

  const confText = files.get(layout.mosquittoConf)?.content?.toString();
  const conf = confText === undefined ? undefined : parseMosquittoConf(confText, layout.mosquittoConf);
  const referenced = new Set<string>();
  for (const listener of conf?.listeners ?? []) {
    for (const name of ["cafile", "certfile", "keyfile", "crlfile"]) {
      const option = listener.options.get(name);
      if (option) referenced.add(localPath(spec, option.value));
    }
  }
  loader.load(referenced);
  loader.loadFoldersAbove(referenced);

  const accounts = new Map<string, Account>();
  for (const server of spec.servers) {
    const account = lookupAccount(server.user);
    if (account) accounts.set(server.user, account);
  }
  return { files, conf, accounts };
}

/** Reads some clients' files (cert, key, commands.sh, password), whatever their commands point at, and the folders above. */
export function viewOfClients(spec: Spec, shared: SharedFiles, clients: ClientSpec[]): ClientView {
  const layout = treeLayout(spec.out);
  const files = new Map(shared.files);
  const loader = new FileLoader(files, spec.out);
  for (const client of clients) {
    loader.load([layout.clientCert(client.name), layout.clientKey(client.name), layout.clientCommands(client.name)]);
    if (client.password) loader.load([layout.clientPassword(client.name)]);
  }
  const commands = new Map<string, ClientInvocation[]>();
  for (const client of clients) {
    const text = files.get(layout.clientCommands(client.name))?.content?.toString();
    if (text !== undefined) commands.set(client.name, parseClientCommands(text, client.name));
  }
  const referenced = new Set<string>();
  for (const invocations of commands.values()) {
    for (const call of invocations) [call.caFile, call.certFile, call.keyFile].forEach((f) => f && referenced.add(f));
  }
  loader.load(referenced);
  loader.loadFoldersAbove(referenced);
  return { spec, clients, files, shared: shared.files, commands, parsed: new ParseCache(files) };
}

/** The whole tree as verify's tree-wide checks see it, with `clients`' files too (all of them, or a fleet's first batch). */
export async function takeSnapshot(
  spec: Spec,
  clients: ClientSpec[] = spec.clients,
  shared: SharedFiles = readSharedFiles(spec),
): Promise<TreeSnapshot> {
  const view = viewOfClients(spec, shared, clients);
  const crls = await readNamedCrls(view, shared.conf);
  const revoked = new Map(
    [...crls].map(([file, views]) => [
      file,
      new Set(views.flatMap((crl) => crl.facts.entries.map((entry) => entry.serial))),
    ]),
  );
  const state = treeLayout(spec.out).state;
  const stateInfo = view.files.get(state);
  const listed = new Set([...revoked.values()].flatMap((serials) => [...serials]));
  const ledger =
    stateInfo && !stateInfo.isLink && !stateInfo.isDirectory ? await readLedgerView(state, listed) : undefined;
  return { ...view, conf: shared.conf, accounts: shared.accounts, revoked, crls, ledger };
}

/** Every CRL the conf names, with who signed it; the CRL code is loaded only when there is one. */
async function readNamedCrls(view: ClientView, conf: ParsedConf | undefined): Promise<Map<string, CrlView[]>> {
  const { spec, files, parsed } = view;
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
