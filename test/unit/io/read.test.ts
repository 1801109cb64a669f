import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readPath } from "../../../src/io/read.js";

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
