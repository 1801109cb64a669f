import { readFileSync } from "node:fs";
import path from "node:path";
import { parseSpec } from "../../../src/spec/parse.js";
import { SpecError, type SpecProblem } from "../../../src/errors.js";

const EXAMPLE = readFileSync(new URL("../../../pki.example.yaml", import.meta.url), "utf8");
const FILE = "pki.yaml";

/** Minimal valid spec; `extra` lines are appended at top level. */
function spec(body: string): string {
  return body.replace(/^\n/, "");
}

const BASE = spec(`
version: 1
ca:
  cn: Test Root CA
servers:
  - name: broker
    dns: [mqtt.example.com]
    listeners:
      - port: 8883
clients:
  - name: sensor-001
`);

/** Parses and returns the SpecError's problems; fails the test if the spec is accepted. */
function problemsOf(text: string): SpecProblem[] {
  try {
    parseSpec(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems;
  }
  throw new Error("expected parseSpec to reject the spec");
}

/** 1-based line/col of the n-th (0-based) occurrence of `needle` in `text`, computed independently of the parser. */
function locate(text: string, needle: string, nth = 0): { line: number; col: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`\`${needle}\` occurrence ${nth} not in text`);
  }
  const before = text.slice(0, at).split("\n");
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

function onlyProblem(text: string): SpecProblem {
  const problems = problemsOf(text);
  expect(problems).toHaveLength(1);
  return problems[0];
}

describe("parseSpec: the example spec", () => {
  const { spec: parsed, warnings } = parseSpec(EXAMPLE, FILE);

  test("parses without warnings", () => {
    expect(warnings).toEqual([]);
    expect(parsed.version).toBe(1);
  });

  test("resolves out relative to the spec file and uses it as deployDir", () => {
    expect(parsed.file).toBe(path.resolve(FILE));
    expect(parsed.out).toBe(path.resolve(path.dirname(path.resolve(FILE)), "pki"));
    expect(parsed.deployDir).toBe(parsed.out);
  });

  test("CA fields come from the file", () => {
    expect(parsed.ca).toEqual({
      cn: "Example MQTT Root CA",
      o: "Example Org",
      key: "ec-p384",
      days: 3650,
      crlDays: 180,
      encryptKey: false,
    });
    expect(parsed.defaults).toEqual({ key: "ec-p256", days: 397, renewBeforeDays: 30, password: false, acl: [] });
  });

  test("server defaults: key from defaults.key, days from defaults.days, user mosquitto", () => {
    expect(parsed.servers).toHaveLength(1);
    const broker = parsed.servers[0];
    expect(broker.name).toBe("broker");
    expect(broker.cn).toBe("mqtt.example.com");
    expect(broker.key).toBe("ec-p256");
    expect(broker.days).toBe(397);
    expect(broker.user).toBe("mosquitto");
    expect(broker.dns).toEqual(["mqtt.example.com", "localhost"]);
    expect(broker.ip).toEqual(["127.0.0.1", "::1"]);
    expect(broker.host).toBe("localhost");
    expect(broker.tlsVersion).toBeUndefined();
    expect(broker.requireCertificate).toBe(true);
    expect(broker.identityAsUsername).toBe(true);
    expect(broker.listeners).toEqual([
      { port: 8883, protocol: "mqtt", bind: undefined, path: "/mqtt" },
      { port: 8884, protocol: "websockets", bind: undefined, path: "/mqtt" },
    ]);
  });

  test("client cn defaults to name; key/days default unless given; topic default", () => {
    const [first, second] = parsed.clients;
    expect(first).toMatchObject({
      name: "sensor-001",
      cn: "sensor-001",
      key: "ec-p256",
      days: 397,
      topic: "mqtt-pki/sensor-001/hello",
    });
    expect(second).toMatchObject({ name: "sensor-002", cn: "sensor-002.plant-a", key: "rsa-2048", days: 365 });
  });
});

