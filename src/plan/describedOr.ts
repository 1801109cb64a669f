import { TreeError } from "../errors.js";

/**
 * Runs a plan step; when the run only describes the tree (status), a problem no build may fix
 * on its own (a lost CA key) becomes `kept(reason)` instead of stopping everything.
 */
export function describedOr<T>(step: () => T, describeOnly: boolean | undefined, kept: (reason: string) => T): T {
  try {
    return step();
  } catch (error) {
    if (!describeOnly || !(error instanceof TreeError)) throw error;
    return kept(`${error.message}: ${error.hint ?? "restore the pair from your backup"}`);
  }
}
