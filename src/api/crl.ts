import path from "node:path";
import { DAY_MS, writingTime } from "../clock.js";
import { TreeError } from "../errors.js";
import { readCrls } from "../crypto/crlFile.js";
import { acquireTreeLock } from "../io/lock.js";
import { defaultPassphrase, type PassphraseSource } from "../io/passphrase.js";
import { loadSpecFile } from "../spec/load.js";
import { emptyLedger, LedgerBook } from "../state/ledger.js";
import { serializeLedger } from "../state/ledgerFormat.js";
import { ledgerFromTree } from "../tree/ledgerFromTree.js";
import { treeLayout } from "../tree/layout.js";
import { checkOutFolder } from "../tree/outFolder.js";
import { treePermissions } from "../tree/permissions.js";
import { readTree } from "../tree/read.js";
import { finishInterrupted, recoveryNote } from "../build/recovery.js";
import type { ReloadAdvice } from "./build.js";
import type { PlannedDir, PlannedFile } from "../build/plannedFiles.js";
import type { Spec } from "../spec/types.js";

export interface CrlOptions {
  specFile?: string;
  now?: Date | string;
  /** Renew even when the CRL is not due yet. */
  force?: boolean;
  /** Let `now` lie ahead of the real clock (refused otherwise: a CRL from the future locks every client out). */
  issueInTheFuture?: boolean;
  passphrase?: PassphraseSource;
}

export interface CrlReport {
  spec: Spec;
  /** False when the CRL on disk was still good and nothing was written. */
  renewed: boolean;
  /** The earliest nextUpdate of the CRLs now on disk, and how many days are left until then. */
  nextUpdate: string;
  daysLeft: number;
  /** How many serials the CRLs list. */
  revoked: number;
  notes: string[];
  written: string[];
  reload?: ReloadAdvice;
}

/**
 * Renews the tree's CRL when it is due (half its life gone), or at once with `force`, and
 * touches nothing else: for cron, so that the broker's CRL never lapses. Builds, rotations and
 * revocations renew it too, whenever they run.
 */
export async function renewCrl(options: CrlOptions = {}): Promise<CrlReport> {
  const now = writingTime(options.now, options.issueInTheFuture);
  let { spec } = await loadSpecFile(options.specFile);
  await checkOutFolder(spec);
  const layout = treeLayout(spec.out);
  const release = await acquireTreeLock(spec.out);
  try {
    const recovery = await finishInterrupted(spec.out, spec.file);
    if (recovery.placed.includes(spec.file)) ({ spec } = await loadSpecFile(options.specFile));
    // Only the CAs, the ledger and the CRL are needed: no client is read.
    const tree = await readTree({ ...spec, servers: [], clients: [] });
    if (!tree.ca.certPem || !tree.ca.keyPem)
      throw new TreeError(`there is no CA in ${layout.caDir} to sign a CRL with`, {
        hint: "run `mqtt-pki build` first",
      });
    const [{ loadCa }, { reconcileWithCrl, renderCrl }, { writeTree }] = await Promise.all([
      import("../build/loadedCa.js"),
      import("../build/crlArtifact.js"),
      import("../build/writeTree.js"),
    ]);
    const passphrase = options.passphrase ?? defaultPassphrase;
    const current = loadCa(tree.ca.certPem, tree.ca.keyPem, passphrase);
    const trusted =
      tree.previousCa.certPem && tree.previousCa.keyPem
        ? [loadCa(tree.previousCa.certPem, tree.previousCa.keyPem, passphrase), current]
        : [current];
    const book = new LedgerBook(tree.ledger ?? (tree.exists ? ledgerFromTree(tree) : emptyLedger()));
    const reconciled = reconcileWithCrl(book, tree.crlPem, trusted);
    const crl = await renderCrl({
      book,
      trusted,
      reconciled,
      archivedNumber: tree.archivedCrlNumber ?? 0,
      now,
      crlDays: spec.ca.crlDays,
      force: options.force,
    });
    const perms = treePermissions(undefined);
    const files: PlannedFile[] = [{ path: layout.crl, content: crl.pem, own: perms.publicFile, isKey: false }];
    const dirs: PlannedDir[] = [];
    if (crl.renewed) {
      // Every CRL issued is kept: its number is never used again, even if state.json and crl.pem are both lost.
      dirs.push(
        { path: layout.archiveDir, own: perms.privateDir },
        { path: path.join(layout.archiveDir, "crl"), own: perms.privateDir },
      );
      files.push({
        path: path.join(layout.archiveDir, "crl", `${book.crlNumber}.pem`),
        content: crl.pem,
        own: perms.publicFile,
        isKey: false,
        archive: true,
      });
    }
    if (crl.renewed || reconciled.notes.length > 0)
      files.push({ path: layout.state, content: serializeLedger(book.ledger()), own: perms.publicFile, isKey: false });
    const written = await writeTree(spec.out, { dirs, files, removals: [], onDisk: tree.files });
    const notes = [recoveryNote(recovery), ...reconciled.notes].filter((note): note is string => note !== undefined);
    if (reconciled.notes.length > 0)
      notes.push("run `mqtt-pki build` so the ACL and the password file follow the revocations put back");
    const conf = tree.files.before(layout.mosquittoConf)?.content.toString();
    if (conf !== undefined && !/^crlfile /m.test(conf))
      notes.push(
        "mosquitto.conf names no crlfile yet, so the broker does not read this CRL: run `mqtt-pki build`, then restart mosquitto once",
      );
    const lists = readCrls(crl.pem);
    const next = Math.min(...lists.map((c) => c.nextUpdate?.getTime() ?? now.getTime()));
    return {
      spec,
      renewed: crl.renewed,
      nextUpdate: new Date(next).toISOString(),
      daysLeft: Math.floor((next - now.getTime()) / DAY_MS),
      revoked: lists.reduce((sum, c) => sum + c.entries.length, 0),
      notes,
      written,
      reload: written.includes(layout.crl) ? { changed: [layout.crl], restart: false } : undefined,
    };
  } finally {
    await release();
  }
}
