import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { newPassword, passwdLine, passwdLineMatches } from "../../../src/crypto/mosquittoPasswd.js";

describe("mosquitto password file lines", () => {
  test("a line written by mosquitto_passwd verifies with our check, and ours has its exact shape", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "passwd-"));
    try {
      const file = path.join(dir, "pw");
      execFileSync("mosquitto_passwd", ["-c", "-b", file, "sensor-001", "s3cret pass"]);
      const theirs = readFileSync(file, "utf8").trim();
      expect(passwdLineMatches(theirs, "sensor-001", "s3cret pass")).toBe(true);
      expect(passwdLineMatches(theirs, "sensor-001", "wrong")).toBe(false);
      const salt = Buffer.from(theirs.split("$")[3], "base64");
      // Same user, password and salt: byte-identical to what mosquitto_passwd wrote.
      expect(passwdLine("sensor-001", "s3cret pass", salt)).toBe(theirs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("new passwords are long, distinct and need no quoting", () => {
    const seen = new Set(Array.from({ length: 100 }, () => newPassword()));
    expect(seen.size).toBe(100);
    for (const password of seen) expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});
