import { FileMemory } from "./fileMemory.js";
import type { TreeLayout } from "./layout.js";
import {
  readStampIndex,
  settledClients,
  stampClients,
  writeStampIndex,
  type StampIndex,
  type StampRun,
  type StatOf,
} from "./stamps.js";
import type { Ledger } from "../state/ledger.js";
import type { Spec } from "../spec/types.js";

/** What settling looks at once the head of the tree is read: its CAs and the ledger. */
export interface TreeHead {
  ca: { facts?: { fingerprint256: string } };
  previousCa: { certPem?: string; facts?: { fingerprint256: string } };
  ledger?: Ledger;
}

/** Names the clients whose files need not be read (the stamp index's verdict). */
export type Settle = (head: TreeHead) => ReadonlySet<string>;

/** What settling needs beyond the index: the time, the code that renders files, and the clients to read whatever their stamps say. */
export interface SettleOptions {
  now: Date;
  /** The digest of the code that renders client files (render/fingerprint.ts). */
  renderer: string;
  exclude: ReadonlySet<string>;
}

/**
 * The one seam behind which a run's knowledge of the tree is cached: the stamp index (which
 * clients are as the last build left them) and the files read while planning. Reading the
 * tree asks it which clients it may skip; the writer asks it what a file holds; after the
 * write it stamps the clients anew. Nothing outside src/tree knows how: planning sees clients
 * marked `untouched`, the writer sees `TreeFiles`. (Comparing the stamps in a worker thread
 * while the spec and ledger are read did not pay: 8% slower at 100,000 clients on tmpfs.)
 */
export class TreeCache {
  readonly files = new FileMemory();
  private trusted = false;
  private settled: ReadonlySet<string> = new Set();
  private next?: StampIndex;

  private constructor(
    private readonly layout: TreeLayout,
    private readonly stored: { index?: StampIndex; digest?: string },
  ) {}

  /** Reads the tree's stamp index (none, or an unreadable one, just means every client is read). */
  static open(layout: TreeLayout): TreeCache {
    return new TreeCache(layout, readStampIndex(layout.stamps));
  }

  /** Takes the index's word for every client's files without comparing their stamps (`status`; `verify` reads all). */
  trustIndex(): void {
    this.trusted = true;
  }

  /** The settle step of reading the tree, or undefined when there is no index to settle with. */
  settler(spec: Spec, options: SettleOptions): Settle | undefined {
    const index = this.stored.index;
    if (!index) return undefined;
    return ({ ca, previousCa, ledger }) => {
      const rotating = previousCa.certPem !== undefined;
      const acceptedCas = [ca.facts?.fingerprint256, rotating ? previousCa.facts?.fingerprint256 : undefined].filter(
        (fp): fp is string => fp !== undefined,
      );
      this.settled = settledClients(
        index,
        spec,
        this.layout,
        { rotating, renderer: options.renderer, acceptedCas, ledger, now: options.now, exclude: options.exclude },
        this.trusted,
      );
      return this.settled;
    };
  }

  /**
   * After a write: stamps the clients written anew (settled ones keep their entries). A first
   * build stamps its files in the staging folder, before it is renamed into place (`statOf`).
   */
  async stamp(run: StampRun, statOf?: StatOf): Promise<void> {
    this.next = await stampClients(run, this.stored.index, this.settled, statOf);
  }

  /** Stores the index stamped last, when it differs from the one read (a no-op rebuild writes nothing). */
  async store(): Promise<void> {
    if (this.next) await writeStampIndex(this.layout.stamps, this.next, this.stored.digest);
  }
}
