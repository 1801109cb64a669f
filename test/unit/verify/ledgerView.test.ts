import { relevantRecords } from "../../../src/verify/ledgerView.js";
import { identityDenials } from "../../../src/state/revokedIdentities.js";
import type { IssuedRecord, Ledger } from "../../../src/state/ledger.js";

const record = (serial: string, name: string, status: IssuedRecord["status"], cn = name): IssuedRecord => ({
  serial,
  role: "client",
  name,
  cn,
  notBefore: "2030-01-01T00:00:00.000Z",
  notAfter: "2032-01-01T00:00:00.000Z",
  fingerprint256: `FP-${serial}`,
  issuer: "CA",
  status,
});

describe("relevantRecords", () => {
  const ledger: Ledger = {
    version: 1,
    crlNumber: 3,
    certificates: [
      record("01", "a", "active"),
      record("02", "b", "revoked"),
      record("03", "c", "superseded"),
      record("04", "c", "revoked"),
      record("05", "c2", "active", "c"),
      record("06", "d", "superseded"),
      ...Array.from({ length: 100 }, (_, i) => record(`1${i}`, `x${i}`, "active")),
    ],
  };

  test("keeps the revoked records, the active ones reusing their CNs and the serials a CRL lists, in order", () => {
    const kept = relevantRecords(ledger, new Set(["06"])).certificates.map((r) => r.serial);
    expect(kept).toEqual(["02", "04", "05", "06"]);
  });

  test("the revoked identities come out as from the whole ledger", () => {
    const now = new Date("2031-01-01T00:00:00Z");
    expect(identityDenials(relevantRecords(ledger, new Set()), now)).toEqual(identityDenials(ledger, now));
  });
});
