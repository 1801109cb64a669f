import { PkiError } from "../errors.js";
import { rotateKey, type BuildIntents } from "../plan/planBuild.js";
import { converge, type BuildOptions, type BuildResult } from "./build.js";
import type { TreeState } from "../tree/read.js";
import type { Spec } from "../spec/types.js";
import { DAY_MS } from "../clock.js";

export interface RotateOptions extends BuildOptions {
  /** Server or client names to renew. */
  names?: string[];
  /** Renew everything inside the renewal window (defaults.renewBeforeDays) or expired. */
  expiring?: boolean;
  all?: boolean;
  /** Reuse each key instead of making a new one. */
  keepKey?: boolean;
  /** `start`: new CA and a trust bundle; `finish`: servers move to the new CA and the old one is dropped. */
  ca?: "start" | "finish";
}

function selectLeaves(
  spec: Spec,
  tree: TreeState,
  now: Date,
  options: RotateOptions,
): Map<string, { keepKey: boolean }> {
  const selected = new Map<string, { keepKey: boolean }>();
  const keepKey = options.keepKey ?? false;
  const leaves = [
    ...spec.servers.map((s) => ({ role: "server" as const, name: s.name, facts: tree.servers.get(s.name)?.facts })),
    ...spec.clients.map((c) => ({ role: "client" as const, name: c.name, facts: tree.clients.get(c.name)?.facts })),
  ];
  const horizon = now.getTime() + spec.defaults.renewBeforeDays * DAY_MS;
  for (const name of options.names ?? []) {
    const found = leaves.filter((leaf) => leaf.name === name);
    if (found.length === 0) {
      throw new PkiError(`no server or client named \`${name}\` in the spec`, {
        hint: `names in the spec: ${leaves.map((l) => l.name).join(", ") || "(none)"}; use \`rotate ca\` for the CA`,
      });
    }
    for (const leaf of found) selected.set(rotateKey(leaf.role, leaf.name), { keepKey });
  }
  for (const leaf of leaves) {
    if (options.all || (options.expiring && leaf.facts && leaf.facts.notAfter.getTime() <= horizon))
      selected.set(rotateKey(leaf.role, leaf.name), { keepKey });
  }
  return selected;
}

/** Renews leaf certificates (new key by default, old ones archived) or moves a CA rotation along. */
export function rotate(options: RotateOptions): Promise<BuildResult> {
  if (!options.ca && !options.all && !options.expiring && (options.names ?? []).length === 0) {
    throw new PkiError("nothing to rotate", {
      hint: "name servers or clients, or pass --expiring, --all, or `ca` (then `ca --finish`)",
    });
  }
  return converge(options, (spec, tree, now): BuildIntents => ({
    rotate: selectLeaves(spec, tree, now, options),
    caRotation: options.ca,
  }));
}
