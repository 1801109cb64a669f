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
    throw new PkiError(`cannot read the time \`${text}\``, {
      hint: "write an ISO 8601 date such as 2027-01-31 or 2027-01-31T12:00:00Z",
    });
  }
  return parsed;
}

/** One day in milliseconds: certificate and CRL lifetimes are given in days. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** How far ahead of this machine's clock a pretended time may be and still count as "now" (test clocks drift a little). */
const FUTURE_SLACK_MS = 60 * 1000;

/**
 * "Now" for a command that writes certificates or CRLs. A pretended time ahead of the real
 * clock would leak into them: certificates not valid yet, and a CRL whose thisUpdate lies in the
 * future makes mosquitto refuse every client. So it is refused, unless asked for by name.
 */
export function writingTime(explicit: string | Date | undefined, allowFuture = false): Date {
  const now = currentTime(explicit);
  const real = Date.now();
  if (allowFuture || now.getTime() <= real + FUTURE_SLACK_MS) return now;
  throw new PkiError(
    `the pretended time ${now.toISOString()} is ahead of this machine's clock (${new Date(real).toISOString()}); nothing was written`,
    {
      hint: `certificates and CRLs made now would carry that date: a CRL from the future makes mosquitto refuse every client. Drop --now (and $${NOW_ENV}) for commands that write, or add --issue-in-the-future if that is really what you want`,
    },
  );
}

/** Whether a time lies ahead of this machine's clock (the banner of --issue-in-the-future). */
export function isAheadOfClock(now: Date): boolean {
  return now.getTime() > Date.now() + FUTURE_SLACK_MS;
}
