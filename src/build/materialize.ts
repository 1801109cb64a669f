import path from "node:path";
import type { CertFacts } from "../crypto/facts.js";
import { PkiError } from "../errors.js";
import { issueCaCert, issueLeaves, type LeafRequest } from "../crypto/issue.js";
import { encryptPrivateKey, generateKey, isEncryptedPem, loadPrivateKey, type KeyMaterial } from "../crypto/keys.js";
import type { PassphraseSource } from "../io/passphrase.js";
import { parseCsr } from "../crypto/csr.js";
import { softwareSigner } from "../crypto/signer.js";
import { decryptCaKey, loadCa, type LoadedCa } from "./loadedCa.js";
import { renderClientCommands } from "../render/commands.js";
import { renderConfD, renderMosquittoConf } from "../render/conf.js";
import { needsAclFile } from "../render/access.js";
import { renderMqttJsSnippet, renderPahoSnippet } from "../render/snippets.js";
import { ShapeRenderer } from "../render/byShape.js";
import { digest, emptyLedger, LedgerBook, recordOf, serializeLedger, type Ledger } from "../state/ledger.js";
import { identityDenials, reusedIdentityWarning } from "../state/revokedIdentities.js";
import { clientPasswords, writeAccessFiles, type GroupLookup } from "./accessArtifact.js";
import { reconcileWithCrl, renderCrl, type CrlIssuer } from "./crlArtifact.js";
import { specDigest } from "../plan/specDigest.js";
import { fingerprintOf, fromPem } from "../crypto/der.js";
import { unrecordedCertificates } from "../state/rebuild.js";
import { treeLayout, type TreeLayout } from "../tree/layout.js";
import { treePermissions } from "../tree/permissions.js";
import { TREE_MARKER_TEXT, treeMarker } from "../tree/outFolder.js";
import type { Ownership } from "../io/files.js";
import type { FileSink, FolderMove, PlannedDir, PlannedFile, WriteSet } from "./plannedFiles.js";
import type { BuildPlan, EntityPlan } from "../plan/planBuild.js";
import { readPair, type StoredPair, type TreeState } from "../tree/read.js";
import type { ClientSpec, ServerSpec, Spec } from "../spec/types.js";

export type { FileSink, PlannedDir, PlannedFile };

/** A build's content: what the writer puts in place, and what the engine reports from it. */
export interface TreeContent extends WriteSet {
  /** Leaves whose lifetime was cut to end with the CA. */
  clamped: string[];
  ledger: Ledger;
  /** What the user should hear about: revocations the CRL put back, revoked CNs in use again. */
  notes: string[];
  /** What mosquitto must reload (SIGHUP) once the files are in place, if they change. */
  reloadFiles: string[];
}

export type { GroupLookup };

const perms = treePermissions(undefined);

interface LeafEntry {
  entry: EntityPlan;
  holder: ServerSpec | ClientSpec;
  stored: StoredPair;
  /** The stamp index vouches for its files: nothing of it is planned. */
  settled?: boolean;
}

interface LeafPair {
  keyPem: string;
  certPem: string;
  unchanged: boolean;
  clamped?: boolean;
  label: string;
}

/** Hears of each leaf's pair once it is final (kept ones first, issued ones as they arrive). */
type PairListener = (index: number, pair: LeafPair) => void;

/**
 * Key and certificate text for every leaf, in order: kept ones straight from disk, the rest
 * issued in one go (keys made on every core). Records each issue in the ledger, in order.
 */