describe("parseSpec: defaults and resolution", () => {
  test("host defaults to the first dns name; server cn defaults to the first dns name", () => {
    const { spec: s } = parseSpec(BASE.replace("dns: [mqtt.example.com]", "dns: [a.example.com, b.example.com]"), FILE);
    expect(s.servers[0].host).toBe("a.example.com");
    expect(s.servers[0].cn).toBe("a.example.com");
  });

  test("host defaults to the first ip when there is no dns", () => {
    const { spec: s } = parseSpec(BASE.replace("dns: [mqtt.example.com]", "ip: [192.0.2.10, 192.0.2.11]"), FILE);
    expect(s.servers[0].host).toBe("192.0.2.10");
    expect(s.servers[0].dns).toEqual([]);
  });

  test("a single dns string is accepted as a one-item list", () => {
    const { spec: s } = parseSpec(BASE.replace("dns: [mqtt.example.com]", "dns: mqtt.example.com"), FILE);
    expect(s.servers[0].dns).toEqual(["mqtt.example.com"]);
  });

  test("out is resolved relative to the spec file's directory, not the cwd", () => {
    const { spec: s } = parseSpec(`out: ../build/tree\n${BASE}`, "/srv/config/pki.yaml");
    expect(s.file).toBe("/srv/config/pki.yaml");
    expect(s.out).toBe("/srv/build/tree");
    expect(s.deployDir).toBe("/srv/build/tree");
  });

  test("an absolute out stays as is", () => {
    const { spec: s } = parseSpec(`out: /opt/pki\n${BASE}`, "/srv/config/pki.yaml");
    expect(s.out).toBe("/opt/pki");
  });

  test("out defaults to ./pki next to the spec", () => {
    const { spec: s } = parseSpec(BASE, "/srv/config/pki.yaml");
    expect(s.out).toBe("/srv/config/pki");
  });

  test("deploy.dir overrides deployDir (normalized, no trailing slash) but not out", () => {
    const { spec: s } = parseSpec(`deploy:\n  dir: /etc/mosquitto//certs/\n${BASE}`, "/srv/config/pki.yaml");
    expect(s.deployDir).toBe("/etc/mosquitto/certs");
    expect(s.out).toBe("/srv/config/pki");
  });

  test("a relative deploy.dir is rejected at its position", () => {
    const text = `deploy:\n  dir: certs\n${BASE}`;
    const problem = onlyProblem(text);
    expect(problem.yamlPath).toBe("deploy.dir");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "certs") });
    expect(problem.hint).toMatch(/\/etc\/mosquitto\/certs/);
  });

  test("defaults.key and defaults.days flow into servers and clients", () => {
    const { spec: s } = parseSpec(`defaults:\n  key: rsa-3072\n  days: 30\n${BASE}`, FILE);
    expect(s.servers[0]).toMatchObject({ key: "rsa-3072", days: 30 });
    expect(s.clients[0]).toMatchObject({ key: "rsa-3072", days: 30 });
    // The CA has its own defaults: it inherits the key type but not the leaf lifetime.
    expect(s.ca).toMatchObject({ key: "rsa-3072", days: 3650 });
  });

  test("listener options: bind, websockets path, tlsVersion, user, booleans", () => {
    const text = BASE.replace(
      "      - port: 8883\n",
      "      - port: 8883\n        bind: 127.0.0.1\n      - port: 9001\n        protocol: websockets\n        path: /ws\n",
    ).replace(
      "    listeners:",
      "    tlsVersion: tlsv1.3\n    user: broker\n    requireCertificate: false\n    listeners:",
    );
    const { spec: s } = parseSpec(text, FILE);
    const server = s.servers[0];
    expect(server.listeners).toEqual([
      { port: 8883, protocol: "mqtt", bind: "127.0.0.1", path: "/mqtt" },
      { port: 9001, protocol: "websockets", bind: undefined, path: "/ws" },
    ]);
    expect(server).toMatchObject({
      tlsVersion: "tlsv1.3",
      user: "broker",
      requireCertificate: false,
      identityAsUsername: true,
    });
  });

  test("renewBeforeDays and crlDays are read; 0 is a valid renewal window", () => {
    const text = `defaults:\n  renewBeforeDays: 0\n${BASE.replace("  cn: Test Root CA", "  cn: Test Root CA\n  crlDays: 7")}`;
    const { spec: s } = parseSpec(text, FILE);
    expect(s.defaults.renewBeforeDays).toBe(0);
    expect(s.ca.crlDays).toBe(7);
  });
});

