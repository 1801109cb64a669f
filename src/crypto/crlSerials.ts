import { pemBlocks } from "./pem.js";
import { crlFacts } from "./crlFacts.js";

/** Serial numbers (lower-case hex) listed in every CRL of a crl.pem; throws on a damaged block. */
export function revokedSerials(crlPem: string | undefined): Set<string> {
  const serials = new Set<string>();
  for (const block of pemBlocks(crlPem ?? "", "X509 CRL")) {
    for (const entry of crlFacts(block).entries) serials.add(entry.serial);
  }
  return serials;
}
