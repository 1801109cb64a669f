import { emptyLedger, serializeLedger, type IssuedRecord, type Ledger } from "../../../src/state/ledger.js";

const record = (serial: string, name: string): IssuedRecord => ({
  serial, role: "client", name, cn: name, notBefore: "2026-01-01T00:00:00.000Z", notAfter: "2027-01-01T00:00:00.000Z",
  fingerprint256: "AA:BB", issuer: "CC:DD", status: "active",
});

describe("serializeLedger", () => {
  test.each<[string, Ledger]>([
    ["an empty ledger", emptyLedger()],
    ["records with quotes and non-ASCII", { version: 1, crlNumber: 3, certificates: [record("01", "a\"b"), record("02", "Zürich ✓"), { ...record("03", "c"), status: "revoked", revokedAt: "2026-02-01T00:00:00.000Z", reason: "keyCompromise" }] }],
  ])("writes JSON that reads back to %s", (_what, ledger) => {
    expect(JSON.parse(serializeLedger(ledger))).toEqual(ledger);
  });

  test("puts each certificate on a line of its own", () => {
    const lines = serializeLedger({ version: 1, crlNumber: 0, certificates: [record("01", "sensor-001"), record("02", "sensor-002")] }).split("\n");
    expect(lines.filter((line) => line.includes("sensor-001"))).toHaveLength(1);
    expect(JSON.parse(lines.find((line) => line.includes("sensor-002"))!.trim())).toEqual(record("02", "sensor-002"));
  });
});
