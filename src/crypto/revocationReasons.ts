/** CRL reason codes (RFC 5280 5.3.1) that mqtt-pki writes; a module of its own so the CLI can list them without loading the CRL code. */
export const REVOCATION_REASONS = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "privilegeWithdrawn",
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];
