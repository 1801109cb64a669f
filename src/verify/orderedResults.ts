import { cnClash } from "./checkCertificates.js";
import { withoutPasses, type ClientResults, type TreeResults } from "./runChecks.js";
import type { CheckResult } from "./result.js";
import type { ClientSpec } from "../spec/types.js";

export interface CheckCounts {
  pass: number;
  warn: number;
  fail: number;
}

/** Where verify's results go, in the order it reports them. */
export interface CheckSink {
  /** Whether passed checks are wanted one by one; when not, they are only counted (and may not arrive). */
  wantsPasses(): boolean;
  check(result: CheckResult): void;
}

/** The phases that come after every client's certificate results: a batch's results there wait for the end. */
const LATER_PHASES = ["commands", "passwords", "acl"] as const;

/**
 * Puts the results of a fleet checked in batches (here and in other processes, finished in any
 * order) into the order one pass over the whole tree gives: per phase, the tree-wide results,
 * then each client's in spec order. The certificate results of a batch go to the sink as soon
 * as the batches before it are in; the other phases' are held until the last batch, without
 * their passes when the sink counts those only. A client CN that an earlier client, a server or
 * the CA has is flagged here, where the earlier ones are known.
 */
export class OrderedResults {
  readonly counts: CheckCounts = { pass: 0, warn: 0, fail: 0 };
  private readonly waiting = new Map<number, { clients: ClientSpec[]; batch: ClientResults }>();
  private readonly held: Record<(typeof LATER_PHASES)[number], CheckResult[][]> = {
    commands: [],
    passwords: [],
    acl: [],
  };
  /** The client that last took each CN (lower-cased), by name; the tree's owners are consulted after these. */
  private readonly clientOwners = new Map<string, string>();
  private next = 0;
  private tree?: TreeResults;

  constructor(private readonly sink: CheckSink) {}

  /** The tree-wide results: they come first, so batch 0 (and with it every other) is placed only after these. */
  begin(tree: TreeResults): void {
    this.tree = tree;
    this.emit(tree.results.certificates);
  }

  /** The results of batch `index` (of `clients`), in whatever order batches finish. */
  add(index: number, clients: ClientSpec[], batch: ClientResults): void {
    if (index === 0 && !this.tree) throw new Error("verify: a batch of clients was placed before the tree's results");
    this.waiting.set(index, { clients, batch: this.sink.wantsPasses() ? batch : withoutPasses(batch) });
    for (let ready = this.waiting.get(this.next); ready; ready = this.waiting.get(this.next)) {
      this.waiting.delete(this.next++);
      this.place(ready.clients, ready.batch);
    }
  }

  /** The remaining phases, once every batch is in; returns the counts. */
  finish(batches: number): CheckCounts {
    if (this.next !== batches || !this.tree)
      throw new Error(`verify: ${this.next} of ${batches} batches of clients reported`);
    this.emit(this.tree.results.conf);
    for (const phase of LATER_PHASES) {
      this.emit(this.tree.results[phase]);
      for (const results of this.held[phase]) this.emit(results);
    }
    return this.counts;
  }

  private place(clients: ClientSpec[], batch: ClientResults): void {
    this.counts.pass += batch.dropped;
    this.emit(this.withCnClashes(clients, batch));
    const passes = this.sink.wantsPasses();
    for (const phase of LATER_PHASES) {
      const results = batch.phases[phase];
      const kept = passes ? results : results.filter((result) => result.status !== "pass");
      this.counts.pass += results.length - kept.length;
      if (kept.length > 0) this.held[phase].push(kept);
    }
  }

  /** The batch's certificate results with a clash result after each client whose CN an earlier holder has. */
  private withCnClashes(clients: ClientSpec[], batch: ClientResults): CheckResult[] {
    const results = batch.phases.certificates;
    const out: CheckResult[] = [];
    let from = 0;
    batch.cns.forEach((cn, i) => {
      if (cn === undefined) return;
      const key = cn.toLowerCase();
      const client = this.clientOwners.get(key);
      const owner = client === undefined ? this.tree!.owners.get(key) : `client ${client}`;
      this.clientOwners.set(key, clients[i].name);
      if (owner === undefined) return;
      out.push(...results.slice(from, batch.ends[i]), cnClash(`client ${clients[i].name}`, cn, owner));
      from = batch.ends[i];
    });
    if (out.length === 0) return results;
    out.push(...results.slice(from));
    return out;
  }

  private emit(results: CheckResult[]): void {
    const passes = this.sink.wantsPasses();
    for (const result of results) {
      this.counts[result.status]++;
      if (passes || result.status !== "pass") this.sink.check(result);
    }
  }
}
