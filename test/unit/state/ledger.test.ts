import { emptyLedger, LedgerBook, type IssuedRecord, type Ledger } from "../../../src/state/ledger.js";
import { ledgerPieces, parseLedger, serializeLedger } from "../../../src/state/ledgerFormat.js";

const record = (serial: string, name: string): IssuedRecord => ({
  serial,
  role: "client",
  name,
  cn: name,
  notBefore: "2026-01-01T00:00:00.000Z",
  notAfter: "2027-01-01T00:00:00.000Z",
  fingerprint256: "AA:BB",
  issuer: "CC:DD",
  status: "active",
});

describe("serializeLedger", () => {
  test.each<[string, Ledger]>([
    ["an empty ledger", emptyLedger()],
    [
      "records with quotes and non-ASCII",
      {
        version: 1,
        crlNumber: 3,
        certificates: [
          record("01", 'a"b'),
          record("02", "Zürich ✓"),
          { ...record("03", "c"), status: "revoked", revokedAt: "2026-02-01T00:00:00.000Z", reason: "keyCompromise" },
        ],
      },
    ],
  ])("writes JSON that reads back to %s", (_what, ledger) => {
    expect(JSON.parse(serializeLedger(ledger))).toEqual(ledger);
  });

  test("puts each certificate on a line of its own", () => {
    const lines = serializeLedger({
      version: 1,
      crlNumber: 0,
      certificates: [record("01", "sensor-001"), record("02", "sensor-002")],
    }).split("\n");
    expect(lines.filter((line) => line.includes("sensor-001"))).toHaveLength(1);
    expect(JSON.parse(lines.find((line) => line.includes("sensor-002"))!.trim())).toEqual(record("02", "sensor-002"));
  });
});

describe("parseLedger", () => {
  const ledger: Ledger = {
    version: 1,
    crlNumber: 2,
    certificates: [record("01", "sensor-001"), record("02", 'Zürich "x"'), record("03", "sensor-003")],
  };

  test("reads serializeLedger's text back to the same ledger, and writes it back byte for byte", () => {
    const text = serializeLedger(ledger);
    expect(parseLedger(text)).toEqual(ledger);
    expect(serializeLedger(parseLedger(text))).toBe(text);
    expect(parseLedger(serializeLedger(emptyLedger()))).toEqual(emptyLedger());
  });

  test("keeps an unchanged record's line as it was read, and writes a replaced record anew", () => {
    const edited = serializeLedger(ledger).replace('{"serial":"01"', '{ "serial": "01"');
    const book = new LedgerBook(parseLedger(edited));
    book.revoke("client", "sensor-003", "keyCompromise", new Date("2026-06-01T00:00:00Z"));
    const written = serializeLedger(book.ledger());
    expect(written).toContain('{ "serial": "01"');
    expect(
      JSON.parse(
        written
          .split("\n")
          .find((line) => line.includes("sensor-003"))!
          .trim(),
      ),
    ).toMatchObject({ status: "revoked", reason: "keyCompromise" });
    expect(JSON.parse(written)).toEqual(
      JSON.parse(serializeLedger({ ...ledger, certificates: book.ledger().certificates })),
    );
  });

  test("refuses the layout's text cut after the list (no closing brace), as JSON does", () => {
    const text = serializeLedger(ledger);
    expect(() => parseLedger(text.replace(/}\n$/, "\n"))).toThrow(SyntaxError);
    expect(() => parseLedger(text.replace("  ]\n", ""))).toThrow(SyntaxError);
  });

  test("reads any other JSON layout (an indented state.json) as plain JSON, and rejects what is not JSON", () => {
    expect(parseLedger(JSON.stringify(ledger, null, 2))).toEqual(ledger);
    expect(() => parseLedger(serializeLedger(ledger).replace("sensor-003", 'sensor-003"'))).toThrow(SyntaxError);
  });
});

