import { parseCsr } from "../crypto/csr.js";
import { fingerprintOf } from "../crypto/hash.js";
import { fromPem } from "../crypto/pem.js";
import { streamLeaves, type IssuedLeafWithKey, type LeafRequest } from "../crypto/issue.js";
import { loadPrivateKey, type KeyMaterial } from "../crypto/keys.js";
import { specDigest } from "../plan/specDigest.js";
import { digest, type IssuedRecord, type LedgerBook } from "../state/ledger.js";
import type { EntityPlan } from "../plan/planBuild.js";
import type { StoredPair } from "../tree/read.js";
import type { ClientSpec, ServerSpec } from "../spec/types.js";
import type { LoadedCa } from "./loadedCa.js";
import type { TreeWriter } from "./treeWriter.js";

export interface LeafEntry {
  entry: EntityPlan;
  holder: ServerSpec | ClientSpec;
  stored: StoredPair;
  /** The stamp index vouches for its files: nothing of it is planned. */
  settled?: boolean;
}

export interface LeafPair {
  keyPem: string;
  certPem: string;
  unchanged: boolean;
  clamped?: boolean;
  label: string;
}

/** Hears of each leaf's pair once it is final (kept ones first, issued ones as they arrive). */
export type PairListener = (index: number, pair: LeafPair) => void;

/** Called as certificates are issued: how many are done out of how many this build issues. */
export type ProgressListener = (done: number, total: number) => void;

/** What issuing a build's leaves needs: the leaves in order, the CAs, where archive copies go, the ledger, and who hears of each pair. */
export interface LeafRun {
  leaves: LeafEntry[];
  cas: { current: LoadedCa; previous?: LoadedCa };
  out: TreeWriter;
  book: LedgerBook;
  now: Date;
  onPair: PairListener;
  onProgress?: ProgressListener;
  /** Whether the caller needs a leaf's key and certificate text after onPair (the servers'); the rest are let go. */
  keepText?: (index: number) => boolean;
}

/**
 * Key and certificate text for every leaf, in order: kept ones straight from disk, the rest
 * issued in one go (keys made on every core). Records each issue in the ledger, in order.
 */
export async function issuePairs(run: LeafRun): Promise<LeafPair[]> {
  const { leaves, cas, out, book, now, onPair, onProgress } = run;
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
      if (
        entry.action === "keep" &&
        entry.reasons.length === 0 &&
        stored.certPem !== undefined &&
        stored.keyPem !== undefined
      ) {
        book.annotate(fingerprintOf(fromPem(stored.certPem)), {
          keyDigest: digest(stored.keyPem),
          specDigest: specDigest(entry.role as "server" | "client", holder),
        });
      }
      onPair(
        pairs.push({ keyPem: stored.keyPem ?? "", certPem: stored.certPem ?? "", unchanged: true, label }) - 1,
        pairs[pairs.length - 1],
      );
      continue;
    }
    if (entry.archive && stored.certPem !== undefined)
      out.archive(
        `${entry.role}s/${entry.name}`,
        stored.facts,
        stored.certPem,
        entry.newKey ? stored.keyPem : undefined,
        entry.role,
      );
    const ca = entry.issuer === "previous" && cas.previous ? cas.previous : cas.current;
    const key = existingKey(entry, stored, holder);
    waiting.push({ at: pairs.length, leaf, ca, keyPem: key?.privateKeyPem });
    requests.push({ ca: await ca.unlock(), role: entry.role as "server" | "client", holder, spkiDer: key?.spkiDer });
    pairs.push({ keyPem: "", certPem: "", unchanged: false, label });
  }
  let done = 0;
  const inOrder = new InOrder(book);
  await streamLeaves(requests, now, (i, leaf) => {
    const { at } = waiting[i];
    const pair = Object.assign(pairs[at], {
      keyPem: leaf.keyPem ?? waiting[i].keyPem ?? "",
      certPem: leaf.pem,
      clamped: leaf.clamped,
    });
    inOrder.record(i, recordOfIssued(waiting[i], leaf, pair.keyPem));
    onPair(at, pair);
    // Written out by onPair: a fleet's texts are not held to the end of the build.
    if (run.keepText && !run.keepText(at)) pair.keyPem = pair.certPem = "";
    onProgress?.(++done, requests.length);
  });
  return pairs;
}

/** The ledger record of a newly issued leaf. */
function recordOfIssued(
  waiting: { leaf: LeafEntry; ca: LoadedCa },
  leaf: IssuedLeafWithKey,
  keyPem: string,
): IssuedRecord {
  const { entry, holder } = waiting.leaf;
  return {
    serial: leaf.serial,
    role: entry.role,
    name: entry.name,
    cn: holder.cn,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    fingerprint256: leaf.fingerprint256,
    issuer: waiting.ca.facts.fingerprint256,
    status: "active",
    keyDigest: keyPem ? digest(keyPem) : undefined,
    specDigest: specDigest(entry.role as "server" | "client", holder),
  };
}

/** Records leaves in the ledger in the order they were asked for, though they are made in any order (on every core). */
class InOrder {
  private readonly waiting = new Map<number, IssuedRecord>();
  private next = 0;

  constructor(private readonly book: LedgerBook) {}

  record(index: number, record: IssuedRecord): void {
    this.waiting.set(index, record);
    for (let ready = this.waiting.get(this.next); ready; ready = this.waiting.get(this.next)) {
      this.waiting.delete(this.next++);
      this.book.issued(ready);
    }
  }
}

/** The key a leaf keeps: a device-held one (only its public half, from the CSR) or, without newKey, the stored one. */
function existingKey(plan: EntityPlan, stored: StoredPair, holder: ServerSpec | ClientSpec): KeyMaterial | undefined {
  if ("deviceKey" in holder && holder.deviceKey && stored.csrPem !== undefined) {
    const csr = parseCsr(stored.csrPem);
    return { algorithm: csr.keyAlgorithm, privateKeyPem: "", spkiDer: csr.spkiDer };
  }
  return plan.newKey || stored.keyPem === undefined ? undefined : loadPrivateKey(stored.keyPem);
}
