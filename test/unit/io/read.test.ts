import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readLines, readPath } from "../../../src/io/read.js";

describe("readPath, the one reader of files", () => {
  let dir: string;
  let file: string;
  let link: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "read-test-"));
    file = path.join(dir, "file");
    link = path.join(dir, "link");
    writeFileSync(file, "bytes", { mode: 0o640 });
    symlinkSync(file, link);
    mkdirSync(path.join(dir, "folder"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("reads a file's bytes with the mode of the descriptor read", () => {
    const read = readPath(file)!;
    expect(read.content?.toString()).toBe("bytes");
    expect(read.stat.mode & 0o777).toBe(0o640);
  });

  test("nothing at the path (or a file where a folder should be) is undefined, in every mode", () => {
    for (const content of ["always", "files", "never"] as const) {
      expect(readPath(path.join(dir, "missing"), { content })).toBeUndefined();
      expect(readPath(path.join(file, "below"), { content })).toBeUndefined();
    }
  });

  test("a link is not followed unless asked: its own stat comes back, never its target's bytes", () => {
    for (const content of ["always", "files", "never"] as const) {
      const read = readPath(link, { content })!;
      expect(read.stat.isSymbolicLink()).toBe(true);
      expect(read.content).toBeUndefined();
    }
    expect(readPath(link, { followLinks: true })!.content?.toString()).toBe("bytes");
    expect(readPath(link, { followLinks: true, content: "never" })!.stat.isFile()).toBe(true);
  });

  test("a folder: EISDIR when its bytes are wanted, its stat when only files are read", () => {
    const folder = path.join(dir, "folder");
    expect(() => readPath(folder)).toThrow(expect.objectContaining({ code: "EISDIR" }));
    const read = readPath(folder, { content: "files" })!;
    expect(read.stat.isDirectory()).toBe(true);
    expect(read.content).toBeUndefined();
  });

  test("reading only files does not wait on a FIFO that has no writer", () => {
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const read = readPath(fifo, { content: "files" })!;
    expect(read.stat.isFIFO()).toBe(true);
    expect(read.content).toBeUndefined();
  });
});

describe("readLines", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), "lines-test-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const linesOf = (file: string, options = {}) => {
    const lines: string[] = [];
    return { found: readLines(file, (line) => lines.push(line), options), lines };
  };

  test("gives the lines split() gives, across megabyte chunks and a multibyte character cut by one", () => {
    // Lines of 999 bytes with a two-byte ü: some straddle the 1 MiB chunk boundary, one ü is cut in two.
    const text = Array.from({ length: 3000 }, (_, i) => `${"x".repeat(i % 997)}ü${"y".repeat(996 - (i % 997))}`)
      .join("\n")
      .concat("\nlast line without newline");
    const file = path.join(dir, "big");
    writeFileSync(file, text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 * 1024 * 1024);
    expect(linesOf(file)).toEqual({ found: true, lines: text.split("\n") });
  });

  test("nothing at the path is false; a link is followed only when asked", () => {
    expect(linesOf(path.join(dir, "missing")).found).toBe(false);
    writeFileSync(path.join(dir, "target"), "a\nb\n");
    symlinkSync(path.join(dir, "target"), path.join(dir, "to-target"));
    expect(linesOf(path.join(dir, "to-target")).found).toBe(false);
    expect(linesOf(path.join(dir, "to-target"), { followLinks: true })).toEqual({ found: true, lines: ["a", "b", ""] });
  });
});
