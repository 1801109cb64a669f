/**
 * Values that would break what they end up in: a control character in a path lands in
 * mosquitto.conf (a newline there injects `include_dir`), a `/`, `+` or `#` in a CN that becomes
 * an MQTT username breaks `%u` ACL patterns, and a server and a client with one name make
 * `rotate NAME` ambiguous. Each is a positioned spec error.
 */
import { parseSpec } from "../../../src/spec/parse.js";
import { SpecError, type SpecProblem } from "../../../src/errors.js";

const BASE = `version: 1
ca:
  cn: Test Root CA
servers:
  - name: broker
    dns: [mqtt.example.com]
    listeners:
      - port: 8883
      - port: 8884
        protocol: websockets
clients:
  - name: sensor-001
`;

function problemsOf(text: string): SpecProblem[] {
  try {
    parseSpec(text, "/srv/pki/pki.yaml");
  } catch (error) {
    if (error instanceof SpecError) return error.problems;
    throw error;
  }
  throw new Error("the spec was accepted");
}

describe("control characters in values that reach a file, a conf or a script", () => {
  test.each([
    ["out", `out: "./pki\\ninclude_dir /tmp/evil"\n${BASE}`, "out"],
    ["deploy.dir", `deploy:\n  dir: "/etc/mosquitto/certs\\ninclude_dir /tmp/evil"\n${BASE}`, "deploy.dir"],
    [
      "a server's user",
      BASE.replace("    dns: [mqtt.example.com]", '    dns: [mqtt.example.com]\n    user: "mosq\\tuitto"'),
      "servers[0].user",
    ],
    [
      "a websockets path",
      BASE.replace("        protocol: websockets", '        protocol: websockets\n        path: "/mqtt\\r\\nX: y"'),
      "servers[0].listeners[1].path",
    ],
    [
      "a bind address",
      BASE.replace("      - port: 8883", '      - port: 8883\n        bind: "127.0.0.1\\u007f"'),
      "servers[0].listeners[0].bind",
    ],
    [
      "an ACL topic",
      BASE.replace(
        "  - name: sensor-001",
        '  - name: sensor-001\n    acl:\n      - { topic: "a/\\ntopic readwrite #", access: read }',
      ),
      "clients[0].acl[0].topic",
    ],
  ])("%s", (_what, text, yamlPath) => {
    const problems = problemsOf(text);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ yamlPath, message: expect.stringMatching(/control character/) }),
      ]),
    );
    const problem = problems.find((p) => p.yamlPath === yamlPath)!;
    expect(problem.position?.line).toBeGreaterThan(0);
    expect(problem.hint).toMatch(/one line/);
  });
});

describe("client CNs are MQTT usernames", () => {
  test.each(["plant/a", "sensor+1", "dev#2"])("a CN with %j is refused, saying why", (cn) => {
    const problems = problemsOf(BASE.replace("  - name: sensor-001", `  - name: sensor-001\n    cn: "${cn}"`));
    expect(problems).toEqual([
      expect.objectContaining({
        yamlPath: "clients[0].cn",
        message: expect.stringMatching(/MQTT username.*%u/),
        hint: expect.stringMatching(/topic levels|wildcard/),
      }),
    ]);
  });

  test("a server may keep a CN with a slash-free dotted name, and a client a dotted CN", () => {
    expect(() =>
      parseSpec(
        BASE.replace("  - name: sensor-001", "  - name: sensor-001\n    cn: sensor-001.plant-a"),
        "/srv/pki/pki.yaml",
      ),
    ).not.toThrow();
  });
});

describe("names are unique across servers and clients", () => {
  test("a client named like a server is refused at its name", () => {
    const problems = problemsOf(`${BASE}  - name: broker\n`);
    expect(problems).toEqual([
      expect.objectContaining({
        yamlPath: "clients[1].name",
        message: expect.stringMatching(/server `broker` has that name/),
      }),
    ]);
  });
});
