import { DAY_MS } from "../clock.js";
import { crlRenewalDue } from "../state/crlDue.js";
import { revokedBy } from "../state/ledger.js";
import { treeLayout } from "../tree/layout.js";
import { localPath, type TreeSnapshot } from "./snapshot.js";
import type { TrustedCas } from "./checkCertificates.js";
import type { Checklist } from "./result.js";

/** Measured on mosquitto 2.0.11: crlfile is not applied on websockets listeners. */
export const WEBSOCKETS_CRL_GAP =
  "mosquitto 2.0 checks no CRL on websockets listeners when it starts (a SIGHUP reload does load it): after a restart a revoked device can connect here again, but the ACL grants it no topic";

const RENEW = "run `mqtt-pki crl` to issue a fresh CRL, then reload mosquitto (`kill -HUP $(pidof mosquitto)`)";
const REFUSES_EVERYONE = "mosquitto (OpenSSL) then refuses every client certificate on this listener";

export interface ListenerRevocation {
  snapshot: TreeSnapshot;
  list: Checklist;
  subject: string;
  /** The listener's crlfile and cafile as the conf names them. */
  crlfile?: string;
  cafile?: string;
  trusted: TrustedCas;
  protocol: string;
  now: Date;
}

/**
 * The crlfile a listener reads: there (mosquitto 2.0 applies a crlfile added later only on a
 * restart), valid now (a lapsed or future CRL refuses every client), signed by a CA the cafile
 * holds, one for each trusted CA (OpenSSL refuses the clients of a CA it has no CRL from), and
 * listing every revocation of the ledger.
 */
export function checkListenerRevocation(check: ListenerRevocation): void {
  const { snapshot, list, subject, crlfile, trusted, now } = check;
  if (!crlfile) {
    list.fail(
      subject,
      "no crlfile: a revocation would need a broker restart to take effect",
      "run `mqtt-pki build` to add crlfile and ca/crl.pem (then restart mosquitto once)",
    );
    return;
  }
  const views = snapshot.crls.get(localPath(snapshot.spec, crlfile));
  if (!views || views.length === 0) {
    list.fail(
      subject,
      `crlfile ${crlfile} holds no readable CRL: mosquitto fails to start ("Unable to load certificate revocation file")`,
      RENEW,
    );
    return;
  }
  const inCafile = new Set(
    snapshot.parsed
      .certificates(check.cafile ? localPath(snapshot.spec, check.cafile) : undefined)
      .map((ca) => ca.fingerprint256),
  );
  const crlDays = snapshot.spec.ca.crlDays;
  for (const { facts, signers } of views) {
    const which = `CRL ${facts.number ?? "(no number)"} from "${facts.issuerName}"`;
    if (!signers.some((fp) => inCafile.has(fp))) {
      list.fail(
        subject,
        `${which} is not signed by a CA in the cafile: OpenSSL finds no CRL for the clients' CA and refuses them all`,
        "run `mqtt-pki build` to regenerate ca/crl.pem for the CA the broker trusts",
      );
      continue;
    }
    const daysLeft = facts.nextUpdate ? Math.floor((facts.nextUpdate.getTime() - now.getTime()) / DAY_MS) : undefined;
    if (facts.thisUpdate.getTime() > now.getTime())
      list.fail(
        subject,
        `${which} is not valid until ${facts.thisUpdate.toISOString()}: ${REFUSES_EVERYONE}`,
        `check this machine's clock, then ${RENEW}`,
      );
    else if (daysLeft === undefined || daysLeft < 0)
      list.fail(
        subject,
        `${which} expired on ${facts.nextUpdate?.toISOString() ?? "(no nextUpdate)"}: ${REFUSES_EVERYONE} (they see alert certificate_expired)`,
        RENEW,
      );
    else if (crlRenewalDue(facts.nextUpdate, crlDays, now))
      list.warn(
        subject,
        `${which} runs out in ${daysLeft} days (${facts.nextUpdate!.toISOString().slice(0, 10)}); then ${REFUSES_EVERYONE}`,
        RENEW,
      );
    else list.pass(subject, `${which} valid until ${facts.nextUpdate!.toISOString().slice(0, 10)} (${daysLeft} days)`);
  }
  for (const ca of trusted.all) {
    if (!views.some((view) => view.signers.includes(ca.fingerprint256)))
      list.fail(
        subject,
        `crlfile has no CRL from the trusted CA "${ca.cn}": OpenSSL refuses every client it issued`,
        "run `mqtt-pki build` to regenerate ca/crl.pem",
      );
  }
  if (snapshot.ledger) {
    const revoked = trusted.all.flatMap((ca) => revokedBy(snapshot.ledger!, ca.fingerprint256));
    const listed = snapshot.revoked.get(localPath(snapshot.spec, crlfile)) ?? new Set<string>();
    const missing = revoked.filter((r) => !listed.has(r.serial));
    list.check(
      missing.length === 0,
      subject,
      `crlfile lists all ${revoked.length} revoked certificate(s)`,
      `crlfile lacks ${missing.map((r) => r.name).join(", ")}`,
      "run `mqtt-pki build` to regenerate ca/crl.pem",
    );
    if (check.protocol === "websockets" && revoked.length > 0)
      list.warn(
        subject,
        WEBSOCKETS_CRL_GAP,
        "reload mosquitto with SIGHUP after every start to have the CRL applied here too, or close this listener; the ACL check below must hold",
      );
  }
}

/** state.json against ca/crl.pem: every serial the CRL lists must be revoked in the ledger (a revocation is never undone). */
export function checkLedgerAgainstCrl(snapshot: TreeSnapshot, list: Checklist): void {
  const { ledger } = snapshot;
  const views = snapshot.crls.get(treeLayout(snapshot.spec.out).crl);
  if (!ledger || !views) return;
  const status = new Map(ledger.certificates.map((record) => [record.serial, record]));
  const undone = views
    .flatMap((view) => view.facts.entries)
    .filter((entry) => {
      const record = status.get(entry.serial);
      return record !== undefined && record.status !== "revoked";
    });
  list.check(
    undone.length === 0,
    "state.json",
    "agrees with ca/crl.pem on every revocation",
    `records ${undone.map((e) => `${status.get(e.serial)!.name} (serial ${e.serial}) as ${status.get(e.serial)!.status}`).join(", ")}, but ca/crl.pem lists ${undone.length === 1 ? "it" : "them"} as revoked`,
    "run `mqtt-pki build`: it puts the revocations back into state.json (un-revoking is not a feature; issue a new certificate instead)",
  );
}
