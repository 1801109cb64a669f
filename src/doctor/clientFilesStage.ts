import { causes, quoted, when, type Cause, type Wording } from "./causes.js";
import type { CrlPlaces } from "./crlCauses.js";
import { crlNote } from "./crlLapse.js";
import type { ClientFileFacts } from "./localChecks.js";
import { certValidityAt } from "./validity.js";

/**
 * The "client files" line: what is wrong with the client's own certificate and key before a
 * byte is sent. Pure: the facts read from the files and `now` in, the line (and the cause
 * when it fails) out.
 */

export interface ClientFilesInput {
  client: ClientFileFacts;
  now: Date;
  wording: Wording;
  crlPlaces?: CrlPlaces;
}

export interface ClientFilesVerdict {
  detail: string;
  /** Set when the files fail: the first problem found. */
  cause?: Cause;
}

export function judgeClientFiles({ client, now, wording, crlPlaces }: ClientFilesInput): ClientFilesVerdict {
  const { cert } = client;
  const problems: { detail: string; cause: Cause }[] = [];
  if (!client.keyMatches)
    problems.push({ detail: "the key does not match the certificate", cause: causes.clientKeyMismatch(cert, wording) });
  if (client.revocation)
    problems.push({
      detail: `revoked on ${when(client.revocation.revokedAt)} (listed in the CRL)`,
      cause: causes.clientRevoked(cert, client.revocation, wording),
    });
  const state = certValidityAt(cert, now);
  if (state === "expired")
    problems.push({ detail: `expired on ${when(cert.notAfter)}`, cause: causes.clientExpired(cert, now, wording) });
  if (state === "not-yet-valid")
    problems.push({ detail: `valid only from ${when(cert.notBefore)}`, cause: causes.clientNotYetValid(cert, now) });
  const who = `CN=${cert.subjectCn} from ${quoted(cert.issuerCn)}`;
  // An out-of-date CRL is noted, not failed: the certificate and key themselves are fine,
  // and whether the broker holds that very CRL only the handshake can tell.
  const note = crlNote(client, now, crlPlaces);
  const noted = note ? `; ${note}` : "";
  if (problems.length === 0)
    return {
      detail: `${who}, valid until ${when(cert.notAfter)}; the key matches${client.crlChecked ? "; not on the CRL" : ""}${noted}`,
    };
  return {
    detail: `${who}: ${problems.map((problem) => problem.detail).join("; ")}${noted}`,
    cause: problems[0].cause,
  };
}
