import { describeAlert, type TlsAlert } from "./alerts.js";
import type { CertSummary } from "./localChecks.js";
import { quoted, type Cause, type Wording } from "./phrasing.js";
import { targetUrl, tlsVersionLabel, usesTls } from "./target.js";
import type { TlsVersion } from "../spec/types.js";

/** The words for failures of the connection itself: TCP, the TLS handshake, a mixed-up protocol, MQTT. */

export const connectionCauses = {
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
    fix:
      accepted.length > 0
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

  connackBadCredentials: (
    code: number,
    certSent: boolean,
    broker: { identityAsUsername: boolean; requireCertificate: boolean } | undefined,
  ): Cause => ({
    id: "connack-bad-credentials",
    cause: `TLS worked, but the broker answered CONNACK ${code} "bad user name or password". ${
      certSent
        ? "No username or password was sent: on a listener without use_identity_as_username the broker wants -u/-P that match its password_file."
        : `No client certificate was sent${broker?.identityAsUsername === false ? "" : `: with use_identity_as_username true the username is the certificate's CN, so without a certificate there is none${broker?.requireCertificate === false ? " (require_certificate false let the handshake through)" : ""}`}.`
    }`,
    fix: certSent
      ? "Connect with a username and password from the broker's password_file, or set use_identity_as_username true on the listener (mqtt-pki's identityAsUsername) and restart mosquitto."
      : "Send the client certificate and key (--cert/--key); with use_identity_as_username true, -u/-P are ignored.",
  }),

  connackNotAuthorized: (code: number, cert: CertSummary | undefined): Cause => ({
    id: "connack-not-authorized",
    cause: `TLS worked, but the broker answered CONNACK ${code} "not authorized": with allow_anonymous false a client needs a username, and ${
      cert
        ? `the certificate CN=${cert.subjectCn} supplies one only on listeners with use_identity_as_username true`
        : "no client certificate (and no -u/-P) was sent"
    }; otherwise the broker wants -u/-P from its password_file, and an ACL may also refuse.`,
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
