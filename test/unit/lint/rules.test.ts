import { lintSnapshot } from "../../../src/api/lint.js";
import type { Finding } from "../../../src/lint/findings.js";
import { lintRules } from "../../../src/lint/rules.js";
import {
  BROKER,
  CONF,
  NOW,
  TLS_LISTENER,
  dir,
  file,
  healthy,
  makeMaterial,
  snapshot,
  type Material,
} from "./fixtures.js";

let m: Material;
beforeAll(async () => {
  m = await makeMaterial();
});

const CERTS = "/etc/mosquitto/certs";
const lint = (s: Parameters<typeof lintRules>[0], now = NOW) => lintRules(s, now);

/** Findings as "file:line severity message" lines, for readable failure output. */
function lines(findings: Finding[]): string[] {
  return findings.map((f) => `${f.file}:${f.line} ${f.severity} ${f.message}`);
}

/** Asserts exactly one finding at `line` of `file` whose message matches, and returns it. */
function expectFinding(
  findings: Finding[],
  line: number,
  severity: Finding["severity"],
  message: RegExp,
  file = CONF,
): Finding {
  const matches = findings.filter(
    (f) => f.file === file && f.line === line && f.severity === severity && message.test(f.message),
  );
  expect(matches.length === 1 ? "found once" : lines(findings)).toBe("found once");
  return matches[0];
}

/** The healthy one-listener conf (lines 2–7) with `lines` appended inside the listener block. */
function withListenerLines(...extra: string[]): string[] {
  return [...TLS_LISTENER, ...extra];
}

describe("a healthy TLS setup", () => {
  test("has no findings and is ok", () => {
    const s = healthy(m);
    expect(lines(lint(s))).toEqual([]);
    expect(lintSnapshot(s, NOW)).toEqual({ ok: true, findings: [] });
  });

  test("warnings alone keep ok true; an error makes it false", () => {
    const expiring = healthy(m, {
      paths: {
        [`${CERTS}/server.crt`]: file(m.soonServer.cert),
        [`${CERTS}/server.key`]: file(m.soonServer.key, 0o640, 0, BROKER.gid),
      },
    });
    const report = lintSnapshot(expiring, NOW);
    expect(report.findings.map((f) => f.severity)).toEqual(["warning"]);
    expect(report.ok).toBe(true);
    expect(lintSnapshot(healthy(m, { paths: { [`${CERTS}/server.key`]: file(m.server.key, 0o644) } }), NOW).ok).toBe(
      false,
    );
  });
});

