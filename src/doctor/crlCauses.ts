import { describeAlert, type TlsAlert } from "./alerts.js";
import { quoted, when, type Cause } from "./causes.js";
import type { CertSummary, CrlSummary } from "./localChecks.js";

/**
 * The words for a broker that answers certificate_expired (45) to a valid client certificate:
 * OpenSSL reports a CRL past its nextUpdate (or before its thisUpdate) with the same alert as
 * an expired certificate. crlLapse.ts decides which of these applies.
 */

/** Where the CRL doctor read lives and where the broker reads its own, for the fixes. */
export interface CrlPlaces {
  /** The CRL file doctor read: the tree's ca/crl.pem, or the crl.pem beside --cafile. */
  localFile: string;
  /** The spec, as the user named it, when doctor worked from one (then localFile is the tree's). */
  specFile?: string;
  /** The broker's crlfile when deploy.dir puts the tree elsewhere on the broker host. */
  brokerFile?: string;
}

/** What every CRL cause talks about. */
export interface RefusedCertificate {
  alert: TlsAlert;
  cert: CertSummary;
  now: Date;
  places?: CrlPlaces;
}

/** mosquitto rereads crlfile on SIGHUP (not only on restart), so a reload is enough. */
const RELOAD = "reload mosquitto with `kill -HUP <mosquitto pid>`";
const BROKER_CHECK = "`openssl crl -in <crlfile> -noout -nextupdate` (crlfile as in mosquitto.conf) and `date -u`";
const REFUSES_EVERY_DEVICE =
  'OpenSSL refuses every client certificate of that CA (mosquitto checks the CRL whenever crlfile is set), so the broker turns away every device and logs "certificate verify failed"';

export function renewCrlCommand(places: CrlPlaces | undefined): string {
  return `\`mqtt-pki crl -f ${places?.specFile ?? "<spec>"}\``;
}

function crlLabel(crl: CrlSummary, places: CrlPlaces | undefined): string {
  const file = places ? ` (${places.localFile})` : "";
  return `${places?.specFile ? "the tree's CRL" : "the CRL"} of ${quoted(crl.issuerCn)}${file}`;
}

function copyStep(places: CrlPlaces | undefined): string {
  if (places?.brokerFile) return `copy ${places.localFile} to the broker's crlfile ${places.brokerFile} (deploy.dir)`;
  if (places)
    return `copy ${places.localFile} to the broker's crlfile unless the broker reads that very file (another host, deploy.dir)`;
  return "copy the renewed CRL to the broker's crlfile";
}

function refused(r: RefusedCertificate): string {
  return `The broker refused CN=${r.cert.subjectCn} with ${describeAlert(r.alert)}, though the certificate is valid (${when(r.cert.notBefore)} to ${when(r.cert.notAfter)}; now: ${when(r.now)})`;
}

export const crlCauses = {
  crlExpired: (r: RefusedCertificate, crl: CrlSummary & { nextUpdate: Date }): Cause => ({
    id: "crl-expired",
    cause: `${refused(r)}: ${crlLabel(crl, r.places)} expired on ${when(crl.nextUpdate)}. Past its nextUpdate, ${REFUSES_EVERY_DEVICE}.`,
    fix: `Renew the CRL with ${renewCrlCommand(r.places)}, ${copyStep(r.places)}, then ${RELOAD}. Renew it before each nextUpdate from now on (\`mqtt-pki status\` shows when it is due).`,
  }),

  crlNotYetValid: (r: RefusedCertificate, crl: CrlSummary): Cause => ({
    id: "crl-not-yet-valid",
    cause: `${refused(r)}: ${crlLabel(crl, r.places)} is valid only from ${when(crl.thisUpdate)}. Before its thisUpdate, ${REFUSES_EVERY_DEVICE}; the clock of the machine that issued it ran ahead, or the broker's runs behind.`,
    fix: `Set both clocks right (NTP), renew the CRL with ${renewCrlCommand(r.places)}, ${copyStep(r.places)}, then ${RELOAD}.`,
  }),

  brokerCrlStale: (r: RefusedCertificate, crl: CrlSummary): Cause => ({
    id: "broker-crl-stale",
    cause: `${refused(r)}, and ${crlLabel(crl, r.places)} is valid${crl.nextUpdate ? ` until ${when(crl.nextUpdate)}` : ""}. So the broker most likely still holds an older CRL that has expired: the current one was not copied to its crlfile, or mosquitto was not reloaded since (it reads crlfile at start and on SIGHUP). Less likely, the broker's clock is wrong${crl.nextUpdate ? ` (past ${when(crl.nextUpdate)})` : ""}.`,
    fix: `${capitalized(copyStep(r.places))}, then ${RELOAD}. To confirm first, run ${BROKER_CHECK} on the broker host.`,
  }),

  brokerCrlUnseen: (r: RefusedCertificate, treeWithoutCrl: boolean): Cause => ({
    id: "broker-crl-unseen",
    cause: `${refused(r)}. doctor cannot see the broker's CRL from here${treeWithoutCrl ? ", and the tree has none (nothing revoked yet), so a crlfile on the broker did not come from this tree" : ""}: the most likely cause is an expired CRL in the broker's crlfile (past its nextUpdate, OpenSSL refuses every client certificate and the broker logs "certificate verify failed"), or the broker's clock is wrong.`,
    fix: `On the broker host, check ${BROKER_CHECK}. If the CRL has expired, renew it where the CA lives (${renewCrlCommand(r.places)}), copy it to the broker's crlfile, then ${RELOAD}; if the clock is wrong, set it right (NTP).`,
  }),
};

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
