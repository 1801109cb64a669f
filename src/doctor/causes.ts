import { isIP } from "node:net";
import { describeAlert, type TlsAlert } from "./alerts.js";
import type { CertSummary, Revocation } from "./localChecks.js";
import { targetUrl, tlsVersionLabel, usesTls, type DoctorTarget } from "./target.js";
import type { TlsVersion } from "../spec/types.js";

/**
 * The words: for each failure doctor can name, the cause and the fix in a sentence or two.
 * diagnose.ts decides which one applies; this file only phrases it.
 */

export type CauseId =
  | "client-key-mismatch" | "client-cert-revoked" | "client-cert-expired" | "client-cert-not-yet-valid"
  | "tcp-refused" | "tcp-unreachable" | "host-unknown"
  | "tls-files-refused" | "tls-version-mismatch" | "tls-to-plain-port" | "not-tls" | "tls-alert" | "tls-no-answer"
  | "ca-cn-clash" | "no-ca" | "wrong-ca" | "self-signed-server" | "chain-refused"
  | "server-cert-expired" | "server-cert-not-yet-valid" | "hostname-mismatch"
  | "client-ca-untrusted" | "client-cert-required" | "client-cert-rejected"
  | "crl-expired" | "crl-not-yet-valid" | "broker-crl-stale" | "broker-crl-unseen"
  | "mqtts-to-websockets-port" | "wss-to-mqtt-port" | "plain-to-tls-port" | "websocket-refused"
  | "connack-bad-credentials" | "connack-not-authorized" | "connack-refused" | "no-connack";

export interface Cause {
  id: CauseId;
  cause: string;
  fix: string;
}

/** What the sentences may mention besides the failure itself. */
export interface Wording {
  target: DoctorTarget;
  /** The spec's client name, so fixes can name the mqtt-pki command. */
  clientName?: string;
  /** The spec's server name for the port, when the port is one of its listeners. */
  serverName?: string;
}