describe("referenced files", () => {
  test.each([
    [
      "cafile",
      3,
      /cafile \/etc\/mosquitto\/certs\/ca.crt does not exist: mosquitto exits with "Unable to load CA certificates"/,
    ],
    ["certfile", 4, /certfile .* does not exist: mosquitto exits with "Unable to load server certificate"/],
    ["keyfile", 5, /keyfile .* does not exist: mosquitto exits with "Unable to load server key file"/],
  ])("a missing %s is an error naming mosquitto's start-up failure", (name, line, message) => {
    const s = healthy(m);
    s.paths.delete(`${CERTS}/${name === "cafile" ? "ca.crt" : name === "certfile" ? "server.crt" : "server.key"}`);
    const found = expectFinding(lint(s), line, "error", message);
    expect(found.fix).toBe("correct the path, or put the file there");
  });

  test("missing crlfile, password_file, acl_file and capath", () => {
    const s = healthy(m, {
      lines: [
        "password_file /etc/mosquitto/passwd",
        "acl_file /etc/mosquitto/acl",
        ...withListenerLines("crlfile /etc/mosquitto/crl.pem", "capath /etc/mosquitto/cas"),
      ],
    });
    const findings = lint(s);
    expectFinding(
      findings,
      2,
      "error",
      /password_file \/etc\/mosquitto\/passwd does not exist: mosquitto exits with "Unable to open pwfile"/,
    );
    expectFinding(findings, 3, "error", /acl_file .* does not exist: mosquitto exits with "Unable to open acl_file"/);
    expectFinding(findings, 10, "error", /crlfile .* "Unable to load certificate revocation file"/);
    expectFinding(
      findings,
      11,
      "error",
      /capath .* does not exist: mosquitto loads no CA from it and rejects every client certificate/,
    );
  });

  test("cafile pointing at a folder: error that suggests capath", () => {
    const found = expectFinding(
      lint(healthy(m, { paths: { [`${CERTS}/ca.crt`]: dir([]) } })),
      3,
      "error",
      /cafile \/etc\/mosquitto\/certs\/ca.crt is a folder, not a file: mosquitto exits with "Unable to load CA certificates"/,
    );
    expect(found.fix).toContain("capath /etc/mosquitto/certs/ca.crt");
  });

  test("capath pointing at a file: error that suggests cafile", () => {
    const s = healthy(m, { lines: withListenerLines("capath /etc/mosquitto/certs/ca.crt") });
    const found = expectFinding(lint(s), 8, "error", /capath \/etc\/mosquitto\/certs\/ca.crt is a file, not a folder/);
    expect(found.fix).toContain("cafile /etc/mosquitto/certs/ca.crt");
  });

  test("certfile pointing at a folder", () => {
    expectFinding(
      lint(healthy(m, { paths: { [`${CERTS}/server.crt`]: dir([]) } })),
      4,
      "error",
      /certfile .* is a folder, not a file/,
    );
  });

  test("a file lint cannot read, or cannot even see, is a warning (mosquitto may still manage)", () => {
    const unreadable = healthy(m, {
      paths: { [`${CERTS}/server.key`]: { ...file(undefined, 0o640, 0, BROKER.gid), readError: "EACCES" } },
    });
    expectFinding(
      lint(unreadable),
      5,
      "warning",
      /lint cannot read keyfile .* \(EACCES\), so its contents were not checked/,
    );
    const hidden = healthy(m);
    hidden.paths.delete(`${CERTS}/ca.crt`);
    hidden.unseen.set(`${CERTS}/ca.crt`, "EACCES");
    expectFinding(lint(hidden), 3, "warning", /lint cannot see cafile .* \(EACCES\)/);
    expect(lint(hidden).filter((f) => f.severity === "error")).toEqual([]);
  });

  test("a relative path is a warning: mosquitto resolves it from its working directory", () => {
    const s = healthy(m, {
      lines: TLS_LISTENER.map((l) => l.replace("cafile /etc/mosquitto/certs/ca.crt", "cafile certs/ca.crt")),
    });
    const found = expectFinding(
      lint(s),
      3,
      "warning",
      /cafile certs\/ca.crt is a relative path: mosquitto opens it from its working directory/,
    );
    expect(found.fix).toBe("write the absolute path: `cafile /etc/mosquitto/certs/ca.crt`");
  });

  test("an option with no value", () => {
    expectFinding(lint(healthy(m, { lines: withListenerLines("crlfile") })), 8, "error", /crlfile has no value/);
  });
});

describe("the broker's user and file permissions", () => {
  test('a root-owned 0600 server key: the broker user cannot read it ("Unable to load server key file")', () => {
    const s = healthy(m, { paths: { [`${CERTS}/server.key`]: file(m.server.key, 0o600) } });
    const found = expectFinding(
      lint(s),
      5,
      "error",
      /^the broker's user mosquitto cannot read \/etc\/mosquitto\/certs\/server.key \(mode 600, group 0\): mosquitto drops to mosquitto after start, then exits with "Unable to load server key file"$/,
    );
    expect(found.fix).toContain(
      "chgrp mosquitto /etc/mosquitto/certs/server.key && chmod 640 /etc/mosquitto/certs/server.key",
    );
  });

  test("a folder on the way the broker cannot enter: fix names the folder", () => {
    const s = healthy(m, { paths: { [CERTS]: dir(undefined, 0o700) } });
    const findings = lint(s).filter((f) => /cannot enter/.test(f.message));
    expect(findings.map((f) => f.line)).toEqual([3, 4, 5]);
    expect(findings[0].fix).toContain("chmod o+x /etc/mosquitto/certs");
  });

  test("the `user` option names the account; `user root` reads everything", () => {
    const asRoot = healthy(m, {
      lines: ["user root", ...TLS_LISTENER],
      brokerUser: "root",
      account: { name: "root", uid: 0, gid: 0, groups: [0] },
      paths: { [`${CERTS}/server.key`]: file(m.server.key, 0o600) },
    });
    expect(lines(lint(asRoot))).toEqual([]);
  });

  test("no such account on this machine: nothing to check against", () => {
    const s = healthy(m, { account: null, paths: { [`${CERTS}/server.key`]: file(m.server.key, 0o600) } });
    expect(lines(lint(s))).toEqual([]);
  });

  test("a key readable by everyone is an error; 0600 owned by the broker is fine", () => {
    const world = expectFinding(
      lint(healthy(m, { paths: { [`${CERTS}/server.key`]: file(m.server.key, 0o644) } })),
      5,
      "error",
      /keyfile .* is readable by every user on this machine \(mode 644\)/,
    );
    expect(world.fix).toContain("chmod 640");
    const ownedByBroker = expectFinding(
      lint(healthy(m, { paths: { [`${CERTS}/server.key`]: file(m.server.key, 0o604, BROKER.uid) } })),
      5,
      "error",
      /readable by every user/,
    );
    expect(ownedByBroker.fix).toBe("`chmod 600 /etc/mosquitto/certs/server.key`");
    expect(
      lines(lint(healthy(m, { paths: { [`${CERTS}/server.key`]: file(m.server.key, 0o600, BROKER.uid) } }))),
    ).toEqual([]);
  });

  test("a password file the broker cannot read", () => {
    const s = healthy(m, {
      lines: ["password_file /etc/mosquitto/passwd", ...TLS_LISTENER],
      paths: { "/etc/mosquitto/passwd": file(undefined, 0o600) },
    });
    const found = expectFinding(lint(s), 2, "error", /cannot read \/etc\/mosquitto\/passwd .*"Unable to open pwfile"/);
    expect(found.fix).toContain("chmod 640");
  });
});

