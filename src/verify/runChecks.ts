import { checkAclFile, checkClientAcl, checkClientPasswords, checkPasswordFile, deniedCns } from "./checkAccess.js";
import { checkClientCertificates, checkTreeCertificates, type CnOwners, type TrustedCas } from "./checkCertificates.js";
import { checkCommands } from "./checkCommands.js";
import { checkConf } from "./checkConf.js";
import { Checklist, type CheckResult } from "./result.js";
import { treeLayout } from "../tree/layout.js";
import { usesAcl, usesPasswords } from "../render/access.js";
import type { ClientView, TreeSnapshot } from "./snapshot.js";
import type { FileInfo } from "./fileInfo.js";
import type { Spec } from "../spec/types.js";

/** verify's checks in the order it reports them; within each, the tree-wide results come before the clients'. */
export const PHASES = ["certificates", "conf", "commands", "passwords", "acl"] as const;
export type Phase = (typeof PHASES)[number];
export type PhaseResults = Record<Phase, CheckResult[]>;

/** What the checks of each client need from the tree-wide ones. */
export interface ClientContext {
  trusted: TrustedCas;
  /** The revoked identities (CNs) of the ledger: no login, no topic. */
  denied: ReadonlySet<string>;
}

export interface TreeResults extends ClientContext {
  results: PhaseResults;
  /** The CNs of the CA(s) and servers: a client with one of them clashes. */
  owners: CnOwners;
}

/** One batch of clients' results, with where each client's certificate results end and its CN (for CN clashes). */
export interface ClientResults {
  phases: PhaseResults;
  ends: number[];
  cns: (string | undefined)[];
  /** Passed checks left out (counted only), when the output lists no passes. */
  dropped: number;
}

function checklists(): Record<Phase, Checklist> {
  return Object.fromEntries(PHASES.map((phase) => [phase, new Checklist()])) as Record<Phase, Checklist>;
}

function resultsOf(lists: Record<Phase, Checklist>): PhaseResults {
  return Object.fromEntries(PHASES.map((phase) => [phase, lists[phase].results])) as PhaseResults;
}

function failLink(list: Checklist, file: string): void {
  list.fail(
    file,
    `${file} is a symbolic link inside the tree: verify does not follow it, and no build writes through it`,
    "replace the link with the file itself (`mqtt-pki build` rewrites files mqtt-pki made)",
  );
}

/** A path read for some clients (not shared) inside the clients' folder: its results are those clients'. */
function isClientPath(view: ClientView, file: string, clientsDir: string): boolean {
  return file.startsWith(clientsDir) && !view.shared.has(file);
}

function linksOf(files: Map<string, FileInfo>, keep: (file: string) => boolean): string[] {
  return [...files].filter(([file, info]) => info.isLink && keep(file)).map(([file]) => file);
}

/** The checks of the tree as a whole: CA, servers, mosquitto.conf, CRLs, the ledger, the access files. */
export function treeChecks(snapshot: TreeSnapshot, now: Date): TreeResults {
  const lists = checklists();
  const clientsDir = `${treeLayout(snapshot.spec.out).clientsDir}/`;
  for (const file of linksOf(snapshot.files, (f) => !isClientPath(snapshot, f, clientsDir)))
    failLink(lists.certificates, file);
  const { trusted, owners } = checkTreeCertificates(snapshot, lists.certificates, now);
  checkConf(snapshot, lists.conf, trusted, now);
  const denied = deniedCns(snapshot, now);
  checkPasswordFile(snapshot, lists.passwords);
  checkAclFile(snapshot, lists.acl, denied);
  return { results: resultsOf(lists), trusted, owners, denied };
}

/** Whether the clients' checks ask which CNs are revoked (only their logins and ACLs do), so must wait for the ledger. */
export function clientChecksNeedDenied(spec: Spec): boolean {
  return usesPasswords(spec) || usesAcl(spec);
}

/** The checks of each client in the view: its files, certificate and key, commands.sh, login and ACL. */
export function clientChecks(view: ClientView, context: ClientContext, now: Date): ClientResults {
  const lists = checklists();
  const clientsDir = `${treeLayout(view.spec.out).clientsDir}/`;
  // A client's links are reported before the results of the clients of its batch.
  for (const file of linksOf(view.files, (f) => isClientPath(view, f, clientsDir))) failLink(lists.certificates, file);
  const { ends, cns } = checkClientCertificates(view, lists.certificates, context.trusted, now);
  checkCommands(view, lists.commands, context.trusted);
  checkClientPasswords(view, lists.passwords, context.denied);
  checkClientAcl(view, lists.acl, context.denied);
  return { phases: resultsOf(lists), ends, cns, dropped: 0 };
}

/** The same results with the passed checks counted instead of kept (a fleet's output lists failures only). */
export function withoutPasses(batch: ClientResults): ClientResults {
  let dropped = batch.dropped;
  const failing = (results: CheckResult[]) => {
    const kept = results.filter((result) => result.status !== "pass");
    dropped += results.length - kept.length;
    return kept;
  };
  const certificates = batch.phases.certificates;
  // Where each client's results end among the kept ones: the CN clash check inserts there.
  const keptBefore: number[] = [0];
  for (const result of certificates) keptBefore.push(keptBefore.at(-1)! + (result.status === "pass" ? 0 : 1));
  const ends = batch.ends.map((end) => keptBefore[end]);
  const phases = Object.fromEntries(PHASES.map((phase) => [phase, failing(batch.phases[phase])])) as PhaseResults;
  return { phases, ends, cns: batch.cns, dropped };
}
