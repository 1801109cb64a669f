import { describeAlert, type TlsAlert } from "./alerts.js";
import type { CertSummary, Revocation } from "./localChecks.js";
import { quoted, when, type Cause, type Wording } from "./phrasing.js";

/** The words for what is wrong with the client's certificate, found locally or by the broker. */

function renewClient(w: Wording): string {
  return w.clientName ? `\`mqtt-pki rotate ${w.clientName}\`` : "your CA";
}

export const clientCertCauses = {
  clientKeyMismatch: (cert: CertSummary, w: Wording): Cause => ({
    id: "client-key-mismatch",
    cause: `The client key does not belong to the certificate CN=${cert.subjectCn}: their public keys differ, so no TLS library will use the pair (Node: key values mismatch).`,
    fix: `Pass the key that was made with this certificate (client.key beside client.crt), or issue a new pair with ${w.clientName ? `\`mqtt-pki rotate ${w.clientName}\`` : "your CA"}.`,
  }),

  clientRevoked: (cert: CertSummary, revocation: Revocation, w: Wording): Cause => ({
    id: "client-cert-revoked",
    cause: `The client certificate CN=${cert.subjectCn} (serial ${cert.serial}) was revoked on ${when(revocation.revokedAt)}${revocation.reason ? ` (${revocation.reason})` : ""}: the CRL in the tree lists it, and a broker that loads it with crlfile refuses it (alert certificate_revoked 44).`,
    fix: `Give the device a new certificate with ${renewClient(w)}, copy client.crt and client.key to it; restart mosquitto (or send it SIGHUP) whenever the CRL changes.`,
  }),

  clientRevokedByBroker: (alert: TlsAlert, cert: CertSummary | undefined, w: Wording): Cause => ({
    id: "client-cert-revoked",
    cause: `The broker refused the client certificate${cert ? ` CN=${cert.subjectCn}` : ""} with ${describeAlert(alert)}: the CRL in its crlfile lists this serial.`,
    fix: `Give the device a new certificate (${renewClient(w)}); if it should not be revoked, remove it from the CRL and restart mosquitto.`,
  }),

  clientExpired: (cert: CertSummary, now: Date, w: Wording): Cause => ({
    id: "client-cert-expired",
    cause: `The client certificate CN=${cert.subjectCn} expired on ${when(cert.notAfter)} (now: ${when(now)}); brokers refuse it (alert certificate_expired 45).`,
    fix: `Issue a fresh one with ${renewClient(w)} (\`mqtt-pki build\` renews certificates near their end) and copy client.crt to the device.`,
  }),

  clientNotYetValid: (cert: CertSummary, now: Date): Cause => ({
    id: "client-cert-not-yet-valid",
    cause: `The client certificate CN=${cert.subjectCn} is valid only from ${when(cert.notBefore)} (now: ${when(now)}); the broker refuses it until then.`,
    fix: "Check the clock of the machine that issued it and of this one (NTP), or reissue it with the right time.",
  }),

  clientExpiredByBroker: (alert: TlsAlert, cert: CertSummary | undefined): Cause => ({
    id: "client-cert-expired",
    cause: `The broker refused the client certificate${cert ? ` CN=${cert.subjectCn} (valid ${when(cert.notBefore)} to ${when(cert.notAfter)})` : ""} with ${describeAlert(alert)}: by the broker's clock it has expired or is not valid yet.`,
    fix: "Compare the broker's clock with the certificate's dates (NTP); renew the certificate if it has really run out.",
  }),

  clientCaUntrusted: (
    alert: TlsAlert,
    cert: CertSummary | undefined,
    serverIssuer: string | undefined,
    late: boolean,
  ): Cause => ({
    id: "client-ca-untrusted",
    cause: `The broker does not trust the issuer of the client certificate${cert ? ` CN=${cert.subjectCn} (issued by ${quoted(cert.issuerCn)})` : ""}: it answered with ${describeAlert(alert)}${late ? " after the TLS 1.3 handshake, on the first read" : ""}.`,
    fix: `Use a client certificate from the CA in the broker's cafile${serverIssuer ? ` (its own certificate comes from ${quoted(serverIssuer)})` : ""}, or add ${cert ? quoted(cert.issuerCn) : "the client's CA"} to the broker's cafile and restart mosquitto.`,
  }),

  clientCertRequired: (alert: TlsAlert, late: boolean): Cause => ({
    id: "client-cert-required",
    cause: `The broker requires a client certificate (require_certificate true) and none was sent: it answered with ${describeAlert(alert)}${late ? " after the TLS 1.3 handshake, on the first read" : ""}.`,
    fix: "Pass the client certificate and key (doctor: --client NAME or --cert/--key; mosquitto_pub/sub: --cert and --key; MQTTX: --cert --key).",
  }),

  clientCertRejected: (alert: TlsAlert, cert: CertSummary | undefined, late: boolean): Cause => ({
    id: "client-cert-rejected",
    cause: `The broker rejected the client certificate${cert ? ` CN=${cert.subjectCn}` : ""} with ${describeAlert(alert)}${late ? " after the TLS 1.3 handshake" : ""}.`,
    fix: "Run the broker with -v: its log names the OpenSSL verify error (a CRL that expired, a certificate without clientAuth, an unsupported key type).",
  }),
};