describe("certificates and keys", () => {
  test("server and CA share a CN: error at certfile", () => {
    const s = healthy(m, {
      paths: {
        [`${CERTS}/ca.crt`]: file(m.clashCa.cert),
        [`${CERTS}/server.crt`]: file(m.clashServer.cert),
        [`${CERTS}/server.key`]: file(m.clashServer.key, 0o640, 0, BROKER.gid),
      },
      clientFiles: [],
    });
    const findings = lint(s);
    const found = expectFinding(
      findings,
      4,
      "error",
      /server certificate .* \(CN "broker.example"\) has the same CN as its CA/,
    );
    expect(found.fix).toContain("its own CN");
    expect(findings.filter((f) => /was not issued/.test(f.message))).toEqual([]);
  });

  test("server certificate from another CA than cafile's: error naming both", () => {
    const s = healthy(m, {
      paths: {
        [`${CERTS}/server.crt`]: file(m.foreignServer.cert),
        [`${CERTS}/server.key`]: file(m.foreignServer.key, 0o640, 0, BROKER.gid),
      },
    });
    expectFinding(
      lint(s),
      4,
      "error",
      /was not issued by cafile \/etc\/mosquitto\/certs\/ca.crt \("Lint Test CA"\) but by "Foreign CA"/,
    );
  });

  test("a CA in capath counts as trusted", () => {
    const s = healthy(m, {
      lines: withListenerLines("capath /etc/mosquitto/cas"),
      paths: {
        [`${CERTS}/server.crt`]: file(m.foreignServer.cert),
        [`${CERTS}/server.key`]: file(m.foreignServer.key, 0o640, 0, BROKER.gid),
        "/etc/mosquitto/cas": dir(["1a2b3c4d.0"]),
        "/etc/mosquitto/cas/1a2b3c4d.0": file(m.foreignCa.cert),
      },
    });
    expect(lint(s).filter((f) => /was not issued/.test(f.message))).toEqual([]);
  });

  test("key and certificate do not match", () => {
    const s = healthy(m, { paths: { [`${CERTS}/server.key`]: file(m.client.key, 0o640, 0, BROKER.gid) } });
    expectFinding(
      lint(s),
      5,
      "error",
      /keyfile .* does not match certfile .*: mosquitto exits with "Unable to load server key file" \(key values mismatch\)/,
    );
  });

  test("an encrypted key: mosquitto cannot ask for the passphrase", () => {
    const s = healthy(m, { paths: { [`${CERTS}/server.key`]: file(m.encryptedKey, 0o640, 0, BROKER.gid) } });
    expectFinding(lint(s), 5, "error", /is not an unencrypted PEM private key/);
  });

  test("a certfile or cafile without any PEM certificate", () => {
    const s = healthy(m, {
      paths: { [`${CERTS}/server.crt`]: file("not a certificate\n"), [`${CERTS}/ca.crt`]: file("") },
    });
    const findings = lint(s);
    expectFinding(findings, 3, "error", /cafile .* holds no PEM certificate/);
    expectFinding(findings, 4, "error", /certfile .* holds no PEM certificate/);
  });

  test("expired, expiring within 30 days, not yet valid", () => {
    const swap = (pair: { cert: string; key: string }) =>
      healthy(m, {
        paths: {
          [`${CERTS}/server.crt`]: file(pair.cert),
          [`${CERTS}/server.key`]: file(pair.key, 0o640, 0, BROKER.gid),
        },
      });
    expectFinding(
      lint(swap(m.expiredServer)),
      4,
      "error",
      /server certificate .* \(CN "broker.example"\) expired on \d{4}-\d\d-\d\d/,
    );
    expectFinding(lint(swap(m.soonServer)), 4, "warning", /expires in 17 days/);
    expectFinding(lint(swap(m.futureServer)), 4, "error", /is not valid until/);
  });

  test("an expired CA in cafile", () => {
    const s = healthy(m, { paths: { [`${CERTS}/ca.crt`]: file(`${m.ca.cert}${m.expiredCa.cert}`) } });
    expectFinding(lint(s), 3, "error", /CA certificate "Old CA" in .* expired on/);
  });
});