describe("parseSpec: rejections are positioned and hinted", () => {
  test("unknown key `dnss` points at the key and suggests `dns`", () => {
    const text = BASE.replace(
      "    dns: [mqtt.example.com]",
      "    dns: [mqtt.example.com]\n    dnss: [other.example.com]",
    );
    const problem = onlyProblem(text);
    expect(problem.message).toMatch(/unknown key `dnss`/);
    expect(problem.yamlPath).toBe("servers[0].dnss");
    expect(problem.position).toEqual({ file: FILE, line: 7, col: 5 });
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "dnss") });
    expect(problem.hint).toBe("did you mean `dns`?");
  });

  test("an unknown key far from every allowed one lists the allowed keys", () => {
    const text = `${BASE}zzzzzzzzzz: 1\n`;
    const problem = onlyProblem(text);
    expect(problem.yamlPath).toBe("zzzzzzzzzz");
    expect(problem.hint).toMatch(/allowed here: .*version.*clients/);
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "zzzzzzzzzz") });
  });

  test("duplicate server names: the second one is reported", () => {
    const text = BASE.replace(
      "clients:",
      "  - name: broker\n    dns: [other.example.com]\n    listeners:\n      - port: 9883\nclients:",
    );
    const problem = onlyProblem(text);
    expect(problem.message).toMatch(/duplicate server name `broker`/);
    expect(problem.yamlPath).toBe("servers[1].name");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "broker", 1) });
    expect(problem.hint).toMatch(/unique/);
  });

  test("duplicate client names: the second one is reported", () => {
    const text = `${BASE}  - name: sensor-001\n    cn: another-cn\n`;
    const problem = onlyProblem(text);
    expect(problem.message).toMatch(/duplicate client name `sensor-001`/);
    expect(problem.yamlPath).toBe("clients[1].name");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "sensor-001", 1) });
  });

  test("CA CN equal to a server CN: hint mentions OpenSSL", () => {
    const text = BASE.replace("  cn: Test Root CA", "  cn: mqtt.example.com");
    const problem = onlyProblem(text);
    expect(problem.message).toMatch(/CN `mqtt.example.com` of server `broker` is already used by the CA/);
    expect(problem.yamlPath).toBe("servers[0].cn");
    expect(problem.hint).toMatch(/OpenSSL/);
    // The server's cn is implicit (first dns name): the position falls back to the server entry.
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "name: broker") });
  });

  test("duplicate CN between two clients is case-insensitive and points at the explicit cn", () => {
    const text = `${BASE}  - name: sensor-002\n    cn: SENSOR-001\n`;
    const problem = onlyProblem(text);
    expect(problem.message).toMatch(/CN `SENSOR-001` of client `sensor-002` is already used by client `sensor-001`/);
    expect(problem.yamlPath).toBe("clients[1].cn");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "SENSOR-001") });
    expect(problem.hint).not.toMatch(/OpenSSL/);
    expect(problem.hint).toMatch(/unique/);
  });

  test.each([
    ["300.1.1.1", /not an IP address/],
    ["::ffff:10.0.0.1", /IPv4-mapped/],
  ])("invalid ip %s", (ip, message) => {
    const text = BASE.replace(
      "    dns: [mqtt.example.com]",
      `    dns: [mqtt.example.com]\n    ip: [127.0.0.1, "${ip}"]`,
    );
    const problem = onlyProblem(text);
    expect(problem.message).toMatch(message);
    expect(problem.yamlPath).toBe("servers[0].ip[1]");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, `"${ip}"`) });
    expect(problem.hint).toMatch(/IPv4 or IPv6/);
  });

  test.each(["-bad-.example", "a..b"])("invalid dns name %s", (name) => {
    const text = BASE.replace("    dns: [mqtt.example.com]", `    dns:\n      - mqtt.example.com\n      - ${name}`);
    const problem = onlyProblem(text);
    expect(problem.message).toBe(`\`${name}\` is not a valid DNS name`);
    expect(problem.yamlPath).toBe("servers[0].dns[1]");
    expect(problem.position).toEqual({ file: FILE, line: 8, col: 9 });
    expect(problem.hint).toMatch(/host name/);
  });

  test.each(["../x", "A", "a b", "a;rm -rf ~"])("unsafe client name %j", (name) => {
    const text = BASE.replace("  - name: sensor-001", `  - name: ${JSON.stringify(name)}`);
    const problem = problemsOf(text)[0];
    expect(problem.message).toMatch(/not a file-safe name/);
    expect(problem.yamlPath).toBe("clients[0].name");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, JSON.stringify(name)) });
    expect(problem.hint).toMatch(/lowercase letters, digits/);
  });

  test("an unsafe client name is the only problem reported for that client (no cascading `missing cn`)", () => {
    // The client has no `cn:` because it defaults to the name; the name being invalid must not
    // turn into a second, misleading "missing `cn`" problem.
    const text = BASE.replace("  - name: sensor-001", "  - name: Sensor-001");
    const problems = problemsOf(text);
    expect(problems.map((p) => p.yamlPath)).toEqual(["clients[0].name"]);
  });

  test("unsafe server name", () => {
    const text = BASE.replace("  - name: broker", "  - name: ../etc");
    const problem = onlyProblem(text);
    expect(problem.yamlPath).toBe("servers[0].name");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "../etc") });
  });

  test.each([
    ["0", "0"],
    ["-5", "-5"],
    ["1.5", "1.5"],
    ["ten", '"ten"'],
  ])("days: %s is rejected", (days, shown) => {
    const text = `${BASE}    days: ${days}\n`;
    const problem = onlyProblem(text);
    expect(problem.yamlPath).toBe("clients[0].days");
    expect(problem.message).toBe(`\`clients[0].days\` is ${shown}, not a positive number of days`);
    expect(problem.position).toEqual({ file: FILE, line: 11, col: 11 });
    expect(problem.hint).toMatch(/whole number from 1/);
  });

  test("unknown key algorithm suggests the nearest", () => {
    const text = BASE.replace("  cn: Test Root CA", "  cn: Test Root CA\n  key: ec-p265");
    const problem = onlyProblem(text);
    expect(problem.yamlPath).toBe("ca.key");
    expect(problem.message).toMatch(/`ec-p265`, which is not one of ec-p256 \| ec-p384/);
    expect(problem.hint).toBe("did you mean `ec-p256`?");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "ec-p265") });
  });

  test("unknown listener protocol suggests websockets", () => {
    const text = BASE.replace(
      "      - port: 8883",
      "      - port: 8883\n      - port: 8884\n        protocol: websocket",
    );
    const problem = onlyProblem(text);
    expect(problem.yamlPath).toBe("servers[0].listeners[1].protocol");
    expect(problem.hint).toBe("did you mean `websockets`?");
  });

  test("host not covered by dns or ip", () => {
    const text = BASE.replace("    dns: [mqtt.example.com]", "    dns: [mqtt.example.com]\n    host: broker.local");
    const problem = onlyProblem(text);
    expect(problem.message).toMatch(/`host: broker.local` is not covered/);
    expect(problem.yamlPath).toBe("servers[0].host");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "broker.local") });
    expect(problem.hint).toMatch(/add `broker.local` to `dns`/);
    expect(problem.hint).toMatch(/mqtt.example.com/);
  });

  test("an IPv4 host not covered: hint says add it to `ip`", () => {
    const text = BASE.replace("    dns: [mqtt.example.com]", "    dns: [mqtt.example.com]\n    host: 192.0.2.1");
    const problem = onlyProblem(text);
    expect(problem.hint).toMatch(/add `192.0.2.1` to `ip`/);
  });

  test("an IPv6 host with hex letters not covered: hint says add it to `ip`", () => {
    const text = BASE.replace("    dns: [mqtt.example.com]", '    dns: [mqtt.example.com]\n    host: "fe80::1"');
    const problem = onlyProblem(text);
    expect(problem.yamlPath).toBe("servers[0].host");
    expect(problem.hint).toMatch(/add `fe80::1` to `ip`/);
  });

  test("host given as an equivalent IPv6 spelling is covered", () => {
    const text = BASE.replace("    dns: [mqtt.example.com]", '    ip: ["::1"]\n    host: "0:0:0:0:0:0:0:1"');
    expect(parseSpec(text, FILE).spec.servers[0].host).toBe("0:0:0:0:0:0:0:1");
  });

  test("host covered by a wildcard dns entry", () => {
    const text = BASE.replace(
      "    dns: [mqtt.example.com]",
      '    dns: ["*.example.com"]\n    host: mqtt.example.com\n    cn: broker.example.com',
    );
    expect(parseSpec(text, FILE).spec.servers[0].host).toBe("mqtt.example.com");
  });

  test("a server with only websockets listeners is rejected", () => {
    const text = BASE.replace("      - port: 8883", "      - port: 8884\n        protocol: websockets");
    const problem = onlyProblem(text);
    expect(problem.message).toMatch(/only websockets listeners/);
    expect(problem.yamlPath).toBe("servers[0].listeners");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "- port: 8884") });
    expect(problem.hint).toMatch(/Unable to start any listening sockets/);
  });

  test("a server with neither dns nor ip, and no listeners, reports both", () => {
    const text = BASE.replace(
      "    dns: [mqtt.example.com]\n    listeners:\n      - port: 8883\n",
      "    cn: broker.example.com\n",
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => p.message)).toEqual([
      "server `broker` has neither `dns` nor `ip`",
      "server `broker` has no listeners",
    ]);
  });

  test("duplicate listener port across servers", () => {
    const text = BASE.replace(
      "clients:",
      "  - name: second\n    dns: [second.example.com]\n    listeners:\n      - port: 9000\n      - port: 8883\nclients:",
    );
    const problem = onlyProblem(text);
    expect(problem.message).toBe("port 8883 is already used by server `broker` listener 1");
    expect(problem.yamlPath).toBe("servers[1].listeners[1].port");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "8883", 1) });
    expect(problem.hint).toMatch(/own port/);
  });

  test("same port on two different bind addresses is allowed", () => {
    const text = BASE.replace(
      "      - port: 8883",
      "      - port: 8883\n        bind: 127.0.0.1\n      - port: 8883\n        bind: 192.0.2.1",
    );
    expect(parseSpec(text, FILE).spec.servers[0].listeners).toHaveLength(2);
  });

  test("a bound port clashes with an earlier unbound one and vice versa", () => {
    const boundAfter = BASE.replace(
      "      - port: 8883",
      "      - port: 8883\n      - port: 8883\n        bind: 127.0.0.1",
    );
    expect(onlyProblem(boundAfter).yamlPath).toBe("servers[0].listeners[1].port");
    const unboundAfter = BASE.replace(
      "      - port: 8883",
      "      - port: 8883\n        bind: 127.0.0.1\n      - port: 8883",
    );
    expect(onlyProblem(unboundAfter).yamlPath).toBe("servers[0].listeners[1].port");
  });

  test("missing version", () => {
    const text = BASE.replace("version: 1\n", "");
    const problem = onlyProblem(text);
    expect(problem.message).toBe("missing `version`");
    expect(problem.yamlPath).toBe("version");
    // Nothing to point at: falls back to the document start.
    expect(problem.position).toEqual({ file: FILE, line: 1, col: 1 });
    expect(problem.hint).toMatch(/version: 1/);
  });

  test("wrong version", () => {
    const text = BASE.replace("version: 1", "version: 2");
    const problem = onlyProblem(text);
    expect(problem.message).toBe("unsupported version 2");
    expect(problem.yamlPath).toBe("version");
    expect(problem.position).toEqual({ file: FILE, line: 1, col: 10 });
  });

  test('a quoted version "1" is not version 1', () => {
    const problem = onlyProblem(BASE.replace("version: 1", 'version: "1"'));
    expect(problem.message).toBe('unsupported version "1"');
  });

  test("identityAsUsername: false is rejected with the mosquitto symptom", () => {
    const text = BASE.replace("    listeners:", "    identityAsUsername: false\n    listeners:");
    const problem = onlyProblem(text);
    expect(problem.yamlPath).toBe("servers[0].identityAsUsername");
    expect(problem.position).toEqual({ file: FILE, ...locate(text, "false") });
    expect(problem.message).toMatch(/not authorised/);
    expect(problem.hint).toMatch(/identityAsUsername: true/);
  });

  test.each([
    ["ca", "crlDays: 0"],
    ["defaults", "renewBeforeDays: -1"],
  ])("%s.%s is rejected", (section, line) => {
    const text =
      section === "ca"
        ? BASE.replace("  cn: Test Root CA", `  cn: Test Root CA\n  ${line}`)
        : `defaults:\n  ${line}\n${BASE}`;
    const problem = onlyProblem(text);
    expect(problem.yamlPath).toBe(`${section}.${line.split(":")[0]}`);
    expect(problem.hint).toMatch(/whole number/);
  });

  test("c: Germany is not a country code", () => {
    const text = BASE.replace("  cn: Test Root CA", "  cn: Test Root CA\n  c: Germany");
    const problem = onlyProblem(text);
    expect(problem.yamlPath).toBe("ca.c");
    expect(problem.message).toMatch(/two-letter country code, got `Germany`/);
    expect(problem.position).toEqual({ file: FILE, line: 4, col: 6 });
    expect(problem.hint).toBe("write e.g. `c: DE`");
  });

  test("a CN longer than 64 characters is rejected", () => {
    const problem = onlyProblem(BASE.replace("Test Root CA", "x".repeat(65)));
    expect(problem.yamlPath).toBe("ca.cn");
    expect(problem.message).toMatch(/65 characters/);
  });

  test("a topic with a wildcard is rejected", () => {
    const problem = onlyProblem(`${BASE}    topic: devices/+/x\n`);
    expect(problem.yamlPath).toBe("clients[0].topic");
    expect(problem.message).toMatch(/wildcard/);
  });

  test("missing ca and missing servers", () => {
    const problems = problemsOf("version: 1\n");
    expect(problems.map((p) => p.yamlPath)).toEqual(expect.arrayContaining(["ca"]));
    expect(problems.find((p) => p.yamlPath === "ca")?.message).toBe("missing `ca`");
  });

  test("YAML syntax error is positioned (tab indentation)", () => {
    const text = "version: 1\nca:\n  cn: x\n\tkey: y\n";
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    const problem = problems[0];
    expect(problem.yamlPath).toBe("(syntax)");
    expect(problem.message).toBe("YAML syntax: Tabs are not allowed as indentation");
    expect(problem.position).toEqual({ file: FILE, line: 4, col: 1 });
    expect(problem.hint).toMatch(/indentation/);
  });

  test("a key without a colon is a syntax error on its own line", () => {
    const problems = problemsOf("version: 1\nca\n  cn: x\n");
    expect(problems[0].yamlPath).toBe("(syntax)");
    expect(problems[0].position).toEqual({ file: FILE, line: 2, col: 1 });
  });

  test("an unclosed quote is a syntax error, with no semantic problems mixed in", () => {
    const problems = problemsOf('version: 1\nca:\n  cn: "unclosed\nservers: []\n');
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/^YAML syntax: Missing closing "quote/);
    expect(problems[0].position?.line).toBeGreaterThanOrEqual(3);
  });

  test("a bad indentation is a syntax error pointing into the offending mapping", () => {
    const text = "version: 1\nca:\n  cn: CA\n   o: Org\n";
    const problem = problemsOf(text)[0];
    expect(problem.yamlPath).toBe("(syntax)");
    expect(problem.position).toEqual({ file: FILE, line: 3, col: 7 });
  });

  test("a duplicated key is a syntax error", () => {
    const text = `${BASE}version: 1\n`;
    const problem = problemsOf(text)[0];
    expect(problem.yamlPath).toBe("(syntax)");
    expect(problem.position?.line).toBe(text.split("\n").length - 1);
  });

  test("a non-mapping document is rejected", () => {
    const problem = onlyProblem("- just\n- a list\n");
    expect(problem.message).toMatch(/must be a mapping/);
  });

  test("several problems are reported at once, in document order, each positioned", () => {
    const text = spec(`
version: 1
ca:
  cn: Test Root CA
  c: Germany
servers:
  - name: Broker
    dns: [mqtt.example.com]
    ip: [300.1.1.1]
    listeners:
      - port: 8883
clients:
  - name: sensor-001
    days: 0
`);
    let error: unknown;
    try {
      parseSpec(text, FILE);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpecError);
    const specError = error as SpecError;
    expect(specError.message).toBe("4 problems in the spec");
    expect(specError.problems.map((p) => [p.yamlPath, p.position?.line, p.position?.col])).toEqual([
      ["ca.c", 4, 6],
      ["servers[0].name", 6, 11],
      ["servers[0].ip[0]", 8, 10],
      ["clients[0].days", 13, 11],
    ]);
    expect(specError.problems.every((p) => p.hint && p.hint.length > 0)).toBe(true);
  });

  test("a single problem's message and hint are lifted onto the SpecError itself", () => {
    try {
      parseSpec(BASE.replace("version: 1", "version: 2"), FILE);
      throw new Error("not rejected");
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).message).toBe("unsupported version 2");
      expect((error as SpecError).hint).toMatch(/version: 1/);
      expect((error as SpecError).exitCode).toBe(2);
    }
  });

  test("cross-entry problems point at the entry's real YAML index when an earlier entry was invalid", () => {
    // clients[0] has an unsafe name; clients[1] and clients[2] share a name.
    const text = spec(`
version: 1
ca:
  cn: Test Root CA
servers:
  - name: broker
    dns: [mqtt.example.com]
    listeners:
      - port: 8883
clients:
  - name: Bad
  - name: twin
  - name: twin
    cn: twin-2
`);
    const problems = problemsOf(text);
    const duplicate = problems.find((p) => /duplicate client name/.test(p.message));
    expect(duplicate?.yamlPath).toBe("clients[2].name");
    expect(duplicate?.position?.line).toBe(12);
  });
});

describe("parseSpec: warnings", () => {
  test("a leaf living longer than the CA is a warning, not an error", () => {
    const text = BASE.replace("  cn: Test Root CA", "  cn: Test Root CA\n  days: 100") + "    days: 200\n";
    const { spec: s, warnings } = parseSpec(text, FILE);
    expect(s.clients[0].days).toBe(200);
    expect(warnings).toHaveLength(2);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          yamlPath: "servers[0].days",
          message: expect.stringMatching(/server `broker` asks for 397 days but the CA lives 100/),
        }),
        expect.objectContaining({
          yamlPath: "clients[0].days",
          message: expect.stringMatching(/client `sensor-001` asks for 200 days/),
        }),
      ]),
    );
  });

  test("equal lifetimes produce no warning", () => {
    const text = `defaults:\n  days: 3650\n${BASE}`;
    expect(parseSpec(text, FILE).warnings).toEqual([]);
  });
});

describe("the output folder", () => {
  test("a value continued on the next line is what YAML reads", () => {
    expect(parseSpec(`${BASE}out: ./a\n  b\n`, FILE).spec.out).toBe(path.resolve("./a b"));
  });
});