async function issuePairs(leaves: LeafEntry[], cas: { current: LoadedCa; previous?: LoadedCa }, out: TreeWriter, book: LedgerBook, now: Date, onPair: PairListener, onProgress?: ProgressListener): Promise<LeafPair[]> {
  const pairs: LeafPair[] = [];
  const requests: LeafRequest[] = [];
  const waiting: { at: number; leaf: LeafEntry; ca: LoadedCa; keyPem?: string }[] = [];
  for (const leaf of leaves) {
    const { entry, holder, stored } = leaf;
    const label = `${entry.role} ${entry.name}`;
    if (leaf.settled) {
      pairs.push({ keyPem: "", certPem: "", unchanged: true, label });
      continue;
    }
    if (entry.action !== "create" && entry.action !== "reissue") {
      // Kept after the full comparison: remember the pair so the next build can skip it.
      if (entry.action === "keep" && entry.reasons.length === 0 && stored.certPem !== undefined && stored.keyPem !== undefined) {
        book.annotate(fingerprintOf(fromPem(stored.certPem)), { keyDigest: digest(stored.keyPem), specDigest: specDigest(entry.role as "server" | "client", holder) });
      }
      onPair(pairs.push({ keyPem: stored.keyPem ?? "", certPem: stored.certPem ?? "", unchanged: true, label }) - 1, pairs[pairs.length - 1]);
      continue;
    }
    if (entry.archive && stored.certPem !== undefined) out.archive(`${entry.role}s/${entry.name}`, stored.facts, stored.certPem, entry.newKey ? stored.keyPem : undefined, entry.role);
    const ca = entry.issuer === "previous" && cas.previous ? cas.previous : cas.current;
    const key = existingKey(entry, stored, holder);
    waiting.push({ at: pairs.length, leaf, ca, keyPem: key?.privateKeyPem });
    requests.push({ ca: await ca.unlock(), role: entry.role as "server" | "client", holder, spkiDer: key?.spkiDer });
    pairs.push({ keyPem: "", certPem: "", unchanged: false, label });
  }
  let done = 0;
  const issued = await issueLeaves(requests, now, (i, leaf) => {
    const { at } = waiting[i];
    onPair(at, Object.assign(pairs[at], { keyPem: leaf.keyPem ?? waiting[i].keyPem ?? "", certPem: leaf.pem, clamped: leaf.clamped }));
    onProgress?.(++done, requests.length);
  });
  issued.forEach((leaf, i) => {
    const { at, leaf: { entry, holder }, ca } = waiting[i];
    const { keyPem } = pairs[at];
    book.issued({
      serial: leaf.serial, role: entry.role, name: entry.name, cn: holder.cn,
      notBefore: leaf.notBefore.toISOString(), notAfter: leaf.notAfter.toISOString(),
      fingerprint256: leaf.fingerprint256, issuer: ca.facts.fingerprint256, status: "active",
      keyDigest: keyPem ? digest(keyPem) : undefined, specDigest: specDigest(entry.role as "server" | "client", holder),
    });
  });
  return pairs;
}

/** The key a leaf keeps: a device-held one (only its public half, from the CSR) or, without newKey, the stored one. */
function existingKey(plan: EntityPlan, stored: StoredPair, holder: ServerSpec | ClientSpec): KeyMaterial | undefined {
  if ("deviceKey" in holder && holder.deviceKey && stored.csrPem !== undefined) {
    const csr = parseCsr(stored.csrPem);
    return { algorithm: csr.keyAlgorithm, privateKeyPem: "", spkiDer: csr.spkiDer };
  }
  return plan.newKey || stored.keyPem === undefined ? undefined : loadPrivateKey(stored.keyPem);
}

/** Collects planned files and folders (or hands them to a sink); one place that knows the tree's modes. */
class TreeWriter implements FileSink {
  readonly files: PlannedFile[] = [];
  readonly dirs: PlannedDir[] = [];
  readonly removals: string[] = [];
  readonly moves: FolderMove[] = [];
  private readonly sink: FileSink;

  constructor(readonly layout: TreeLayout, sink?: FileSink) {
    this.sink = sink ?? { dir: (dir) => this.dirs.push(dir), file: (file) => this.files.push(file) };
  }

  file(file: PlannedFile): void;
  file(file: string, content: string | (() => string), own: Ownership, isKey?: boolean, unchanged?: boolean): void;
  file(file: string | PlannedFile, content?: string | (() => string), own?: Ownership, isKey = false, unchanged = false): void {
    this.sink.file(typeof file === "string" ? { path: file, content: content!, own: own!, isKey, unchanged } : file);
  }

  dir(dir: PlannedDir): void;
  dir(dir: string, own: Ownership): void;
  dir(dir: string | PlannedDir, own?: Ownership): void {
    this.sink.dir(typeof dir === "string" ? { path: dir, own: own! } : dir);
  }

  /** archive/<group>/<serial>/, with every folder on the way planned (and the folder itself, unless a move will make it). */
  archiveFolder(group: string, serial: string | undefined, make = true): string {
    const folder = path.join(this.layout.archiveDir, group, serial ?? "unreadable");
    this.dir(this.layout.archiveDir, perms.privateDir);
    for (let at = path.dirname(folder); at !== this.layout.archiveDir; at = path.dirname(at)) this.dir(at, perms.privateDir);
    if (make) this.dir(folder, perms.privateDir);
    return folder;
  }

