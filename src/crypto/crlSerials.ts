import { x509 } from "./provider.js";
import { pemBlocks } from "./der.js";

/** Serial numbers (lower-case hex) listed in every CRL of a crl.pem. */
export function revokedSerials(crlPem: string | undefined): Set<string> {
  const serials = new Set<string>();
  for (const block of pemBlocks(crlPem ?? "", "X509 CRL")) {
    for (const entry of new x509.X509Crl(block).entries) serials.add(entry.serialNumber.toLowerCase());
  }
  return serials;
}
