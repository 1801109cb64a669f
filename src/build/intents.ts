import type { BuildIntents } from "../plan/planBuild.js";
import type { TreeState } from "../tree/read.js";
import type { Spec } from "../spec/types.js";

/** What a command wants beyond the spec: fixed, or worked out from the tree (`rotate --expiring`). */
export type Intents = BuildIntents | ((spec: Spec, tree: TreeState, now: Date) => BuildIntents);

/**
 * Whether the stamp index may spare clients from being read: only when the intents are known
 * before reading and concern no CA and no revocation (see engine.ts settleWithStamps).
 */
export function stampsCanSettle(intents: Intents): intents is BuildIntents {
  return typeof intents !== "function" && !intents.caRotation && !intents.revoke?.length;
}
