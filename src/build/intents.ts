import type { BuildIntents } from "../plan/planBuild.js";
import type { TreeState } from "../tree/read.js";
import type { Spec } from "../spec/types.js";

/**
 * What a command wants beyond the spec: fixed (build), focused on a few clients (`rotate NAME`,
 * `revoke NAME`), or worked out from the whole tree (`rotate --expiring`, `rotate ca`).
 */
export type Intents = BuildIntents | FocusedIntents | ((spec: Spec, tree: TreeState, now: Date) => BuildIntents);

/**
 * Intents that look at a few named clients of the tree only: every other client may be
 * settled by its stamps, so one device's rotation or revocation does not read the fleet.
 */
export interface FocusedIntents {
  /** The clients the intents look at (checked against the spec here: a bad name fails before anything is read). */
  focus(spec: Spec): string[];
  /** The intents, from the tree as read (the focused clients read in full). */
  resolve(spec: Spec, tree: TreeState, now: Date): BuildIntents;
}

export const isFocused = (intents: Intents): intents is FocusedIntents =>
  typeof intents === "object" && "focus" in intents;

/**
 * Whether the stamp index may spare clients from being read: only when the intents are known
 * (or focused) before reading, and a fixed set concerns no CA and no revocation (see
 * engine.ts settleWithStamps). Focused intents never touch the CA.
 */
export function stampsCanSettle(intents: Intents): intents is BuildIntents | FocusedIntents {
  if (typeof intents === "function") return false;
  return isFocused(intents) || (!intents.caRotation && !intents.revoke?.length);
}

/** Works out the command's intents once the tree is read. */
export function resolveIntents(intents: Intents, spec: Spec, tree: TreeState, now: Date): BuildIntents {
  if (typeof intents === "function") return intents(spec, tree, now);
  return isFocused(intents) ? intents.resolve(spec, tree, now) : intents;
}