  /** Copies a certificate (and key) into archive/<group>/<serial>/ before they are replaced or removed. */
  archive(group: string, facts: CertFacts | undefined, certPem: string | undefined, keyPem: string | undefined, baseName: string): void {
    const folder = this.archiveFolder(group, facts?.serial);
    // An archive copy is never replaced: after a killed run the tree may hold a new key beside
    // the old certificate, and the copy made first is the one that belongs to that certificate.
    if (certPem !== undefined) this.file({ path: path.join(folder, `${baseName}.crt`), content: certPem, own: perms.publicFile, isKey: false, archive: true });
    if (keyPem !== undefined) this.file({ path: path.join(folder, `${baseName}.key`), content: keyPem, own: perms.privateKey, isKey: true, archive: true });
  }

  /** Keeps every CRL issued as archive/crl/<its highest CRL number>.pem: numbers found there are never used again. */
  archiveCrl(pem: string, number: number): void {
    const folder = path.join(this.layout.archiveDir, "crl");
    this.dir(this.layout.archiveDir, perms.privateDir);
    this.dir(folder, perms.privateDir);
    this.file({ path: path.join(folder, `${number}.pem`), content: pem, own: perms.publicFile, isKey: false, archive: true });
  }
}

/**
 * Makes the keys, certificates and CRLs the plan asks for and renders every text file.
 * The only step with cryptography; it writes nothing.
 */
/** Called as certificates are issued: how many are done out of how many this build issues. */
export type ProgressListener = (done: number, total: number) => void;

export async function materializeTree(spec: Spec, plan: BuildPlan, tree: TreeState, now: Date, brokerGroup: GroupLookup, passphrase: PassphraseSource, onProgress?: ProgressListener, sink?: FileSink): Promise<TreeContent> {
  const out = new TreeWriter(treeLayout(spec.out), sink);
  const { layout } = out;
  const book = new LedgerBook(tree.ledger ?? emptyLedger());
  for (const record of unrecordedCertificates(tree, (fingerprint) => book.has(fingerprint))) book.issued(record);
  const clamped: string[] = [];

  for (const dir of [layout.root, layout.caDir, layout.serversDir, layout.clientsDir, layout.mosquittoDir, layout.confDDir]) {
    out.dir(dir, dir === layout.caDir ? perms.caDir : dir === layout.clientsDir ? perms.privateDir : perms.publicDir);
  }
  // The mark that lets later builds write here (and refuse folders without it).
  out.file(treeMarker(layout.root), TREE_MARKER_TEXT, perms.publicFile);
  const { current, previous } = await prepareCas(spec, plan, tree, now, out, passphrase);
  if (plan.ca.action !== "keep") book.issued(recordOf("ca", "ca", current.facts, current.facts.fingerprint256));

  // Revocations first: who is cut off decides which passwords and ACL lines the client folders get.
  for (const revocation of plan.revocations) book.revoke(revocation.role, revocation.name, revocation.reason, now);
  const trusted: CrlIssuer[] = previous ? [previous, current] : [current];
  const reconciled = reconcileWithCrl(book, tree.crlPem, trusted);
  const notes = [...reconciled.notes];
  if (!tree.ledger && tree.exists) {
    const listed = reconciled.crls.reduce((sum, crl) => sum + crl.entries.length, 0);
    notes.push(`state.json was missing: rebuilt from the certificates in the tree, keeping the ${listed} revocation(s) ca/crl.pem lists`);
  }
  const issuing = new Map(spec.clients.filter((client, i) => plan.clients[i].action === "create" || plan.clients[i].action === "reissue").map((client) => [client.cn, client.name]));
  const { denied, reused } = identityDenials(book.ledger(), now, issuing);
  if (spec.servers.some((server) => server.listeners.some((l) => l.protocol === "websockets"))) notes.push(...reused.map(reusedIdentityWarning));

  const leaves = [
    ...spec.servers.map((holder, index) => ({ entry: plan.servers[index], holder, stored: tree.servers.get(holder.name) ?? {} })),
    ...spec.clients.map((holder, index) => ({ entry: plan.clients[index], holder, stored: tree.clients.get(holder.name) ?? {} as StoredPair, settled: tree.settled?.has(holder.name) })),
  ];
  // Made before anything is issued, so that each client's folder is complete as soon as its pair exists.
  const passwords = clientPasswords(spec, tree, denied);
  const writeClient = clientFolderWriter(spec, plan, tree, out, passwords);
  const pairs = await issuePairs(leaves, { current, previous }, out, book, now, (index, pair) => {
    if (index >= spec.servers.length) writeClient(spec.clients[index - spec.servers.length], pair);
  }, onProgress);
  for (const pair of pairs) if (pair.clamped) clamped.push(pair.label);
  spec.servers.forEach((server, index) => {
    const serverPerms = treePermissions(brokerGroup(server.user));
    const { keyPem, certPem, unchanged } = pairs[index];
    out.dir(layout.serverDir(server.name), serverPerms.serverDir);
    out.file(layout.serverKey(server.name), keyPem, serverPerms.serverKey, true, unchanged);
    out.file(layout.serverCert(server.name), certPem, perms.publicFile, false, unchanged);
  });

  for (const revocation of plan.revocations) {
    if (revocation.removeFolder) {
      // The whole folder moves, the device's and the user's files alike: prune deletes nothing.
      const stored = tree.clients.get(revocation.name) ?? await readStray(layout, revocation.name);
      const folder = out.archiveFolder(`clients/${revocation.name}`, stored.facts?.serial ?? `no-certificate-${now.toISOString().replace(/[:.]/g, "-")}`, false);
      out.moves.push({ from: layout.clientDir(revocation.name), to: folder });
    } else archivePassword(out, tree, revocation.name);
  }

  const crl = await renderCrl({ book, trusted, reconciled, archivedNumber: tree.archivedCrlNumber ?? 0, now, crlDays: spec.ca.crlDays });
  if (crl.renewed) out.archiveCrl(crl.pem, book.crlNumber);
  out.file(layout.crl, crl.pem, perms.publicFile);

  writeAccessFiles({ spec, tree, layout, sink: out, removals: out.removals, brokerGroup, passwords, denied });
  const confOptions = { crlFile: true, aclFile: needsAclFile(spec, denied), bundle: plan.rotating };
  for (const server of spec.servers) out.file(layout.serverConfD(server.name), renderConfD(spec, server, confOptions), perms.publicFile);
  out.file(layout.mosquittoConf, renderMosquittoConf(spec, confOptions), perms.publicFile);
  const ledger = book.ledger();
  out.file(layout.state, serializeLedger(ledger), perms.publicFile);
  const reloadFiles = [layout.crl, layout.passwdFile, layout.aclFile];
  return { dirs: out.dirs, files: out.files, removals: out.removals, moves: out.moves, clamped, ledger, notes, reloadFiles, seen: tree.seen, absentDirs: tree.absentDirs };
}

