import { currentTime } from "../clock.js";
import { issuedBy, type CertFacts } from "../crypto/facts.js";
import { x509 } from "../crypto/provider.js";
import { loadSpecFile } from "../spec/load.js";
import { planBuild, type EntityPlan } from "../plan/planBuild.js";
import { isRevoked } from "../state/ledger.js";
import { ledgerFromTree } from "../state/rebuild.js";
import { pemBlocks } from "../crypto/der.js";
import { readTree } from "../tree/read.js";
import type { Role } from "../crypto/profiles.js";
import { DAY_MS } from "../clock.js";

export type HolderState = "ok" | "expiring" | "expired" | "revoked" | "missing" | "out-of-date";

export interface StatusRow {
  name: string;
  role: Role;
  cn?: string;
  serial?: string;
  notAfter?: string;
  daysLeft?: number;
  state: HolderState;
  /** Why out-of-date, or which CA a client's certificate comes from during a rotation. */
  detail?: string;
}

export interface StatusReport {
  rows: StatusRow[];
  caRotation: { phase: "none" | "rotating"; clientsOnOldCa: string[] };
  crl?: { nextUpdate: string; daysLeft: number; revoked: number };
  /** True when nothing is expired, missing or inside the renewal window (what --check tests). */
  healthy: boolean;
}


export interface StatusOptions {
  specFile?: string;
  now?: Date | string;
}

/** What the tree holds and when it runs out: one row per CA, server and client. */
export async function status(options: StatusOptions = {}): Promise<StatusReport> {
  const now = currentTime(options.now);
  const { spec } = await loadSpecFile(options.specFile);
  const tree = await readTree(spec);
  const plan = planBuild(spec, tree, now);
  const ledger = tree.ledger ?? ledgerFromTree(tree);
  const renewBefore = spec.defaults.renewBeforeDays;

  const row = (role: Role, name: string, facts: CertFacts | undefined, entry?: EntityPlan): StatusRow => {
    if (!facts) return { name, role, state: "missing" };
    const daysLeft = Math.floor((facts.notAfter.getTime() - now.getTime()) / DAY_MS);
    const base = { name, role, cn: facts.cn, serial: facts.serial, notAfter: facts.notAfter.toISOString(), daysLeft };
    if (isRevoked(ledger, facts.serial)) return { ...base, state: "revoked" };
    if (daysLeft < 0 || facts.notAfter <= now) return { ...base, state: "expired" };
    if (entry && entry.action === "reissue") return { ...base, state: "out-of-date", detail: entry.reasons.join("; ") };
    if (daysLeft < renewBefore) return { ...base, state: "expiring" };
    return { ...base, state: "ok" };
  };

  const rows: StatusRow[] = [row("ca", "ca", tree.ca.facts)];
  if (tree.previousCa.facts) rows.push({ ...row("ca", "ca (previous)", tree.previousCa.facts), detail: "retiring: trusted until `rotate ca --finish`" });
  spec.servers.forEach((server, i) => rows.push(row("server", server.name, tree.servers.get(server.name)?.facts, plan.servers[i])));
  spec.clients.forEach((client, i) => rows.push(row("client", client.name, tree.clients.get(client.name)?.facts, plan.clients[i])));

  const previous = tree.previousCa.facts;
  const clientsOnOldCa = previous
    ? spec.clients.filter((c) => { const f = tree.clients.get(c.name)?.facts; return f !== undefined && issuedBy(f, previous) && !isRevoked(ledger, f.serial); }).map((c) => c.name)
    : [];
  for (const name of clientsOnOldCa) {
    const found = rows.find((r) => r.role === "client" && r.name === name);
    if (found) found.detail = "certificate from the retiring CA: rotate it before `rotate ca --finish`";
  }

  const crlReport = crlStatus(tree.crlPem, now);
  const crlDue = crlReport !== undefined && crlReport.daysLeft < spec.ca.crlDays / 3;
  const healthy = !crlDue && rows.every((r) => r.state === "ok" || r.state === "revoked" || (r.state === "out-of-date" && (r.daysLeft ?? 0) >= renewBefore));
  return { rows, caRotation: { phase: previous ? "rotating" : "none", clientsOnOldCa }, crl: crlReport, healthy };
}

function crlStatus(crlPem: string | undefined, now: Date): StatusReport["crl"] {
  const blocks = pemBlocks(crlPem ?? "", "X509 CRL").map((block) => new x509.X509Crl(block));
  if (blocks.length === 0) return undefined;
  const next = Math.min(...blocks.map((crl) => crl.nextUpdate?.getTime() ?? now.getTime()));
  return {
    nextUpdate: new Date(next).toISOString(),
    daysLeft: Math.floor((next - now.getTime()) / DAY_MS),
    revoked: blocks.reduce((sum, crl) => sum + crl.entries.length, 0),
  };
}
