import { writingTime } from "../clock.js";
import { renewTreeCrl, type CrlReport } from "../build/crlRenewal.js";
import { defaultPassphrase, type PassphraseSource } from "../io/passphrase.js";

export type { CrlReport } from "../build/crlRenewal.js";

export interface CrlOptions {
  specFile?: string;
  now?: Date | string;
  /** Renew even when the CRL is not due yet. */
  force?: boolean;
  /** Let `now` lie ahead of the real clock (refused otherwise: a CRL from the future locks every client out). */
  issueInTheFuture?: boolean;
  passphrase?: PassphraseSource;
}

/**
 * Renews the tree's CRL when it is due (half its life gone), or at once with `force`, and
 * touches nothing else: for cron, so that the broker's CRL never lapses. Builds, rotations and
 * revocations renew it too, whenever they run.
 */
export async function renewCrl(options: CrlOptions = {}): Promise<CrlReport> {
  // Before the spec is read: a pretended time ahead of the clock is refused before anything is touched.
  const now = writingTime(options.now, options.issueInTheFuture);
  return renewTreeCrl({
    specFile: options.specFile,
    now,
    force: options.force,
    passphrase: options.passphrase ?? defaultPassphrase,
  });
}