export function when(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function quoted(cn: string): string {
  return `"${cn}"`;
}

function renewClient(w: Wording): string {
  return w.clientName ? `\`mqtt-pki rotate ${w.clientName}\`` : "your CA";
}

function renewServer(w: Wording): string {
  return w.serverName ? `\`mqtt-pki rotate ${w.serverName}\` (or \`mqtt-pki build\`)` : "its CA";
}

export const causes = {
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

  tcpRefused: (w: Wording): Cause => ({
    id: "tcp-refused",
    cause: `Nothing accepts connections on ${w.target.host} port ${w.target.port} (connection refused).`,
    fix: "Start mosquitto with the generated config (`mosquitto -c …/mosquitto.conf`), and check the port and bind address against its `listener` lines.",
  }),

  tcpUnreachable: (w: Wording, detail: string): Cause => ({
    id: "tcp-unreachable",
    cause: `${w.target.host} port ${w.target.port} cannot be reached (${detail}).`,
    fix: "Check the address, that the broker runs, and that no firewall or security group drops the port.",
  }),

  hostUnknown: (w: Wording): Cause => ({
    id: "host-unknown",
    cause: `The name ${w.target.host} does not resolve to an address.`,
    fix: "Check the spelling, DNS or /etc/hosts, or dial an address the server certificate's SAN covers.",
  }),

  tlsFilesRefused: (message: string): Cause => ({
    id: "tls-files-refused",
    cause: `Node refused the client's own TLS files before connecting: ${message}.`,
    fix: "Check that --cert and --key are a PEM certificate and its unencrypted private key.",
  }),

  tlsVersionMismatch: (alert: TlsAlert, tried: TlsVersion | undefined, accepted: TlsVersion[], w: Wording): Cause => ({
    id: "tls-version-mismatch",
    cause: `The broker refused ${tried ? tlsVersionLabel(tried) : "the offered TLS versions"} with ${describeAlert(alert)}; ${accepted.length > 0 ? `it accepts ${accepted.map(tlsVersionLabel).join(" and ")}` : "it accepted neither TLS 1.2 nor TLS 1.3 either"} (mosquitto's tls_version).`,
    fix: accepted.length > 0
      ? `Connect with ${tlsVersionLabel(accepted[0])} (mosquitto_pub/sub: --tls-version ${accepted[0]}; MQTT.js: minVersion/maxVersion), or change ${w.serverName ? `the server's tlsVersion in the spec` : "the listener's tls_version"} and restart mosquitto.`
      : "Check the listener's tls_version and the OpenSSL versions on both sides.",
  }),

  tlsToPlainPort: (kind: "MQTT" | "websockets", w: Wording): Cause => ({
    id: "tls-to-plain-port",
    cause: `Port ${w.target.port} speaks plain ${kind} without TLS: it answered an unencrypted ${kind === "MQTT" ? "CONNECT" : "websocket upgrade"}, but not the TLS handshake.`,
    fix: `Dial the broker's TLS listener instead, or give this listener cafile, certfile and keyfile in mosquitto.conf; to use it as it is, connect with ${kind === "MQTT" ? "mqtt://" : "ws://"} (unencrypted).`,
  }),

  notTls: (message: string, w: Wording): Cause => ({
    id: "not-tls",
    cause: `Port ${w.target.port} answered the TLS handshake with something that is not TLS (${message}).`,
    fix: "Check the port: it is not a TLS listener of this broker.",
  }),

  tlsAlert: (alert: TlsAlert): Cause => ({
    id: "tls-alert",
    cause: `The broker ended the TLS handshake with ${describeAlert(alert)}.`,
    fix: "Run the broker with -v and read its log line for this connection: it names the OpenSSL error.",
  }),

  tlsNoAnswer: (detail: string): Cause => ({
    id: "tls-no-answer",
    cause: `The broker gave no TLS answer (${detail}).`,
    fix: "Check mosquitto's log: a listener whose certfile or keyfile cannot be read drops every handshake; also check that the port is a TLS listener.",
  }),

  caCnClash: (cn: string, code: string | undefined): Cause => ({
    id: "ca-cn-clash",
    cause: `The server certificate and its CA share the CN ${quoted(cn)}: OpenSSL then takes the server certificate for a self-signed one and refuses the chain${code ? ` (Node: ${code})` : ""}.`,
    fix: "Give the CA a CN of its own (e.g. \"Example MQTT Root CA\"), then issue the CA and the server certificate again and hand the new CA file to the clients; mqtt-pki refuses such a spec.",
  }),

  noCa: (leaf: CertSummary, code: string | undefined): Cause => ({
    id: "no-ca",
    cause: `No CA file was given, so the server certificate CN=${leaf.subjectCn}, issued by ${quoted(leaf.issuerCn)}, is checked against the system trust store, which does not hold that private CA${code ? ` (Node: ${code}; mosquitto sends its CA along, hence "in chain")` : ""}.`,
    fix: "Pass the CA that issued the broker's certificate: --cafile …/ca/ca.crt (mosquitto_pub/sub: --cafile, which is also what switches TLS on; MQTTX: --ca; MQTT.js: ca).",
  }),

  wrongCa: (leaf: CertSummary, caFileCns: string[], code: string | undefined): Cause => ({
    id: "wrong-ca",
    cause: `The CA file holds ${caFileCns.map(quoted).join(", ")}, but the server certificate CN=${leaf.subjectCn} was issued by ${quoted(leaf.issuerCn)}, so the client cannot trust it${code ? ` (Node: ${code})` : ""}.`,
    fix: `Use the CA file of the PKI that issued the broker's certificate (the one named ${quoted(leaf.issuerCn)}; during a CA rotation, ca/bundle.crt).`,
  }),

  selfSignedServer: (leaf: CertSummary): Cause => ({
    id: "self-signed-server",
    cause: `The server certificate CN=${leaf.subjectCn} is self-signed, and the CA file does not hold it.`,
    fix: "Issue the broker a certificate from a CA (`mqtt-pki build` does) and give clients that CA; or pass this very certificate as --cafile.",
  }),

  chainRefused: (anchor: CertSummary, code: string): Cause => ({
    id: "chain-refused",
    cause: `The CA ${quoted(anchor.subjectCn)} issued the server certificate, yet OpenSSL refuses the chain: ${code}.`,
    fix: "Check the CA's and the server certificate's extensions (basicConstraints CA:TRUE on the CA, serverAuth on the server) with `mqtt-pki verify` or `openssl verify -CAfile ca.crt -purpose sslserver server.crt`.",
  }),

  serverExpired: (leaf: CertSummary, now: Date, w: Wording): Cause => ({
    id: "server-cert-expired",
    cause: `The broker's certificate CN=${leaf.subjectCn} expired on ${when(leaf.notAfter)} (now: ${when(now)}); clients refuse it (Node: CERT_HAS_EXPIRED).`,
    fix: `Renew it with ${renewServer(w)} and restart mosquitto so it loads the new certfile.`,
  }),

  serverNotYetValid: (leaf: CertSummary, now: Date): Cause => ({
    id: "server-cert-not-yet-valid",
    cause: `The broker's certificate CN=${leaf.subjectCn} is valid only from ${when(leaf.notBefore)} (now: ${when(now)}).`,
    fix: "Check the clocks of the issuing machine and of this client (NTP).",
  }),

  hostnameMismatch: (name: string, san: string, w: Wording): Cause => ({
    id: "hostname-mismatch",
    cause: `The client dialled ${name}, but the server certificate's SAN holds only ${san}; clients refuse the mismatch (Node: ERR_TLS_CERT_ALTNAME_INVALID).`,
    fix: w.serverName
      ? `Dial a name the SAN holds, or add ${name} to the server's ${isIP(name) ? "ip" : "dns"} list in the spec and run \`mqtt-pki build\` (it reissues the server certificate), then restart mosquitto.`
      : `Dial a name the SAN holds, or reissue the server certificate with ${name} in its subjectAltName and restart the broker.`,
  }),

  clientCaUntrusted: (alert: TlsAlert, cert: CertSummary | undefined, serverIssuer: string | undefined, late: boolean): Cause => ({
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

  mqttsToWebsocketsPort: (reply: string | undefined, w: Wording): Cause => {
    const secure = usesTls(w.target.protocol);
    const ws = secure ? "wss" : "ws";
    return {
      id: "mqtts-to-websockets-port",
      cause: `Port ${w.target.port} is a websockets listener, but ${secure ? "MQTT over TLS (mqtts)" : "plain MQTT"} was sent to it${reply ? `; it answered ${quoted(reply)}` : ""}.`,
      fix: `Connect with ${ws}://${w.target.host}:${w.target.port}${w.target.path} (MQTTX: -l ${ws} --path ${w.target.path}). MQTTX CLI 1.9.4 to 1.9.10 switch wss to mqtts whenever a client certificate is given: upgrade it to 1.10 or later.`,
    };
  },

  wssToMqttPort: (w: Wording): Cause => {
    const secure = usesTls(w.target.protocol);
    const mqtt = secure ? "mqtts" : "mqtt";
    return {
      id: "wss-to-mqtt-port",
      cause: `Port ${w.target.port} is an MQTT${secure ? "-over-TLS" : ""} listener, not websockets: it dropped the HTTP upgrade but answers an MQTT CONNECT${secure ? " over TLS" : ""}.`,
      fix: `Connect with ${mqtt}://${w.target.host}:${w.target.port} (MQTTX: -l ${mqtt}), or dial the broker's websockets port for ${secure ? "wss" : "ws"}.`,
    };
  },

  plainToTlsPort: (w: Wording): Cause => ({
    id: "plain-to-tls-port",
    cause: `Port ${w.target.port} speaks TLS, but the connection sent plain ${w.target.protocol === "ws" ? "websockets" : "MQTT"}; the broker dropped it without an answer.`,
    fix: `Connect with ${w.target.protocol === "ws" ? "wss" : "mqtts"}:// and the CA file (mosquitto_pub/sub: --cafile switches TLS on, --cert/--key alone do not; MQTTX: -l ${w.target.protocol === "ws" ? "wss" : "mqtts"}).`,
  }),

  websocketRefused: (detail: string, w: Wording): Cause => ({
    id: "websocket-refused",
    cause: `The websocket upgrade on ${targetUrl(w.target)} failed: ${detail}.`,
    fix: "Check the port and --path; mosquitto answers any path with subprotocol mqtt, so another server may be listening here.",
  }),

  connackBadCredentials: (code: number, certSent: boolean, broker: { identityAsUsername: boolean; requireCertificate: boolean } | undefined): Cause => ({
    id: "connack-bad-credentials",
    cause: `TLS worked, but the broker answered CONNACK ${code} "bad user name or password". ${certSent
      ? "No username or password was sent: on a listener without use_identity_as_username the broker wants -u/-P that match its password_file."
      : `No client certificate was sent${broker?.identityAsUsername === false ? "" : `: with use_identity_as_username true the username is the certificate's CN, so without a certificate there is none${broker?.requireCertificate === false ? " (require_certificate false let the handshake through)" : ""}`}.`}`,
    fix: certSent
      ? "Connect with a username and password from the broker's password_file, or set use_identity_as_username true on the listener (mqtt-pki's identityAsUsername) and restart mosquitto."
      : "Send the client certificate and key (--cert/--key); with use_identity_as_username true, -u/-P are ignored.",
  }),

  connackNotAuthorized: (code: number, cert: CertSummary | undefined): Cause => ({
    id: "connack-not-authorized",
    cause: `TLS worked, but the broker answered CONNACK ${code} "not authorized": with allow_anonymous false a client needs a username, and ${cert
      ? `the certificate CN=${cert.subjectCn} supplies one only on listeners with use_identity_as_username true`
      : "no client certificate (and no -u/-P) was sent"}; otherwise the broker wants -u/-P from its password_file, and an ACL may also refuse.`,
    fix: cert
      ? "Set use_identity_as_username true on the listener (mqtt-pki: identityAsUsername: true, the default) and restart mosquitto, or connect with a username/password the broker knows."
      : "Send the client certificate and key (--cert/--key) to a use_identity_as_username listener, or a username/password from the password_file.",
  }),

  connackRefused: (code: number, meaning: string): Cause => ({
    id: "connack-refused",
    cause: `TLS worked, but the broker refused the MQTT connection: CONNACK ${code} "${meaning}".`,
    fix: "Read the broker's log for this client id; the CONNACK code says which check refused it.",
  }),

  noConnack: (detail: string): Cause => ({
    id: "no-connack",
    cause: `The broker sent no CONNACK: ${detail}.`,
    fix: "Run the broker with -v and look at its log for this connection (client id mqtt-pki-doctor-…).",
  }),
};
