import { alertOf, describeAlert, type TlsAlert } from "./alerts.js";
import { causes, type Cause, type Wording } from "./causes.js";
import { certificateExpiredCause } from "./crlLapse.js";
import { RANK, type DoctorInput, type Findings } from "./findings.js";

/** The "client certificate" line, and the cause behind a broker's alert about the client's certificate. */

export function clientCertCause(alert: TlsAlert, input: DoctorInput, wording: Wording, late: boolean): Cause {
  const sent = input.observations.tls?.clientCertSent ?? false;
  const cert = input.client?.cert;
  switch (alert.number) {
    case 116:
      return causes.clientCertRequired(alert, late);
    case 40:
      return sent ? causes.clientCertRejected(alert, cert, late) : causes.clientCertRequired(alert, late);
    case 48:
      return sent
        ? causes.clientCaUntrusted(alert, cert, input.serverChain?.leaf.issuerCn, late)
        : causes.clientCertRequired(alert, late);
    case 45:
      return certificateExpiredCause({
        alert,
        now: input.now,
        client: input.client,
        serverLeaf: input.serverChain?.leaf,
        places: input.crlPlaces,
      });
    case 44:
      return causes.clientRevokedByBroker(alert, cert, wording);
    default:
      return causes.clientCertRejected(alert, cert, late);
  }
}

/**
 * With TLS 1.3 the broker judges the client's certificate after the handshake: a rejection
 * arrives as an alert on the first read (the upgrade answer or the CONNACK). Returns true
 * when such an alert ended the connection.
 */
export function checkClientCertificate(input: DoctorInput, found: Findings, wording: Wording): boolean {
  const { tls, websocket, mqtt } = input.observations;
  if (!tls?.ok) return false;
  const cert = input.client?.cert;
  const late = alertOf(websocket?.error) ?? alertOf(mqtt?.error);
  if (late) {
    const detail = `${cert ? `the broker rejected CN=${cert.subjectCn}` : "none sent; the broker wants one"}: ${describeAlert(late)} after the handshake`;
    found.fail("client certificate", detail, RANK.clientCert, clientCertCause(late, input, wording, true));
    return true;
  }
  const replied =
    websocket?.statusCode !== undefined || mqtt?.connack !== undefined || mqtt?.unexpectedReply !== undefined;
  if (!replied) return false;
  found.pass(
    "client certificate",
    cert ? `the broker accepted CN=${cert.subjectCn}` : "none sent, and the broker went on without one",
  );
  return false;
}
