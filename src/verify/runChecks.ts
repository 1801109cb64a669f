import { checkAcl, checkPasswords, deniedCns } from "./checkAccess.js";
import { checkCertificates } from "./checkCertificates.js";
import { checkCommands } from "./checkCommands.js";
import { checkConf } from "./checkConf.js";
import { Checklist, type CheckResult } from "./result.js";
import { treeLayout } from "../tree/layout.js";
import type { TreeSnapshot } from "./snapshot.js";

/** verify's checks in the order it reports them; within each, the tree-wide results come before the clients'. */
export const PHASES = ["certificates", "conf", "commands", "passwords", "acl"] as const;
export type Phase = (typeof PHASES)[number];
export type PhaseResults = Record<Phase, CheckResult[]>;

/**
 * Every check over a snapshot, with tree-wide and per-client results kept apart, so that the
 * clients of a fleet can be checked in shards (see api/verify.ts) and put back in order.
 */
export function runChecks(snapshot: TreeSnapshot, now: Date): { global: PhaseResults; clients: PhaseResults } {
  const lists = (): Record<Phase, Checklist> =>
    Object.fromEntries(PHASES.map((phase) => [phase, new Checklist()])) as Record<Phase, Checklist>;
  const global = lists();
  const clients = lists();
  const clientsDir = `${treeLayout(snapshot.spec.out).clientsDir}/`;
  for (const [file, info] of snapshot.files) {
    // A client's files are reported with that client's results (a fleet's shards keep only those).
    if (info.isLink)
      (file.startsWith(clientsDir) ? clients : global).certificates.fail(
        file,
        `${file} is a symbolic link inside the tree: verify does not follow it, and no build writes through it`,
        "replace the link with the file itself (`mqtt-pki build` rewrites files mqtt-pki made)",
      );
  }
  const trusted = checkCertificates(snapshot, global.certificates, now, clients.certificates);
  checkConf(snapshot, global.conf, trusted, now);
  checkCommands(snapshot, clients.commands, trusted);
  const denied = deniedCns(snapshot, now);
  checkPasswords(snapshot, global.passwords, denied, clients.passwords);
  checkAcl(snapshot, global.acl, denied, clients.acl);
  const results = (from: Record<Phase, Checklist>) =>
    Object.fromEntries(PHASES.map((phase) => [phase, from[phase].results])) as PhaseResults;
  return { global: results(global), clients: results(clients) };
}

/** The CN of each client certificate in the snapshot, in order, as [CN, subject]. */
export function clientCns(snapshot: TreeSnapshot): [string, string][] {
  const layout = treeLayout(snapshot.spec.out);
  return snapshot.clients.flatMap((client) => {
    const cn = snapshot.parsed.certificate(layout.clientCert(client.name))?.cn;
    return cn === undefined ? [] : [[cn, `client ${client.name}`] as [string, string]];
  });
}
