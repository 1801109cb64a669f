import { PkiError } from "./errors.js";

/** Environment variable that pins "now" for every command (tests, dry runs of the future). */
export const NOW_ENV = "MQTT_PKI_NOW";

/**
 * The one place commands take the current time from: an explicit value (the CLI's --now),
 * else $MQTT_PKI_NOW, else the system clock.
 */
export function currentTime(explicit?: string | Date): Date {
  if (explicit instanceof Date) return explicit;
  const text = explicit ?? process.env[NOW_ENV];
  if (text === undefined || text === "") return new Date();
  const parsed = new Date(text);
  if (Number.isNaN(parsed.getTime())) {
    throw new PkiError(`cannot read the time \`${text}\``, { hint: "write an ISO 8601 date such as 2027-01-31 or 2027-01-31T12:00:00Z" });
  }
  return parsed;
}

/** One day in milliseconds: certificate and CRL lifetimes are given in days. */
export const DAY_MS = 24 * 60 * 60 * 1000;
