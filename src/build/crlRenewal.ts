import { DAY_MS } from "../clock.js";
import { readCrls } from "../crypto/crlFile.js";
import { TreeError } from "../errors.js";
import { acquireTreeLock } from "../io/lock.js";
import type { PassphraseSource } from "../io/passphrase.js";
import { loadSpecFile } from "../spec/load.js";
import type { Spec } from "../spec/types.js";
import { emptyLedger, LedgerBook } from "../state/ledger.js";
import { serializeLedger } from "../state/ledgerFormat.js";
import { treeLayout, type TreeLayout } from "../tree/layout.js";
import { ledgerFromTree } from "../tree/ledgerFromTree.js";
import { checkOutFolder } from "../tree/outFolder.js";
import { readTree, type TreeState } from "../tree/read.js";
import type { CrlIssuer, CrlOutcome, CrlReconciliation } from "./crlArtifact.js";
import { finishInterrupted, recoveryNote, type Recovery } from "./recovery.js";
import type { ReloadAdvice } from "./result.js";
import { perms, TreeWriter } from "./treeWriter.js";

/**
 * `mqtt-pki crl`: the tree's CRL renewed when it is due (half its life gone), or at once when
 * forced, and nothing else written but its archive copy and the ledger: for cron, so that
 * the broker's CRL never lapses. Builds, rotations and revocations renew it too, whenever they run.
 */

export interface CrlRenewalRequest {
  specFile?: string;
  /** The time the CRL is issued at, already checked not to lie ahead of the clock. */
  now: Date;
  /** Renew even when the CRL is not due yet. */
  force?: boolean;
  passphrase: PassphraseSource;
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

/** Under the tree's lock, after finishing what a killed run left, as every writing command does. */
export async function renewTreeCrl(request: CrlRenewalRequest): Promise<CrlReport> {
  let { spec } = await loadSpecFile(request.specFile);
  await checkOutFolder(spec);
  const release = await acquireTreeLock(spec.out);
  try {
    const recovery = await finishInterrupted(spec.out, spec.file);
    if (recovery.placed.includes(spec.file)) ({ spec } = await loadSpecFile(request.specFile));
    return await renewUnderLock({ ...request, spec, recovery });
  } finally {
    await release();
  }
}

interface LockedRenewal extends CrlRenewalRequest {
  spec: Spec;
  recovery: Recovery;
}

async function renewUnderLock(renewal: LockedRenewal): Promise<CrlReport> {
  const { spec, now } = renewal;
  const layout = treeLayout(spec.out);
  // Only the CAs, the ledger and the CRL are needed: no client is read.
  const tree = await readTree({ ...spec, servers: [], clients: [] });
  const trusted = await signingCas({ tree, layout, passphrase: renewal.passphrase });
  // Loaded once there is a CA to sign with (as converge loads the engine): a refusal answers without them.
  const [{ reconcileWithCrl, renderCrl }, { writeTree }] = await Promise.all([
    import("./crlArtifact.js"),
    import("./writeTree.js"),
  ]);
  const book = new LedgerBook(tree.ledger ?? (tree.exists ? ledgerFromTree(tree) : emptyLedger()));
  const reconciled = reconcileWithCrl(book, tree.crlPem, trusted);
  const crl = await renderCrl({
    book,
    trusted,
    reconciled,
    archivedNumber: tree.archivedCrlNumber ?? 0,
    now,
    crlDays: spec.ca.crlDays,
    force: renewal.force,
  });
  const { dirs, files } = plannedFiles({ layout, crl, book, reconciled });
  const written = await writeTree(spec.out, { dirs, files, removals: [], onDisk: tree.files });
  return {
    spec,
    renewed: crl.renewed,
    ...crlSummary(crl.pem, now),
    notes: renewalNotes({ recovery: renewal.recovery, reconciled, tree, layout }),
    written,
    reload: written.includes(layout.crl) ? { changed: [layout.crl], restart: false } : undefined,
  };
}

/** When the earliest of the tree's CRLs must be replaced, and how many serials they list. */
function crlSummary(pem: string, now: Date): Pick<CrlReport, "nextUpdate" | "daysLeft" | "revoked"> {
  const lists = readCrls(pem);
  const next = Math.min(...lists.map((c) => c.nextUpdate?.getTime() ?? now.getTime()));
  return {
    nextUpdate: new Date(next).toISOString(),
    daysLeft: Math.floor((next - now.getTime()) / DAY_MS),
    revoked: lists.reduce((sum, c) => sum + c.entries.length, 0),
  };
}

interface TreeCas {
  tree: TreeState;
  layout: TreeLayout;
  passphrase: PassphraseSource;
}

/** The CA, and the previous one during a CA rotation: each signs the CRL of the certificates it issued. */
async function signingCas({ tree, layout, passphrase }: TreeCas): Promise<CrlIssuer[]> {
  const { certPem, keyPem } = tree.ca;
  if (!certPem || !keyPem)
    throw new TreeError(`there is no CA in ${layout.caDir} to sign a CRL with`, {
      hint: "run `mqtt-pki build` first",
    });
  const { loadCa } = await import("./loadedCa.js");
  const current = loadCa(certPem, keyPem, passphrase);
  const previous = tree.previousCa;
  if (!previous.certPem || !previous.keyPem) return [current];
  return [loadCa(previous.certPem, previous.keyPem, passphrase), current];
}

interface RenewedCrl {
  layout: TreeLayout;
  crl: CrlOutcome;
  book: LedgerBook;
  reconciled: CrlReconciliation;
}

/** ca/crl.pem, its archive copy when it is new, and state.json when the CRL number moved or revocations came back. */
function plannedFiles({ layout, crl, book, reconciled }: RenewedCrl): TreeWriter {
  const out = new TreeWriter(layout);
  out.file(layout.crl, crl.pem, perms.publicFile);
  if (crl.renewed) out.archiveCrl(crl.pem, book.crlNumber);
  if (crl.renewed || reconciled.notes.length > 0)
    out.file(layout.state, serializeLedger(book.ledger()), perms.publicFile);
  return out;
}

interface NoteSources {
  recovery: Recovery;
  reconciled: CrlReconciliation;
  tree: TreeState;
  layout: TreeLayout;
}

/** What the user must know or do next: a finished interrupted run, revocations put back, a conf without crlfile. */
function renewalNotes({ recovery, reconciled, tree, layout }: NoteSources): string[] {
  const notes = [recoveryNote(recovery), ...reconciled.notes].filter((note): note is string => note !== undefined);
  if (reconciled.notes.length > 0)
    notes.push("run `mqtt-pki build` so the ACL and the password file follow the revocations put back");
  const conf = tree.files.before(layout.mosquittoConf)?.content.toString();
  if (conf !== undefined && !/^crlfile /m.test(conf))
    notes.push(
      "mosquitto.conf names no crlfile yet, so the broker does not read this CRL: run `mqtt-pki build`, then restart mosquitto once",
    );
  return notes;
}