describe("client certificates in sight (require_certificate + use_identity_as_username)", () => {
  test("none from the cafile's CA: warning at use_identity_as_username naming what was seen", () => {
    const s = healthy(m, { paths: { "/etc/mosquitto/clients/sensor-1.crt": file(m.foreignClient.cert) } });
    const found = expectFinding(
      lint(s),
      7,
      "warning",
      /listener 8883 requires client certificates .* no client certificate issued by "Lint Test CA" was found in \/etc\/mosquitto \(the 1 seen were issued by "Foreign CA"\)/,
    );
    expect(found.fix).toContain("issue the devices' certificates from the cafile's CA");
  });

  test("nothing at all seen", () => {
    expectFinding(
      lint(healthy(m, { clientFiles: [] })),
      7,
      "warning",
      /no client certificate issued by "Lint Test CA" was found in \/etc\/mosquitto$/,
    );
  });

  test("the server certificate and CA certificates are not taken for client certificates", () => {
    const s = healthy(m, { clientFiles: [`${CERTS}/server.crt`, `${CERTS}/ca.crt`] });
    expectFinding(lint(s), 7, "warning", /no client certificate issued by/);
  });

  test("without use_identity_as_username there is nothing to warn about", () => {
    const s = healthy(m, { clientFiles: [], lines: TLS_LISTENER.slice(0, -1) });
    expect(lines(lint(s))).toEqual([]);
  });
});

