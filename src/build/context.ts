import type { PassphraseSource } from "../io/passphrase.js";
import { TreeCache } from "../tree/cache.js";
import { treeLayout, type TreeLayout } from "../tree/layout.js";
import type { Spec, SpecWarning } from "../spec/types.js";
import type { Intents } from "./intents.js";
import type { ProgressListener } from "./leafArtifact.js";
import type { PlannedFile } from "./plannedFiles.js";

/**
 * One run of the pipeline, made once by the command and passed from reading the tree through
 * planning and materializing to writing: nothing downstream works these out again.
 */
export interface BuildContext {
  spec: Spec;
  warnings: SpecWarning[];
  /** Where every file of the tree lives (from `spec.out`). */
  layout: TreeLayout;
  /** The time the run plans and issues at (clock.ts: --now, $MQTT_PKI_NOW or the clock). */
  now: Date;
  /** What the command wants beyond the spec (build, rotate, revoke...). */
  intents: Intents;
  /** The tree's cache: which clients are as the last build left them, what each file holds. */
  cache: TreeCache;
  /** CSRs handed in by the command (sign), by client name: taken as if the tree held them. */
  csrs?: ReadonlyMap<string, string>;
  /** The run only reads (status, a dry run): what it reads need not be kept for writing back. */
  readOnly?: boolean;
}

/** A run that writes: where the CA key's passphrase comes from, who hears of progress, and files outside the tree. */
export interface WritingContext extends BuildContext {
  passphrase: PassphraseSource;
  onProgress?: ProgressListener;
  /** Files outside the tree put in place in the same commit (the spec `issue` and `sign` edit). */
  outside?: readonly PlannedFile[];
}

/** The context of a run over `spec`'s tree, its cache opened here unless the command brings one (status trusts it). */
export function buildContext<T extends Omit<BuildContext, "layout" | "cache"> & { cache?: TreeCache }>(
  fields: T,
): T & BuildContext {
  const layout = treeLayout(fields.spec.out);
  return { ...fields, layout, cache: fields.cache ?? TreeCache.open(layout) };
}
