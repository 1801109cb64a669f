import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadCredentials } from "../../../src/doctor/credentials.js";
import { PkiError } from "../../../src/errors.js";

describe("loadCredentials", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), "credentials-test-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const failure = (request: Parameters<typeof loadCredentials>[0]): PkiError => {
    try {
      loadCredentials(request);
    } catch (error) {
      return error as PkiError;
    }
    throw new Error("no failure");
  };

  test("a folder given as --cafile is named a folder, with the file to name instead (not EISDIR and permissions)", () => {
    const error = failure({ cafile: dir });
    expect(error).toBeInstanceOf(PkiError);
    expect(error.message).toBe(`cannot read the CA file ${dir}: it is a folder, not a file`);
    expect(error.hint).toMatch(/name the PEM file itself/);
    expect(`${error.message} ${error.hint}`).not.toMatch(/EISDIR|permissions/);
  });

  test("a missing --cafile is said to be missing", () => {
    expect(failure({ cafile: path.join(dir, "nope.crt") }).message).toMatch(/no such file$/);
  });
});