describe("listener settings", () => {
  test("certfile without keyfile, keyfile without certfile: plain MQTT", () => {
    const certOnly = lint(
      snapshot({ confs: { [CONF]: "listener 8883\ncertfile /c.crt\n" }, paths: { "/c.crt": file(m.server.cert) } }),
    );
    expectFinding(
      certOnly,
      2,
      "error",
      /^certfile without keyfile: mosquitto ignores it and listener 8883 serves plain, unencrypted MQTT$/,
    );
    const keyOnly = lint(
      snapshot({
        confs: { [CONF]: "listener 8883\nkeyfile /k.key\n" },
        paths: { "/k.key": file(m.server.key, 0o600, BROKER.uid) },
      }),
    );
    expectFinding(keyOnly, 2, "error", /^keyfile without certfile/);
  });

  test("TLS options without certfile and keyfile", () => {
    const s = snapshot({
      confs: { [CONF]: "listener 8883\nrequire_certificate false\ncafile /ca.crt\n" },
      paths: { "/ca.crt": file(m.ca.cert) },
    });
    expectFinding(lint(s), 3, "error", /listener 8883 sets cafile but no certfile\/keyfile/);
  });

  test("require_certificate without cafile or capath rejects every client", () => {
    const s = healthy(m, { lines: TLS_LISTENER.filter((l) => !l.startsWith("cafile")), clientFiles: [] });
    expectFinding(lint(s), 5, "error", /require_certificate true without cafile or capath/);
  });

  test.each(["tlsv1", "TLSv1.2", "tls1.2", "1.2"])("tls_version %s is an error", (value) => {
    const found = expectFinding(
      lint(healthy(m, { lines: withListenerLines(`tls_version ${value}`) })),
      8,
      "error",
      new RegExp(`tls_version ${value} is not a value mosquitto knows: it exits with "Unsupported tls_version`),
    );
    expect(found.fix).toBe(
      value === "TLSv1.2"
        ? "write `tls_version tlsv1.2` (mosquitto compares it case-sensitively)"
        : "write one of tlsv1.3, tlsv1.2, tlsv1.1, or remove the line",
    );
  });

  test.each(["tlsv1.3", "tlsv1.2", "tlsv1.1"])("tls_version %s is fine", (value) => {
    expect(lines(lint(healthy(m, { lines: withListenerLines(`tls_version ${value}`) })))).toEqual([]);
  });

  test("a listener without a usable port", () => {
    expectFinding(
      lint(snapshot({ confs: { [CONF]: "listener\nlistener 99999\nlistener 1883\n" } })),
      1,
      "error",
      /needs a port/,
    );
    expectFinding(
      lint(snapshot({ confs: { [CONF]: "listener\nlistener 99999\nlistener 1883\n" } })),
      2,
      "error",
      /needs a port/,
    );
  });

  test("a repeated cafile in one listener: mosquitto refuses the conf at the second line", () => {
    const found = expectFinding(
      lint(healthy(m, { lines: withListenerLines("cafile /etc/mosquitto/certs/ca.crt") })),
      8,
      "error",
      /^cafile is set again for listener 8883 \(first at line 3\): mosquitto refuses the conf with "Duplicate cafile value in configuration"$/,
    );
    expect(found.fix).toBe("keep only one of the two lines");
  });

  test("password_file in two listener blocks is a repeat unless per_listener_settings is true", () => {
    const conf =
      "listener 1883\npassword_file /etc/mosquitto/passwd\nlistener 1884\npassword_file /etc/mosquitto/passwd\n";
    const paths = { "/etc/mosquitto/passwd": file(undefined, 0o640, 0, BROKER.gid) };
    expectFinding(
      lint(snapshot({ confs: { [CONF]: conf }, paths })),
      4,
      "error",
      /password_file is set again for the broker \(first at line 2\)/,
    );
    expect(lines(lint(snapshot({ confs: { [CONF]: `per_listener_settings true\n${conf}` }, paths })))).toEqual([]);
  });

  test("a repeat across files names the other file", () => {
    const s = snapshot({
      confs: {
        [CONF]: "include_dir /etc/mosquitto/conf.d\nlistener 8883\ntls_version tlsv1.2\n",
        "/etc/mosquitto/conf.d/a.conf": "tls_version tlsv1.2\nlistener 1\ntls_version tlsv1.3\ntls_version tlsv1.2\n",
      },
      paths: { "/etc/mosquitto/conf.d": dir(["a.conf"]) },
    });
    expectFinding(
      lint(s),
      4,
      "error",
      /tls_version is set again for listener 1 \(first at line 3\)/,
      "/etc/mosquitto/conf.d/a.conf",
    );
  });
});

describe("websockets-only configs", () => {
  const WS_ONLY = "listener 8884\nprotocol websockets\nlistener 8885\nprotocol websockets\n";

  test("on mosquitto 2.0.11: error at the first listener", () => {
    const found = expectFinding(
      lint(snapshot({ confs: { [CONF]: WS_ONLY }, version: "2.0.11" })),
      1,
      "error",
      /^every listener is websockets: mosquitto 2.0.11 exits with "Unable to start any listening sockets" \(fixed in 2.0.12\)$/,
    );
    expect(found.fix).toContain("listener 8883");
  });

  test("on 2.0.12 or later: fine", () => {
    expect(lines(lint(snapshot({ confs: { [CONF]: WS_ONLY }, version: "2.0.12" })))).toEqual([]);
    expect(lines(lint(snapshot({ confs: { [CONF]: WS_ONLY }, version: "2.1.2" })))).toEqual([]);
  });

  test("no mosquitto here: warning, version unknown", () => {
    expectFinding(
      lint(snapshot({ confs: { [CONF]: WS_ONLY }, version: null })),
      1,
      "warning",
      /no mosquitto here tells which version/,
    );
  });

  test("one plain MQTT listener among them: fine", () => {
    expect(lines(lint(snapshot({ confs: { [CONF]: `${WS_ONLY}listener 8883\n` }, version: "2.0.11" })))).toEqual([]);
  });
});

