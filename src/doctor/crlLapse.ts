import type { TlsAlert } from "./alerts.js";
import { causes, when, type Cause } from "./causes.js";
import { crlCauses, renewCrlCommand, type CrlPlaces } from "./crlCauses.js";
import type { CertSummary, ClientFileFacts } from "./localChecks.js";
import { certValidityAt, validityAt, type Validity } from "./validity.js";

/**
 * What certificate_expired (45) from the broker means. OpenSSL sends it for an expired
 * certificate, but also for a CRL past its nextUpdate: mosquitto sets X509_V_FLAG_CRL_CHECK
 * whenever crlfile is set, so a lapsed CRL refuses every valid device with this alert. Pure:
 * the CRL doctor could read (the tree's) and `now` in, one cause out.
 */

export interface CertificateExpiredFacts {
  alert: TlsAlert;
  now: Date;
  client?: ClientFileFacts;
  /** The server's certificate as it came; its dates say whether `now` is a sane clock. */
  serverLeaf?: CertSummary;
  places?: CrlPlaces;
}

export function crlValidityAt(client: ClientFileFacts, now: Date): Validity | undefined {
  const crl = client.issuerCrl;
  return crl && validityAt({ from: crl.thisUpdate, until: crl.nextUpdate }, now);
}

export function certificateExpiredCause(facts: CertificateExpiredFacts): Cause {
  const { alert, now, client, serverLeaf, places } = facts;
  // A certificate that really is out of its dates (by our clock) explains the alert by itself.
  if (!client || !datesHold(client.cert, serverLeaf, now)) return causes.clientExpiredByBroker(alert, client?.cert);
  const refused = { alert, cert: client.cert, now, places };
  const crl = client.issuerCrl;
  if (!crl) return crlCauses.brokerCrlUnseen(refused, places?.specFile !== undefined && !client.crlChecked);
  const state = crlValidityAt(client, now);
  if (state === "expired" && crl.nextUpdate)
    return crlCauses.crlExpired(refused, { ...crl, nextUpdate: crl.nextUpdate });
  if (state === "not-yet-valid") return crlCauses.crlNotYetValid(refused, crl);
  return crlCauses.brokerCrlStale(refused, crl);
}

function datesHold(cert: CertSummary, serverLeaf: CertSummary | undefined, now: Date): boolean {
  return certValidityAt(cert, now) === "valid" && (!serverLeaf || certValidityAt(serverLeaf, now) === "valid");
}

/**
 * For the client files line: a CRL at hand that is out of its dates. Not a failure of the
 * client's files, but a broker loading that CRL refuses every device, this one included.
 */
export function crlNote(client: ClientFileFacts, now: Date, places: CrlPlaces | undefined): string | undefined {
  const crl = client.issuerCrl;
  const state = crlValidityAt(client, now);
  if (!crl || state === undefined || state === "valid") return undefined;
  const what =
    state === "expired" ? `expired on ${when(crl.nextUpdate!)}` : `is valid only from ${when(crl.thisUpdate)}`;
  return `the CRL ${what}: a broker that loads it refuses every client (renew it with ${renewCrlCommand(places)}, then reload mosquitto)`;
}