describe("LedgerBook.modified", () => {
  const read = (): Ledger =>
    parseLedger(serializeLedger({ version: 1, crlNumber: 4, certificates: [record("01", "a")] }));

  test("is false until something is recorded: an unchanged ledger is not written out again", () => {
    const book = new LedgerBook(read());
    book.issued(read().certificates[0]);
    book.annotate("AA:BB", {});
    book.revoke("client", "nobody", "keyCompromise", new Date("2026-06-01T00:00:00Z"));
    expect(book.modified).toBe(false);
  });

  test.each<[string, (book: LedgerBook) => void]>([
    ["a new certificate", (book) => book.issued({ ...record("02", "b"), fingerprint256: "EE:FF" })],
    ["a revocation", (book) => book.revoke("client", "a", "keyCompromise", new Date("2026-06-01T00:00:00Z"))],
    ["a digest added", (book) => book.annotate("AA:BB", { keyDigest: "k" })],
    ["a revocation put back from the CRL", (book) => book.restoreRevocation("01", "CC:DD", listed)],
    ["a new CRL number", (book) => (book.crlNumber = 5)],
  ])("is true after %s", (_what, change) => {
    const book = new LedgerBook(read());
    change(book);
    expect(book.modified).toBe(true);
  });

  const listed = { revokedAt: new Date("2026-06-01T00:00:00Z"), reason: "keyCompromise" as const };
});

/** How state.json was read before it was read line by line: the whole text, split (the oracle). */
function wholeTextParse(text: string): Ledger {
  const lines = text.split("\n");
  const open = lines.indexOf('  "certificates": [');
  const close = lines.lastIndexOf("  ]");
  if (
    lines[0] === "{" &&
    open > 0 &&
    close > open &&
    lines[close + 1] === "}" &&
    lines.slice(close + 2).every((l) => l === "")
  ) {
    try {
      const head = JSON.parse(`{${lines.slice(1, open).join("\n").replace(/,\s*$/, "")}}`) as Omit<
        Ledger,
        "certificates"
      >;
      const certificates: IssuedRecord[] = [];
      for (let i = open + 1; i < close; i++) {
        const line = lines[i].trim();
        certificates.push(JSON.parse(i < close - 1 && line.endsWith(",") ? line.slice(0, -1) : line) as IssuedRecord);
      }
      return { ...head, certificates };
    } catch {
      // as plain JSON below
    }
  }
  return JSON.parse(text) as Ledger;
}

describe("parseLedger, line by line, reads what the whole-text reader read", () => {
  const base = (): Ledger => ({
    version: 1,
    crlNumber: 3,
    certificates: [record("01", "a"), record("02", 'Zürich "x"'), { ...record("03", "c"), status: "revoked" }],
  });
  const outcome = (parse: () => Ledger): unknown => {
    try {
      return parse();
    } catch (error) {
      return (error as Error).name;
    }
  };

  test.each([
    ["a state.json", serializeLedger(base())],
    ["an empty one", serializeLedger(emptyLedger())],
  ])("every text made by cutting or doubling one character of %s", (_what, text) => {
    for (let at = 0; at < text.length; at++) {
      for (const variant of [text.slice(0, at) + text.slice(at + 1), text.slice(0, at) + text[at] + text.slice(at)]) {
        expect({ at, got: outcome(() => parseLedger(variant)) }).toEqual({
          at,
          got: outcome(() => wholeTextParse(variant)),
        });
      }
    }
  });
});

describe("ledgerPieces", () => {
  test("a large ledger comes in pieces of about 64 KB that read back, joined, to the ledger", () => {
    const ledger: Ledger = {
      version: 1,
      crlNumber: 7,
      certificates: Array.from({ length: 1000 }, (_, i) => record(String(i).padStart(4, "0"), `device-${i}`)),
    };
    const pieces = [...ledgerPieces(ledger)];
    expect(pieces.length).toBeGreaterThan(2);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(65536 + 1024);
    expect(parseLedger(pieces.join(""))).toEqual(ledger);
    expect(pieces.join("")).toBe(serializeLedger(ledger));
  });
});
