import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { parseFast } from "../../../src/spec/fastYaml.js";

// The fast reader must see the same data as the `yaml` package, which the spec's positions come from.
const SCALARS = [
  "007",
  "0",
  "+1",
  "1_000",
  "0x1F",
  "0o17",
  "0b101",
  "1e3",
  "1.5",
  ".5",
  "5.",
  ".inf",
  "-.Inf",
  ".NaN",
  "~",
  "null",
  "Null",
  "NULL",
  "true",
  "True",
  "TRUE",
  "yes",
  "on",
  "y",
  "No",
  "2026-01-01",
  "12:30",
  "1:20:30",
  "08",
  "-012",
  "0.1e+2",
  "1E3",
  "' x'",
  '"a\\tb"',
  "[a, b]",
  "{a: 1}",
  "!!str 1",
  "&a 1",
  "<<",
  "=",
  "0777",
  "1,000",
  "$1",
];

describe("parseFast", () => {
  test.each(SCALARS)("reads `v: %s` as the yaml package does", (scalar) => {
    const fast = parseFast(`v: ${scalar}`);
    expect(fast.ok).toBe(true);
    expect(fast.ok && fast.data).toEqual(parse(`v: ${scalar}`));
  });

  test("reads the bundled example as the yaml package does", () => {
    const text = readFileSync("pki.example.yaml", "utf8");
    const fast = parseFast(text);
    expect(fast.ok && fast.data).toEqual(parse(text));
  });

  test.each([
    ["duplicate key", "a: 1\na: 2\n"],
    ["two documents", "a: 1\n---\nb: 2\n"],
    ["bad indentation", "a:\n  b: 1\n c: 2\n"],
  ])("leaves %s to the yaml package", (_name, text) => {
    expect(parseFast(text).ok).toBe(false);
  });
});
