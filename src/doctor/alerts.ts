import type { ErrorObservation } from "./observations.js";

/** TLS alerts (RFC 5246 / 8446) a broker may send, by number. */
export const TLS_ALERTS: Readonly<Record<number, string>> = {
  0: "close_notify",
  10: "unexpected_message",
  20: "bad_record_mac",
  40: "handshake_failure",
  42: "bad_certificate",
  43: "unsupported_certificate",
  44: "certificate_revoked",
  45: "certificate_expired",
  46: "certificate_unknown",
  47: "illegal_parameter",
  48: "unknown_ca",
  49: "access_denied",
  50: "decode_error",
  51: "decrypt_error",
  70: "protocol_version",
  71: "insufficient_security",
  80: "internal_error",
  90: "user_canceled",
  109: "missing_extension",
  110: "unsupported_extension",
  112: "unrecognized_name",
  116: "certificate_required",
  120: "no_application_protocol",
};

export interface TlsAlert {
  number: number;
  name: string;
}

/**
 * The alert the peer sent, if this error is one. OpenSSL ends such messages with
 * "SSL alert number N"; Node's code (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA) names it too.
 */
export function alertOf(error: ErrorObservation | undefined): TlsAlert | undefined {
  if (!error) return undefined;
  const numbered = /alert number (\d+)/i.exec(error.message);
  if (numbered) return alertNamed(Number(numbered[1]));
  const coded = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(error.code ?? "");
  if (!coded) return undefined;
  const name = coded[1].toLowerCase();
  const entry = Object.entries(TLS_ALERTS).find(([, known]) => known === name);
  return entry ? { number: Number(entry[0]), name } : undefined;
}

function alertNamed(number: number): TlsAlert {
  return { number, name: TLS_ALERTS[number] ?? "unknown alert" };
}

export function describeAlert(alert: TlsAlert): string {
  return `alert ${alert.name} (${alert.number})`;
}

/** Alerts a broker sends about the client's certificate (the rest are about the connection). */
export const CLIENT_CERT_ALERTS: ReadonlySet<number> = new Set([40, 42, 43, 44, 45, 46, 48, 49, 116]);