/** A client's folder: its key (or CSR), its certificate and its ready-to-run scripts. Settled clients are left alone. */
function clientFolderWriter(spec: Spec, plan: BuildPlan, tree: TreeState, out: TreeWriter, passwords: Map<string, string>): (client: ClientSpec, pair: LeafPair) => void {
  const { layout } = out;
  const shapes = new ShapeRenderer(JSON.stringify({ ...spec, clients: undefined, rotating: plan.rotating }));
  return (client, { keyPem, certPem, unchanged }) => {
    if (tree.settled?.has(client.name)) return;
    out.dir(layout.clientDir(client.name), perms.privateDir);
    if (client.deviceKey) {
      // As read from the tree, or handed in by `sign` (then it is written with the certificate).
      const csrPem = tree.clients.get(client.name)!.csrPem!;
      out.file(layout.clientCsr(client.name), csrPem, perms.publicFile, false, tree.seen?.get(layout.clientCsr(client.name))?.content.toString() === csrPem);
    }
    else out.file(layout.clientKey(client.name), keyPem, perms.privateKey, true, unchanged);
    out.file(layout.clientCert(client.name), certPem, perms.publicFile, false, unchanged);
    const password = passwords.get(client.name);
    // A password is the client's own: those scripts are rendered one by one.
    const render = (kind: string, text: (client: ClientSpec) => string) => () => (password === undefined ? shapes.render(kind, client, text) : text(client));
    out.file(layout.clientCommands(client.name), render("commands", (c) => renderClientCommands(spec, c, plan.rotating, password)), perms.script);
    out.file(layout.clientMqttJs(client.name), render("mqttjs", (c) => renderMqttJsSnippet(spec, c, plan.rotating, password)), perms.script);
    out.file(layout.clientPaho(client.name), render("paho", (c) => renderPahoSnippet(spec, c, plan.rotating, password)), perms.script);
  };
}

