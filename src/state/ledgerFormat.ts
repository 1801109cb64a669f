import type { IssuedRecord, Ledger } from "./ledger.js";

/**
 * state.json as JSON with one certificate per line: readable and greppable (`grep sensor-001
 * state.json` shows a whole record), and a third smaller than indenting every field, which a
 * fleet's ledger, rewritten on every change, feels.
 */
export function serializeLedger(ledger: Ledger): string {
  return [...ledgerPieces(ledger)].join("");
}

/** serializeLedger's text in pieces of about 64 KB, for writing a fleet's ledger without making it one string. */
export function* ledgerPieces(ledger: Ledger): Generator<string> {
  const { certificates, ...head } = ledger;
  const fields = Object.entries(head).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)},\n`);
  if (certificates.length === 0) return yield `{\n${fields.join("")}  "certificates": []\n}\n`;
  let piece = `{\n${fields.join("")}  "certificates": [\n`;
  for (let i = 0; i < certificates.length; i++) {
    const record = certificates[i];
    piece += `    ${storedLines.get(record) ?? JSON.stringify(record)}${i < certificates.length - 1 ? "," : ""}\n`;
    if (piece.length >= 65536) {
      yield piece;
      piece = "";
    }
  }
  yield `${piece}  ]\n}\n`;
}

/**
 * The text each record was read from, while it is the same object: a record is never changed in
 * place (LedgerBook replaces it), so a fleet's rewrite of state.json stringifies only what is new.
 */
const storedLines = new WeakMap<IssuedRecord, string>();
const CERTIFICATES_OPEN = '  "certificates": [';
const CERTIFICATES_CLOSE = "  ]";

/**
 * One string for each value many records repeat (the issuer, the dates of one build, the role
 * and status): JSON.parse makes a copy per record, a fleet's 100,000 copies cost ~18 MB.
 */
class SharedValues {
  private readonly known = new Map<string, string>();

  private one(value: string): string {
    const known = this.known.get(value);
    if (known !== undefined) return known;
    this.known.set(value, value);
    return value;
  }

  of(record: IssuedRecord): IssuedRecord {
    record.issuer = this.one(record.issuer);
    record.notBefore = this.one(record.notBefore);
    record.notAfter = this.one(record.notAfter);
    record.role = this.one(record.role) as IssuedRecord["role"];
    record.status = this.one(record.status) as IssuedRecord["status"];
    return record;
  }
}

/**
 * Reads state.json line by line, as it comes off the disk, when it has serializeLedger's
 * layout: a fleet's 58 MB are never one string. `finish` says undefined when the text had
 * another layout (an edited file), which the caller then reads as plain JSON.
 */
export class LedgerLines {
  private phase: "head" | "records" | "tail" | "other" = "head";
  private readonly head: string[] = [];
  private readonly certificates: IssuedRecord[] = [];
  private readonly shared = new SharedValues();
  /** The last record line, held until the next line says whether it must end with a comma. */
  private pending?: string;
  private lines = 0;

  /** keepLines: keep each record's line for a rewrite (not wanted by a reader that never writes). */
  constructor(private readonly keepLines: boolean) {}

  push(line: string): void {
    if (this.phase === "other") return;
    if (this.lines++ === 0) {
      if (line !== "{") this.phase = "other";
    } else if (this.phase === "head") this.pushHead(line);
    else if (this.phase === "records") this.pushRecord(line);
    else if (line === "}" && this.lines === this.closedAt + 1) this.closedBrace = true;
    else if (line !== "" || !this.closedBrace) this.phase = "other";
  }

  /** The line that closed the list, and whether the object's brace came right after it. */
  private closedAt = 0;
  private closedBrace = false;

  private pushHead(line: string): void {
    if (line === CERTIFICATES_OPEN) this.phase = "records";
    // An empty list is on the same line: such a small file is read as plain JSON.
    else if (line === `${CERTIFICATES_OPEN}]`) this.phase = "other";
    else this.head.push(line);
  }

  private pushRecord(line: string): void {
    if (line === CERTIFICATES_CLOSE) {
      if (this.pending !== undefined) this.record(this.pending);
      // A last line that did not read leaves the text to be read as plain JSON.
      if (this.phase === "records") this.close();
      return;
    }
    if (this.pending !== undefined) this.record(this.pending.endsWith(",") ? this.pending.slice(0, -1) : this.pending);
    this.pending = line.trim();
  }

  private close(): void {
    this.pending = undefined;
    this.phase = "tail";
    this.closedAt = this.lines;
  }

  private record(json: string): void {
    try {
      const record = this.shared.of(JSON.parse(json) as IssuedRecord);
      if (this.keepLines) storedLines.set(record, json);
      this.certificates.push(record);
    } catch {
      // Not a record line: the whole text is read as plain JSON instead (and says what is wrong).
      this.phase = "other";
    }
  }

  /** The ledger, or undefined when the text was not in serializeLedger's layout. */
  finish(): Ledger | undefined {
    if (this.phase !== "tail" || !this.closedBrace) return undefined;
    try {
      const head = JSON.parse(`{${this.head.join("\n").replace(/,\s*$/, "")}}`) as Omit<Ledger, "certificates">;
      return { ...head, certificates: this.certificates };
    } catch {
      return undefined;
    }
  }
}

/**
 * state.json's text as a ledger: line by line when it has serializeLedger's layout (keeping
 * each record's line for the next write, unless the reader will not write), else as any JSON.
 * Throws on text that is not JSON.
 */
export function parseLedger(text: string, keepLines = true): Ledger {
  const lines = new LedgerLines(keepLines);
  for (const line of text.split("\n")) lines.push(line);
  return lines.finish() ?? (JSON.parse(text) as Ledger);
}
