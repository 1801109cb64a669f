/**
 * Where a moment falls in a validity window. Certificates have notBefore/notAfter, CRLs
 * thisUpdate/nextUpdate; OpenSSL refuses both outside the window, and reports either as
 * certificate_expired (45).
 */
export type Validity = "valid" | "expired" | "not-yet-valid";

export interface ValidityWindow {
  from: Date;
  /** Absent for a CRL without nextUpdate: OpenSSL never calls such a CRL expired. */
  until?: Date;
}

export function validityAt(window: ValidityWindow, now: Date): Validity {
  if (window.until !== undefined && now.getTime() > window.until.getTime()) return "expired";
  if (now.getTime() < window.from.getTime()) return "not-yet-valid";
  return "valid";
}

export function certValidityAt(cert: { notBefore: Date; notAfter: Date }, now: Date): Validity {
  return validityAt({ from: cert.notBefore, until: cert.notAfter }, now);
}