/**
 * A revoked client's password leaves its folder for the archive (it went with the device): the
 * password file no longer has its line, and a fresh certificate later comes with a new password.
 */
function archivePassword(out: TreeWriter, tree: TreeState, name: string): void {
  const password = tree.passwords?.get(name);
  if (password === undefined) return;
  const folder = out.archiveFolder(`clients/${name}`, tree.clients.get(name)?.facts?.serial);
  out.file({ path: path.join(folder, "password"), content: `${password}\n`, own: perms.privateKey, isKey: true, archive: true });
  out.removals.push(out.layout.clientPassword(name));
}

function readStray(layout: TreeLayout, name: string): Promise<StoredPair> {
  return readPair(layout.clientCert(name), layout.clientKey(name));
}

/** The signing CA and, during a rotation, the retiring one; writes the CA files and the trust bundle. */
async function prepareCas(spec: Spec, plan: BuildPlan, tree: TreeState, now: Date, out: TreeWriter, passphrase: PassphraseSource): Promise<{ current: LoadedCa; previous?: LoadedCa }> {
  const { layout } = out;
  let current: LoadedCa;
  let replaces: string | undefined;
  if (plan.ca.action === "keep") {
    current = loadCa(tree.ca.certPem!, tree.ca.keyPem!, passphrase);
    if (spec.ca.encryptKey && !isEncryptedPem(current.keyPem)) {
      // Same key, now encrypted: the only change the CA key guard lets through besides `rotate ca`.
      replaces = current.keyPem;
      current = loadCa(current.pem, encryptPrivateKey(current.keyPem, await passphrase("new")), passphrase, current.keyPem);
    }
  } else {
    const key = plan.ca.newKey ? await generateKey(spec.ca.key) : await decryptCaKey(tree.ca.keyPem!, passphrase);
    const signer = await softwareSigner(key.privateKeyPem, key.algorithm);
    const issued = await issueCaCert(signer, spec.ca, key.spkiDer, now);
    const stored = plan.ca.newKey ? (spec.ca.encryptKey ? encryptPrivateKey(key.privateKeyPem, await passphrase("new")) : key.privateKeyPem) : tree.ca.keyPem!;
    current = loadCa(issued.pem, stored, passphrase, key.privateKeyPem);
  }

  let previous: LoadedCa | undefined;
  if (plan.caRotation === "start") previous = loadCa(tree.ca.certPem!, tree.ca.keyPem!, passphrase);
  else if (plan.rotating) previous = loadCa(tree.previousCa.certPem!, tree.previousCa.keyPem!, passphrase);

  out.dir(layout.caDir, perms.caDir);
  if (previous) {
    // The old CA's key is written to its new place before ca.key is replaced (keys go first, in order).
    out.dir(path.dirname(layout.previousCaCert), perms.caDir);
    out.file(layout.previousCaKey, previous.keyPem, perms.caKey, true);
    out.file(layout.previousCaCert, previous.pem, perms.publicFile);
    out.file(layout.caBundle, previous.pem + current.pem, perms.publicFile);
  }
  if (plan.caRotation === "finish") {
    out.archive("ca", tree.previousCa.facts, tree.previousCa.certPem, tree.previousCa.keyPem, "ca");
    out.removals.push(layout.previousCaKey, layout.previousCaCert, path.dirname(layout.previousCaCert), layout.caBundle);
  }
  out.file({ path: layout.caKey, content: current.keyPem, own: perms.caKey, isKey: true, ...(plan.caRotation !== "start" && { mustNotReplace: true, replaces }) });
  out.file(layout.caCert, current.pem, perms.publicFile);
  refuseExpiredCa(current, now);
  return { current, previous };
}

/** Certificates from an expired CA are useless and hide the real problem: say so instead. */
function refuseExpiredCa(ca: LoadedCa, now: Date): void {
  if (ca.facts.notAfter.getTime() > now.getTime()) return;
  throw new PkiError(`the CA expired on ${ca.facts.notAfter.toISOString().slice(0, 10)}; nothing was issued`, {
    hint: "start a CA rotation with `mqtt-pki rotate ca` (every device will need the new CA), or restore a valid CA",
  });
}
