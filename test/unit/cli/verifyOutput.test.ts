import { jsonReport, LIST_PASSES_UP_TO, textReport } from "../../../src/cli/verifyOutput.js";
import type { Output } from "../../../src/cli/report.js";
import type { CheckResult } from "../../../src/verify/result.js";

function capture(): Output & { text: () => string } {
  const chunks: string[] = [];
  return { out: (line = "") => chunks.push(`${line}\n`), err: () => undefined, text: () => chunks.join("") };
}

const checks = (count: number, failAt: number): CheckResult[] =>
  Array.from({ length: count }, (_, i) =>
    i === failAt
      ? { status: "fail", subject: `client dev-${i}`, message: 'CN is "x"', hint: "rebuild" }
      : { status: "pass", subject: `client dev-${i}`, message: "signed by the CA" },
  );

function feed(writer: ReturnType<typeof jsonReport>, list: CheckResult[]): void {
  for (const check of list) if (writer.wantsPasses() || check.status !== "pass") writer.check(check);
  const count = (status: string) => list.filter((c) => c.status === status).length;
  writer.finish({ pass: count("pass"), warn: count("warn"), fail: count("fail") });
}

describe("jsonReport", () => {
  test("is one JSON document with every check in order, the counts and ok, across many writes", () => {
    const output = capture();
    const list = checks(4500, 4321);
    feed(jsonReport(output), list);
    const report = JSON.parse(output.text());
    expect(report.checks).toEqual(list);
    expect(report).toMatchObject({ ok: false, counts: { pass: 4499, warn: 0, fail: 1 } });
  });

  test("is formatted as JSON.stringify(report, null, 2) formats each check", () => {
    const output = capture();
    const list = checks(2, -1);
    feed(jsonReport(output), list);
    expect(output.text()).toBe(
      `${JSON.stringify({ checks: list, counts: { pass: 2, warn: 0, fail: 0 }, ok: true }, null, 2)}\n`,
    );
  });
});

describe("textReport", () => {
  test(`lists every check up to ${LIST_PASSES_UP_TO}`, () => {
    const output = capture();
    feed(textReport(output, false), checks(LIST_PASSES_UP_TO, 7));
    const lines = output.text().split("\n");
    expect(lines.filter((line) => line.startsWith("✓ client"))).toHaveLength(LIST_PASSES_UP_TO - 1);
    expect(lines[7]).toBe('✗ client dev-7: CN is "x"');
    expect(output.text()).toContain(`1 of ${LIST_PASSES_UP_TO} checks failed`);
  });

  test("beyond that, lists the failures (one held at the start, one late) and counts the passes", () => {
    const output = capture();
    const list = checks(5000, 3);
    list[4990] = { status: "warn", subject: "client dev-4990", message: "expires in 3 days", hint: "rebuild" };
    feed(textReport(output, false), list);
    expect(output.text()).toBe(
      [
        '✗ client dev-3: CN is "x"',
        "    → rebuild",
        "! client dev-4990: expires in 3 days",
        "    → rebuild",
        "✓ 4998 checks passed (--verbose lists them)",
        "",
        "1 of 5000 checks failed; fix them as the arrows say, then run verify again.",
        "",
      ].join("\n"),
    );
  });

  test("--verbose lists every pass however many", () => {
    const output = capture();
    feed(textReport(output, true), checks(3000, -1));
    expect(
      output
        .text()
        .split("\n")
        .filter((line) => line.startsWith("✓ client")),
    ).toHaveLength(3000);
    expect(output.text()).toContain("All 3000 checks hold:");
  });

  test("names one warning in the singular, and repeats the warnings above the verdict", () => {
    const output = capture();
    const list: CheckResult[] = [
      { status: "pass", subject: "CA", message: "self-signed" },
      { status: "warn", subject: "server broker", message: "expires in 12 days", hint: "run `mqtt-pki rotate broker`" },
      { status: "pass", subject: "client a", message: "signed by the CA" },
    ];
    feed(textReport(output, false), list);
    const text = output.text().trimEnd().split("\n");
    expect(text.at(-1)).toBe("All 3 checks hold (1 warning): the tree, mosquitto.conf and the client commands agree.");
    expect(text.slice(-5, -1)).toEqual([
      "1 warning to look at:",
      "! server broker: expires in 12 days",
      "    → run `mqtt-pki rotate broker`",
      "",
    ]);
  });
});
