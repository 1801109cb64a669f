import { emptyLedger, LedgerBook, recordOf, type Ledger } from "../state/ledger.js";
import { ledgerPieces, serializeLedger } from "../state/ledgerFormat.js";
import { identityDenials, reusedIdentityWarning } from "../state/revokedIdentities.js";
import { renderConfD, renderMosquittoConf } from "../render/conf.js";
import { needsAclFile } from "../render/access.js";
import type { BuildPlan } from "../plan/planBuild.js";
import { unrecordedCertificates } from "../tree/ledgerFromTree.js";
import { treePermissions } from "../tree/permissions.js";
import { TREE_MARKER_TEXT, treeMarker } from "../tree/outFolder.js";
import type { StoredPair, TreeState } from "../tree/read.js";
import type { WritingContext } from "./context.js";
import { existsSync } from "node:fs";
import { inPlaceWith } from "../io/files.js";
import { clientPasswords, writeAccessFiles, type GroupLookup } from "./accessArtifact.js";
import { prepareCas } from "./caArtifact.js";
import { archivePassword, clientFolderWriter, readStray } from "./clientFolder.js";
import { reconcileWithCrl, renderCrl, type CrlIssuer } from "./crlArtifact.js";
import { issuePairs, type LeafPair, type ProgressListener } from "./leafArtifact.js";
import type { FileSink, PlannedDir, PlannedFile, WriteSet } from "./plannedFiles.js";
import { perms, TreeWriter } from "./treeWriter.js";

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

export type { GroupLookup, ProgressListener };

/** What materializing a build needs: the run's context, the plan, the tree as read, and the broker's group. */
export interface MaterializeRun {
  context: WritingContext;
  plan: BuildPlan;
  tree: TreeState;
  brokerGroup: GroupLookup;
  /** Where planned files go as they are made (a first build's staging folder); by default they are collected. */
  sink?: FileSink;
}

/**
 * Makes the keys, certificates and CRLs the plan asks for and renders every text file.
 * The only step with cryptography; it writes nothing.
 */
