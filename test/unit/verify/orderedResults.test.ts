import { OrderedResults, type CheckSink } from "../../../src/verify/orderedResults.js";
import type { ClientResults, PhaseResults, TreeResults } from "../../../src/verify/runChecks.js";
import type { CheckResult } from "../../../src/verify/result.js";
import type { ClientSpec } from "../../../src/spec/types.js";

const pass = (subject: string, message = "ok"): CheckResult => ({ status: "pass", subject, message });
const fail = (subject: string, message: string): CheckResult => ({ status: "fail", subject, message, hint: "fix" });
const phases = (certificates: CheckResult[], commands: CheckResult[] = []): PhaseResults => ({
  certificates,
  conf: [],
  commands,
  passwords: [],
  acl: [],
});
const clients = (...names: string[]) => names.map((name) => ({ name }) as ClientSpec);

const tree: TreeResults = {
  results: { ...phases([pass("CA")]), conf: [pass("mosquitto.conf")] },
  owners: new Map([["bench root ca", "the CA"]]),
  trusted: { all: [] },
  denied: new Set(),
};

/** A batch in which each client has two certificate results and one commands result. */
function batch(names: string[], cns: string[], failing: Record<string, string> = {}): ClientResults {
  const certificates = names.flatMap((name) => [
    pass(`client ${name}`, "signed by the CA"),
    failing[name] ? fail(`client ${name}`, failing[name]) : pass(`client ${name}`, "CN"),
  ]);
  const commands = names.map((name) => pass(`client ${name}`, "commands.sh"));
  return { phases: phases(certificates, commands), ends: names.map((_, i) => 2 * (i + 1)), cns, dropped: 0 };
}

function sink(passes: boolean): CheckSink & { seen: string[] } {
  const seen: string[] = [];
  return { seen, wantsPasses: () => passes, check: (r) => seen.push(`${r.status} ${r.subject}: ${r.message}`) };
}

describe("OrderedResults", () => {
  test("batches finishing out of order come out in spec order, phase by phase, with a late failure and the counts", () => {
    const out = sink(true);
    const ordered = new OrderedResults(out);
    ordered.add(2, clients("e", "f"), batch(["e", "f"], ["e", "f"], { f: "CN is wrong" }));
    ordered.begin(tree);
    ordered.add(1, clients("c", "d"), batch(["c", "d"], ["c", "d"]));
    expect(out.seen).toEqual(["pass CA: ok"]);
    ordered.add(0, clients("a", "b"), batch(["a", "b"], ["a", "b"]));
    const counts = ordered.finish(3);
    expect(counts).toEqual({ pass: 1 + 1 + 12 - 1 + 6, warn: 0, fail: 1 });
    expect(out.seen.slice(0, 2)).toEqual(["pass CA: ok", "pass client a: signed by the CA"]);
    expect(out.seen.indexOf("fail client f: CN is wrong")).toBe(12);
    expect(out.seen[13]).toBe("pass mosquitto.conf: ok");
    expect(out.seen.slice(14)).toEqual(["a", "b", "c", "d", "e", "f"].map((n) => `pass client ${n}: commands.sh`));
  });

  test("a CN taken by a client of an earlier batch, or by the CA, is flagged after that client's certificate results", () => {
    const out = sink(true);
    const ordered = new OrderedResults(out);
    ordered.begin(tree);
    ordered.add(0, clients("a", "b"), batch(["a", "b"], ["A", "b"]));
    ordered.add(1, clients("c", "d"), batch(["c", "d"], ["a", "Bench Root CA"]));
    ordered.finish(2);
    const fails = out.seen.filter((line) => line.startsWith("fail"));
    expect(fails).toEqual([
      'fail client c: CN "a" is also the CN of client a',
      'fail client d: CN "Bench Root CA" is also the CN of the CA',
    ]);
    expect(out.seen.indexOf(fails[0])).toBe(out.seen.indexOf("pass client c: CN") + 1);
    expect(out.seen.indexOf(fails[1])).toBe(out.seen.indexOf("pass client d: CN") + 1);
  });

  test("without passes, only failures reach the sink (the clash still after its client), and the counts are whole", () => {
    const out = sink(false);
    const ordered = new OrderedResults(out);
    ordered.begin(tree);
    ordered.add(0, clients("a", "b"), batch(["a", "b"], ["a", "b"], { a: "CN is wrong" }));
    ordered.add(1, clients("c", "d"), batch(["c", "d"], ["c", "a"]));
    expect(ordered.finish(2)).toEqual({ pass: 1 + 1 + 7 + 4, warn: 0, fail: 2 });
    expect(out.seen).toEqual(["fail client a: CN is wrong", 'fail client d: CN "a" is also the CN of client a']);
  });

  test("a batch that never reported is an error, not a short report", () => {
    const ordered = new OrderedResults(sink(true));
    ordered.begin(tree);
    ordered.add(1, clients("c"), batch(["c"], ["c"]));
    expect(() => ordered.finish(2)).toThrow(/0 of 2 batches/);
  });
});
