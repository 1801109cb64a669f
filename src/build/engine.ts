import { lookupGroupId } from "../io/accounts.js";
import { materializeTree, type TreeContent } from "./materialize.js";
import type { BuildContext, WritingContext } from "./context.js";
import { FreshTree, writeTree } from "./writeTree.js";
import { planBuild, rotateKey, type BuildIntents } from "../plan/planBuild.js";
import { readTree, type TreeState } from "../tree/read.js";
import { isFocused, resolveIntents, stampsCanSettle, type FocusedIntents } from "./intents.js";
import { PASSWORD_MODE_UNBOUND } from "../render/access.js";
import { rendererFingerprint } from "../render/fingerprint.js";
import type { BuildResult, ReloadAdvice } from "./result.js";
import type { Spec } from "../spec/types.js";

/**
 * The engine behind build, rotate and revoke once the spec is read and the tree locked: read
 * the tree, plan with the command's intents, make what the plan needs, write it. Loaded by
 * converge.ts only after the spec (its cryptography and rendering modules are most of a
 * command's start-up, and the stamp comparison runs in the background meanwhile).
 */

export interface Planned {
  result: BuildResult;
  tree: TreeState;
}

export async function plan(run: BuildContext): Promise<Planned> {
  const { spec, intents, now, layout, cache } = run;
  // Named before anything is read: a name the spec lacks fails here.
  const focus = isFocused(intents) ? intents.focus(spec) : [];
  const settle = stampsCanSettle(intents)
    ? { now, renderer: rendererFingerprint(), exclude: readInFull(spec, intents, focus) }
    : undefined;
  const tree = withHandedInCsrs(await readTree(spec, { cache, settle, readOnly: run.readOnly }), run.csrs);
  const wanted = resolveIntents(intents, spec, tree, now);
  const plan = planBuild(spec, tree, now, wanted);
  const messages = [...run.warnings.map((warning) => `${warning.yamlPath}: ${warning.message}`), ...plan.notes];
  return { result: { spec, plan, warnings: messages, written: [], confPath: layout.mosquittoConf }, tree };
}

/** The tree as if it held the CSRs a command was handed: they reach disk only with the rest of the run's files. */
function withHandedInCsrs(tree: TreeState, csrs: ReadonlyMap<string, string> | undefined): TreeState {
  for (const [name, csrPem] of csrs ?? []) tree.clients.set(name, { ...tree.clients.get(name), csrPem });
  return tree;
}

/** The clients read whatever the cache says: those the command looks at, and those it rotates. */
function readInFull(spec: Spec, intents: BuildIntents | FocusedIntents, focus: string[]): Set<string> {
  const rotated = isFocused(intents)
    ? []
    : spec.clients.map((client) => client.name).filter((name) => intents.rotate?.has(rotateKey("client", name)));
  return new Set([...rotated, ...focus]);
}

export async function apply(run: WritingContext): Promise<BuildResult> {
  const { spec, layout, cache } = run;
  // Read and plan under the lock: another run may have changed the tree until now.
  const { result, tree } = await plan(run);
  const messages = result.warnings;
  // A first build streams its files into a staging folder as they are made.
  const fresh = await FreshTree.open(spec.out);
  let content: TreeContent;
  try {
    content = await materializeTree({ context: run, plan: result.plan, tree, brokerGroup: lookupGroupId, sink: fresh });
  } catch (error) {
    await fresh?.abandon();
    throw error;
  }
  for (const leaf of content.clamped) messages.push(`${leaf}: lifetime cut to end with the CA's`);
  for (const server of spec.servers) {
    if (lookupGroupId(server.user) === undefined) {
      messages.push(
        `server ${server.name}: no account \`${server.user}\` here, so server.key stays 0600; on the broker host run \`chgrp ${server.user} server.key && chmod 640 server.key\` (and let it traverse the folders)`,
      );
    }
  }
  const stampRun = {
    spec,
    layout,
    ledger: content.ledger,
    rotating: result.plan.rotating,
    renderer: rendererFingerprint(),
  };
  if (fresh) result.written = await fresh.commit((statOf) => cache.stamp(stampRun, statOf), run.outside);
  else {
    result.written = await writeTree(spec.out, { ...content, outside: run.outside });
    await cache.stamp(stampRun);
  }
  await cache.store();
  messages.push(...content.notes);
  if (result.written.includes(layout.passwdFile) && spec.servers.some((server) => !server.identityAsUsername))
    messages.push(PASSWORD_MODE_UNBOUND);
  result.reload = reloadAdvice(tree, content, result.written, layout.mosquittoConf);
  return result;
}

/**
 * What the running broker must do to pick up this run's changes. mosquitto reloads the CRL,
 * the password file and the ACL on SIGHUP, but a crlfile newly added to its conf only on a
 * restart (measured on 2.0.11): a tree from before every tree had a CRL needs that once.
 * A first build has no broker running on it yet, so it needs neither.
 */
function reloadAdvice(
  tree: TreeState,
  content: TreeContent,
  written: string[],
  confFile: string,
): ReloadAdvice | undefined {
  const oldConf = tree.files.before(confFile)?.content.toString();
  if (!tree.exists || oldConf === undefined) return undefined;
  const changed = content.reloadFiles.filter((file) => written.includes(file));
  const restart = written.includes(confFile) && !/^crlfile /m.test(oldConf);
  return changed.length > 0 || restart ? { changed, restart } : undefined;
}
