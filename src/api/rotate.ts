import { PkiError } from "../errors.js";
import { rotateKey, type BuildIntents } from "../plan/planBuild.js";
import { converge, type BuildOptions, type BuildResult } from "./build.js";
import type { FocusedIntents } from "../build/intents.js";
import type { Role } from "../crypto/profiles.js";
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

interface Leaf {
  role: Extract<Role, "server" | "client">;
  name: string;
}

const leavesOf = (spec: Spec): Leaf[] => [
  ...spec.servers.map((s) => ({ role: "server" as const, name: s.name })),
  ...spec.clients.map((c) => ({ role: "client" as const, name: c.name })),
];

/** The named leaves; a name the spec lacks is an error that lists a few that it has. */
function namedLeaves(spec: Spec, names: readonly string[]): Leaf[] {
  const byName = new Map(leavesOf(spec).map((leaf) => [leaf.name, leaf]));
  return names.map((name) => {
    const leaf = byName.get(name);
    if (leaf) return leaf;
    const known = [...byName.keys()];
    const some = known.length > 8 ? `${known.slice(0, 8).join(", ")} and ${known.length - 8} more` : known.join(", ");
    throw new PkiError(`no server or client named \`${name}\` in the spec`, {
      hint: `names in the spec: ${some || "(none)"}; use \`rotate ca\` for the CA`,
    });
  });
}

function selectLeaves(
  spec: Spec,
  tree: TreeState,
  now: Date,
  options: RotateOptions,
): Map<string, { keepKey: boolean }> {
  const keepKey = options.keepKey ?? false;
  const selected = new Map(
    namedLeaves(spec, options.names ?? []).map((leaf) => [rotateKey(leaf.role, leaf.name), { keepKey }]),
  );
  const horizon = now.getTime() + spec.defaults.renewBeforeDays * DAY_MS;
  for (const leaf of leavesOf(spec)) {
    const facts = (leaf.role === "server" ? tree.servers : tree.clients).get(leaf.name)?.facts;
    if (options.all || (options.expiring && facts && facts.notAfter.getTime() <= horizon))
      selected.set(rotateKey(leaf.role, leaf.name), { keepKey });
  }
  return selected;
}

/** `rotate NAME...`: only the named clients are read, every other one may be settled by its stamps. */
function namedRotation(names: readonly string[], keepKey: boolean): FocusedIntents {
  return {
    focus: (spec) =>
      namedLeaves(spec, names)
        .filter((leaf) => leaf.role === "client")
        .map((leaf) => leaf.name),
    resolve: (spec) => ({
      rotate: new Map(namedLeaves(spec, names).map((leaf) => [rotateKey(leaf.role, leaf.name), { keepKey }])),
    }),
  };
}

/** Renews leaf certificates (new key by default, old ones archived) or moves a CA rotation along. */
export function rotate(options: RotateOptions): Promise<BuildResult> {
  if (!options.ca && !options.all && !options.expiring && (options.names ?? []).length === 0) {
    throw new PkiError("nothing to rotate", {
      hint: "name servers or clients, or pass --expiring, --all, or `ca` (then `ca --finish`)",
    });
  }
  if (!options.ca && !options.all && !options.expiring)
    return converge(options, namedRotation(options.names!, options.keepKey ?? false));
  return converge(options, (spec, tree, now): BuildIntents => ({
    rotate: selectLeaves(spec, tree, now, options),
    caRotation: options.ca,
  }));
}
