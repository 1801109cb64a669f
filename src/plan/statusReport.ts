import { DAY_MS } from "../clock.js";
import { issuedBy } from "../crypto/facts.js";
import { readCrls } from "../crypto/crlFile.js";
import type { Role } from "../crypto/profiles.js";
import { crlRenewalDue } from "../state/crlDue.js";
import { activeClientRecords, revokedSerials, type IssuedRecord } from "../state/ledger.js";
import { ledgerFromTree } from "../tree/ledgerFromTree.js";
import type { TreeState } from "../tree/read.js";
import type { Spec } from "../spec/types.js";
import type { BuildPlan, EntityPlan } from "./planBuild.js";

/** ok; due: past half its life (any writing command or `mqtt-pki crl` renews it); expired or missing: the broker refuses every device. */
export type CrlState = "ok" | "due" | "expired" | "missing";

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
  /** The tree's CRL: when it runs out, and whether that needs doing something now. */
  crl?: { nextUpdate: string; daysLeft: number; revoked: number; state: CrlState; problem?: string };
  /** True when nothing is expired, missing or inside the renewal window (what --check tests). */
  healthy: boolean;
}

/** What a status report is made from: the spec, the tree as read (untouched clients not read), its plan, the time. */
export interface StatusInput {
  spec: Spec;
  tree: TreeState;
  plan: BuildPlan;
  now: Date;
}

/**
 * One row per CA, server and client, with what runs out when. Pure: rows of the clients the
 * tree's cache vouched for (marked untouched) come from their ledger records.
 */
export function statusReport(input: StatusInput): StatusReport {
  const { spec, tree, plan, now } = input;
  const ledger = tree.ledger ?? ledgerFromTree(tree);
  const revoked = revokedSerials(ledger);
  const renewBefore = spec.defaults.renewBeforeDays;

  const row = (role: Role, name: string, held: Held | undefined, entry?: EntityPlan): StatusRow => {
    if (!held) return { name, role, state: "missing" };
    const notAfter = "notAfterMs" in held ? held.notAfterMs : held.notAfter.getTime();
    const daysLeft = Math.floor((notAfter - now.getTime()) / DAY_MS);
    const iso = "notAfterIso" in held ? held.notAfterIso : held.notAfter.toISOString();
    const base = { name, role, cn: held.cn, serial: held.serial, notAfter: iso, daysLeft };
    if (revoked.has(held.serial)) return { ...base, state: "revoked" };
    if (daysLeft < 0 || notAfter <= now.getTime()) return { ...base, state: "expired" };
    if (entry && entry.action === "reissue") return { ...base, state: "out-of-date", detail: entry.reasons.join("; ") };
    if (daysLeft < renewBefore) return { ...base, state: "expiring" };
    return { ...base, state: "ok" };
  };

  // A CA pair no build may touch (a lost key): the table still comes, with the problem on the CA's row.
  const caProblem = plan.ca.action === "keep" ? plan.ca.reasons[0] : undefined;
  const caRow = row("ca", "ca", tree.ca.facts);
  const rows: StatusRow[] = [caProblem ? { ...caRow, state: "missing", detail: caProblem } : caRow];
  if (tree.previousCa.facts)
    rows.push({
      ...row("ca", "ca (previous)", tree.previousCa.facts),
      detail: "retiring: trusted until `rotate ca --finish`",
    });
  spec.servers.forEach((server, i) =>
    rows.push(row("server", server.name, tree.servers.get(server.name)?.facts, plan.servers[i])),
  );
  // Settled clients: the stamp index vouched that the active record is the certificate on disk.
  const active = spec.clients.some((client) => tree.clients.get(client.name)?.untouched)
    ? activeClientRecords(ledger)
    : new Map<string, IssuedRecord>();
  const previous = tree.previousCa.facts;
  const clientsOnOldCa: string[] = [];
  spec.clients.forEach((client, i) => {
    const record = tree.clients.get(client.name)?.untouched ? active.get(client.name) : undefined;
    const facts = tree.clients.get(client.name)?.facts;
    const clientRow = row("client", client.name, record ? heldOf(record) : facts, plan.clients[i]);
    const onOldCa =
      previous && (record ? record.issuer === previous.fingerprint256 : facts && issuedBy(facts, previous));
    if (onOldCa && !revoked.has(clientRow.serial ?? "")) {
      clientsOnOldCa.push(client.name);
      clientRow.detail = "certificate from the retiring CA: rotate it before `rotate ca --finish`";
    }
    rows.push(clientRow);
  });

  const crlReport = crlStatus(tree.crlPem, tree.exists, spec.ca.crlDays, now);
  const healthy =
    (crlReport === undefined || crlReport.state === "ok") &&
    rows.every(
      (r) =>
        r.state === "ok" || r.state === "revoked" || (r.state === "out-of-date" && (r.daysLeft ?? 0) >= renewBefore),
    );
  return { rows, caRotation: { phase: previous ? "rotating" : "none", clientsOnOldCa }, crl: crlReport, healthy };
}

/** What a row needs of a certificate: from its parsed facts, or from its ledger record (no Date made per client). */
type Held = { cn: string; serial: string } & ({ notAfter: Date } | { notAfterMs: number; notAfterIso: string });

const heldOf = (record: IssuedRecord): Held => {
  const notAfterMs = Date.parse(record.notAfter);
  // The ledger writes toISOString()'s form; anything else (an edited file) is put in that form.
  const canonical = record.notAfter.length === 24 && record.notAfter.endsWith("Z");
  return {
    cn: record.cn,
    serial: record.serial,
    notAfterMs,
    notAfterIso: canonical ? record.notAfter : new Date(notAfterMs).toISOString(),
  };
};

const REFUSES_ALL = "then mosquitto refuses every device certificate (clients see alert certificate_expired)";

/** The CRL's days left, and what happens when they run out: the broker reads it on every handshake. */
function crlStatus(crlPem: string | undefined, treeExists: boolean, crlDays: number, now: Date): StatusReport["crl"] {
  const crls = readCrls(crlPem);
  if (crls.length === 0) {
    return treeExists
      ? {
          nextUpdate: "",
          daysLeft: 0,
          revoked: 0,
          state: "missing",
          problem:
            "ca/crl.pem is missing or unreadable: run `mqtt-pki build` (a broker whose crlfile is gone does not start)",
        }
      : undefined;
  }
  const next = Math.min(...crls.map((crl) => crl.nextUpdate?.getTime() ?? now.getTime()));
  const daysLeft = Math.floor((next - now.getTime()) / DAY_MS);
  const base = {
    nextUpdate: new Date(next).toISOString(),
    daysLeft,
    revoked: crls.reduce((sum, crl) => sum + crl.entries.length, 0),
  };
  if (next <= now.getTime())
    return {
      ...base,
      state: "expired",
      problem: `the CRL expired on ${base.nextUpdate.slice(0, 10)}: ${REFUSES_ALL}. Run \`mqtt-pki crl\` and reload mosquitto now`,
    };
  if (crlRenewalDue(new Date(next), crlDays, now))
    return {
      ...base,
      state: "due",
      problem: `the CRL runs out in ${daysLeft} days (${base.nextUpdate.slice(0, 10)}); ${REFUSES_ALL}. Run \`mqtt-pki crl\` (or any build) and reload mosquitto`,
    };
  return { ...base, state: "ok" };
}