describe("options before any listener line (the default listener)", () => {
  test("TLS options at the top of the main conf: warning per option, naming the next listener", () => {
    const s = healthy(m, {
      lines: [
        "cafile /etc/mosquitto/certs/ca.crt",
        "certfile /etc/mosquitto/certs/server.crt",
        "keyfile /etc/mosquitto/certs/server.key",
        "listener 8883",
      ],
    });
    const findings = lint(s);
    const found = expectFinding(
      findings,
      2,
      "warning",
      /^cafile comes before the first `listener` line, so it configures mosquitto's default listener \(which it then opens on port 1883\), not listener 8883 \(line 5\)$/,
    );
    expect(found.fix).toBe("move it below the `listener 8883` line");
    expect(findings.filter((f) => /default listener/.test(f.message)).map((f) => f.line)).toEqual([2, 3, 4]);
  });

  test("in an include_dir file: every file starts outside a listener block", () => {
    const s = snapshot({
      confs: {
        [CONF]: "listener 8883\ninclude_dir /etc/mosquitto/conf.d\n",
        "/etc/mosquitto/conf.d/tls.conf": "# tls\nprotocol websockets\n",
      },
      paths: { "/etc/mosquitto/conf.d": dir(["tls.conf"]) },
    });
    const found = expectFinding(
      lint(s),
      2,
      "warning",
      /protocol comes before any `listener` line of this file, and every conf file starts outside a listener block/,
      "/etc/mosquitto/conf.d/tls.conf",
    );
    expect(found.fix).toBe("start this file with the `listener` line it belongs to");
  });

  test("`port` shows the default listener is wanted: no warning", () => {
    const s = snapshot({ confs: { [CONF]: "port 1883\nprotocol mqtt\nlistener 8883\n" } });
    expect(lines(lint(s))).toEqual([]);
  });

  test("no listener line at all: the default listener is the only one, linted like any other", () => {
    const s = snapshot({ confs: { [CONF]: "certfile /c.crt\n" }, paths: { "/c.crt": file(m.server.cert) } });
    expect(lines(lint(s))).toEqual([
      `${CONF}:1 error certfile without keyfile: mosquitto ignores it and the default listener (port 1883) serves plain, unencrypted MQTT`,
    ]);
  });

  test("security options before the first listener matter only with per_listener_settings true", () => {
    const paths = { "/etc/mosquitto/passwd": file(undefined, 0o640, 0, BROKER.gid) };
    expect(
      lines(lint(snapshot({ confs: { [CONF]: "password_file /etc/mosquitto/passwd\nlistener 1883\n" }, paths }))),
    ).toEqual([]);
    const found = expectFinding(
      lint(
        snapshot({
          confs: { [CONF]: "per_listener_settings true\npassword_file /etc/mosquitto/passwd\nlistener 1883\n" },
          paths,
        }),
      ),
      2,
      "warning",
      /default listener/,
    );
    expect(found.message).toContain("per_listener_settings true");
  });
});

describe("include_dir", () => {
  test("a missing folder: error", () => {
    expectFinding(
      lint(snapshot({ confs: { [CONF]: "include_dir /etc/mosquitto/conf.d\n" } })),
      1,
      "error",
      /include_dir \/etc\/mosquitto\/conf.d does not exist: mosquitto exits with "Unable to open include_dir"/,
    );
  });

  test("a folder whose name ends in .conf: error", () => {
    const s = snapshot({
      confs: { [CONF]: "include_dir /etc/mosquitto/conf.d\n" },
      paths: { "/etc/mosquitto/conf.d": dir(["x.conf", "notes.txt"]), "/etc/mosquitto/conf.d/x.conf": dir([]) },
    });
    expectFinding(lint(s), 1, "error", /\/etc\/mosquitto\/conf.d\/x.conf ends in .conf but is a folder/);
  });

  test("include_dir inside an included file is ignored by mosquitto: warning", () => {
    const s = snapshot({
      confs: {
        [CONF]: "include_dir /etc/mosquitto/conf.d\n",
        "/etc/mosquitto/conf.d/a.conf": "include_dir /etc/mosquitto/more\n",
      },
      paths: { "/etc/mosquitto/conf.d": dir(["a.conf"]) },
    });
    expectFinding(lint(s), 1, "warning", /include_dir in an included file/, "/etc/mosquitto/conf.d/a.conf");
  });

  test("findings are ordered by mosquitto's load order: main conf first, then included files", () => {
    const s = snapshot({
      confs: {
        [CONF]: "include_dir /etc/mosquitto/conf.d\nlistener 8883\ntls_version bad\n",
        "/etc/mosquitto/conf.d/a.conf": "listener 1\ntls_version worse\n",
      },
      paths: { "/etc/mosquitto/conf.d": dir(["a.conf"]) },
    });
    expect([...new Set(lint(s).map((f) => `${f.file}:${f.line}`))]).toEqual([
      `${CONF}:3`,
      "/etc/mosquitto/conf.d/a.conf:2",
    ]);
  });
});
