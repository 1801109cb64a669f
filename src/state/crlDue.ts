import { DAY_MS } from "../clock.js";

/** When a CRL is due: half its life left, so cron and monitoring get weeks of warning before a broker locks everyone out. */
export function crlRenewalDue(nextUpdate: Date | undefined, crlDays: number, now: Date): boolean {
  return nextUpdate === undefined || nextUpdate.getTime() - now.getTime() <= (crlDays * DAY_MS) / 2;
}