export async function materializeTree(run: MaterializeRun): Promise<TreeContent> {
  const { plan, tree, brokerGroup, sink } = run;
  const { spec, now, passphrase, onProgress } = run.context;
  const out = new TreeWriter(run.context.layout, sink);
  const { layout } = out;
  const book = new LedgerBook(tree.ledger ?? emptyLedger());
  for (const record of unrecordedCertificates(tree, (fingerprint) => book.has(fingerprint))) book.issued(record);
  const clamped: string[] = [];

  for (const dir of [
    layout.root,
    layout.caDir,
    layout.serversDir,
    layout.clientsDir,
    layout.mosquittoDir,
    layout.confDDir,
  ]) {
    out.dir(dir, dir === layout.caDir ? perms.caDir : dir === layout.clientsDir ? perms.privateDir : perms.publicDir);
  }
  // The mark that lets later builds write here (and refuse folders without it).
  out.file(treeMarker(layout.root), TREE_MARKER_TEXT, perms.publicFile);
  const { current, previous } = await prepareCas({ spec, plan, tree, now, out, passphrase });
  if (plan.ca.action !== "keep") book.issued(recordOf("ca", "ca", current.facts, current.facts.fingerprint256));

  // Revocations first: who is cut off decides which passwords and ACL lines the client folders get.
  for (const revocation of plan.revocations) book.revoke(revocation.role, revocation.name, revocation.reason, now);
  const trusted: CrlIssuer[] = previous ? [previous, current] : [current];
  const reconciled = reconcileWithCrl(book, tree.crlPem, trusted);
  const notes = [...reconciled.notes];
  if (!tree.ledger && tree.exists) {
    const listed = reconciled.crls.reduce((sum, crl) => sum + crl.entries.length, 0);
    notes.push(
      `state.json was missing: rebuilt from the certificates in the tree, keeping the ${listed} revocation(s) ca/crl.pem lists`,
    );
  }
  const issuing = new Map(
    spec.clients
      .filter((client, i) => plan.clients[i].action === "create" || plan.clients[i].action === "reissue")
      .map((client) => [client.cn, client.name]),
  );
  const { denied, reused } = identityDenials(book.ledger(), now, issuing);
  if (spec.servers.some((server) => server.listeners.some((l) => l.protocol === "websockets")))
    notes.push(...reused.map(reusedIdentityWarning));

  const leaves = [
    ...spec.servers.map((holder, index) => ({
      entry: plan.servers[index],
      holder,
      stored: tree.servers.get(holder.name) ?? {},
    })),
    ...spec.clients.map((holder, index) => ({
      entry: plan.clients[index],
      holder,
      stored: tree.clients.get(holder.name) ?? ({} as StoredPair),
      settled: tree.clients.get(holder.name)?.untouched,
    })),
  ];
  // Made before anything is issued, so that each client's folder is complete as soon as its pair exists.
  const passwords = clientPasswords(spec, tree, denied);
  const writeClient = clientFolderWriter(spec, plan, tree, out, passwords);
  const onPair = (index: number, pair: LeafPair) => {
    if (index < spec.servers.length) return;
    const client = spec.clients[index - spec.servers.length];
    writeClient(client, pair);
    // An exported bundle beside the renewed certificate still holds the previous one.
    if (!pair.unchanged && tree.exists && existsSync(layout.clientP12(client.name)))
      notes.push(
        `clients/${client.name}/client.p12 still holds the previous certificate: run \`mqtt-pki export ${client.name} --p12\` again before handing it out`,
      );
  };
  const keepText = (index: number) => index < spec.servers.length;
  const pairs = await issuePairs({ leaves, cas: { current, previous }, out, book, now, onPair, onProgress, keepText });
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
      const stored = tree.clients.get(revocation.name) ?? readStray(layout, revocation.name);
      const folder = out.archiveFolder(
        `clients/${revocation.name}`,
        stored.facts?.serial ?? `no-certificate-${now.toISOString().replace(/[:.]/g, "-")}`,
        false,
      );
      out.moves.push({ from: layout.clientDir(revocation.name), to: folder });
    } else archivePassword(out, tree, revocation.name);
  }

  const crl = await renderCrl({
    book,
    trusted,
    reconciled,
    archivedNumber: tree.archivedCrlNumber ?? 0,
    now,
    crlDays: spec.ca.crlDays,
  });
  if (crl.renewed) out.archiveCrl(crl.pem, book.crlNumber);
  out.file(layout.crl, crl.pem, perms.publicFile);

  writeAccessFiles({ spec, tree, layout, sink: out, removals: out.removals, brokerGroup, passwords, denied });
  const confOptions = { crlFile: true, aclFile: needsAclFile(spec, denied), bundle: plan.rotating };
  for (const server of spec.servers)
    out.file(layout.serverConfD(server.name), renderConfD(spec, server, confOptions), perms.publicFile);
  out.file(layout.mosquittoConf, renderMosquittoConf(spec, confOptions), perms.publicFile);
  const ledger = book.ledger();
  // A fleet's ledger is 100,000 lines: one that nothing changed, and that is in place, is not written out again.
  if (book.modified) {
    // Known to differ: written in pieces, never compared (a fleet's ledger is 58 MB).
    out.file({
      path: layout.state,
      content: () => ledgerPieces(ledger),
      own: perms.publicFile,
      isKey: false,
      changed: true,
    });
  } else if (!tree.ledger || !inPlaceWith(layout.state, perms.publicFile))
    out.file(layout.state, serializeLedger(ledger), perms.publicFile);
  const reloadFiles = [layout.crl, layout.passwdFile, layout.aclFile];
  return {
    dirs: out.dirs,
    files: out.files,
    removals: out.removals,
    moves: out.moves,
    clamped,
    ledger,
    notes,
    reloadFiles,
    onDisk: tree.files,
  };
}
