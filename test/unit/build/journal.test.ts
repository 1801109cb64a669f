/**
 * The commit journal on its own: a redo after a kill at any point of a commit ends in the same
 * tree as the commit run whole, every step can be done twice, and a tree moved after the crash
 * still recovers.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyJournal, journalFile, readJournal, type Journal } from "../../../src/build/journal.js";
import { finishInterrupted } from "../../../src/build/recovery.js";
import { EXIT_LOCKED, TreeError } from "../../../src/errors.js";
import { takeSpecLock } from "../../../src/io/lock.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "mqtt-pki-journal-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A tree with two files to replace, a folder to move and a file to remove, all staged. */
function stagedTree(root: string): Journal {
  mkdirSync(path.join(root, ".tmp"), { recursive: true });
  mkdirSync(path.join(root, "clients", "gone"), { recursive: true });
  mkdirSync(path.join(root, "archive"), { recursive: true });
  writeFileSync(path.join(root, "ca.key"), "old key");
  writeFileSync(path.join(root, "ca.crt"), "old cert");
  writeFileSync(path.join(root, "clients", "gone", "notes.txt"), "the user's");
  writeFileSync(path.join(root, "stale"), "x");
  const temps = ["key", "crt"].map((kind) =>
    path.join(root, ".tmp", `.ca.${kind}.${process.pid}.0000000${kind === "key" ? 1 : 2}.tmp`),
  );
  writeFileSync(temps[0], "new key");
  writeFileSync(temps[1], "new cert");
  return {
    renames: [
      { temp: temps[0], file: path.join(root, "ca.key") },
      { temp: temps[1], file: path.join(root, "ca.crt") },
    ],
    moves: [{ from: path.join(root, "clients", "gone"), to: path.join(root, "archive", "gone") }],
    removals: [path.join(root, "stale")],
  };
}

function writeStored(root: string, journal: Journal): void {
  const relative = (p: string) => path.relative(root, p);
  writeFileSync(
    journalFile(root),
    JSON.stringify({
      version: 1,
      pid: 999_999,
      renames: journal.renames.map((r) => [relative(r.temp), relative(r.file)]),
      moves: journal.moves.map((m) => [relative(m.from), relative(m.to)]),
      removals: journal.removals.map(relative),
    }),
  );
}

function expectCommitted(root: string): void {
  expect(readFileSync(path.join(root, "ca.key"), "utf8")).toBe("new key");
  expect(readFileSync(path.join(root, "ca.crt"), "utf8")).toBe("new cert");
  expect(readFileSync(path.join(root, "archive", "gone", "notes.txt"), "utf8")).toBe("the user's");
  expect(existsSync(path.join(root, "clients", "gone"))).toBe(false);
  expect(existsSync(path.join(root, "stale"))).toBe(false);
  expect(existsSync(journalFile(root))).toBe(false);
}

test("a kill after the first rename: the redo finishes the rest, and a second redo changes nothing", async () => {
  const root = path.join(dir, "pki");
  const journal = stagedTree(root);
  writeStored(root, journal);
  renameSync(journal.renames[0].temp, journal.renames[0].file);
  const again = readJournal(root)!;
  expect(again.pid).toBe(999_999);
  expect(await applyJournal(root, again)).toEqual([path.join(root, "ca.crt")]);
  expectCommitted(root);
  expect(await applyJournal(root, again)).toEqual([]);
  expectCommitted(root);
});

test("a tree moved after the crash still recovers: the journal's paths are relative to it", async () => {
  const journal = stagedTree(path.join(dir, "pki"));
  writeStored(path.join(dir, "pki"), journal);
  renameSync(path.join(dir, "pki"), path.join(dir, "moved"));
  const recovery = await finishInterrupted(path.join(dir, "moved"));
  expect(recovery.finishedFor).toBe(999_999);
  expectCommitted(path.join(dir, "moved"));
});

test("an unreadable journal is a TreeError that says what to do, not a crash", () => {
  const root = path.join(dir, "pki");
  mkdirSync(path.join(root, ".tmp"), { recursive: true });
  writeFileSync(journalFile(root), "{ half");
  expect(() => readJournal(root)).toThrow(TreeError);
  expect(() => readJournal(root)).toThrow(/cannot be read/);
});

test("without a journal, the temps of dead runs go and a live run's stay", async () => {
  const root = path.join(dir, "pki");
  mkdirSync(path.join(root, ".tmp"), { recursive: true });
  const dead = path.join(root, ".tmp", ".client.key.999999.abcdef01.tmp");
  const live = path.join(root, ".tmp", `.client.key.${process.pid}.abcdef02.tmp`);
  const deadSpecTemp = path.join(dir, ".pki.yaml.999999.abcdef03.tmp");
  const userFile = path.join(dir, ".pki.yaml.notes.tmp");
  for (const file of [dead, live, deadSpecTemp, userFile]) writeFileSync(file, "x");
  const recovery = await finishInterrupted(root, path.join(dir, "pki.yaml"));
  expect(recovery).toEqual({ placed: [], finishedFor: undefined });
  expect([dead, live, deadSpecTemp, userFile].map((file) => existsSync(file))).toEqual([false, true, false, true]);
});

test("a lock file without a PID (its taker killed right after creating it) is stale once old, and held while fresh", async () => {
  const specFile = path.join(dir, "pki.yaml");
  const lock = path.join(dir, ".pki.yaml.lock");
  writeFileSync(lock, "");
  expect(() => takeSpecLock(specFile)).toThrow(expect.objectContaining({ exitCode: EXIT_LOCKED }));
  const old = new Date(Date.now() - 10_000);
  utimesSync(lock, old, old);
  await finishInterrupted(path.join(dir, "pki"), specFile);
  expect(existsSync(lock)).toBe(false);
});
