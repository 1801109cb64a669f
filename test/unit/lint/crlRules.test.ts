import { lintSnapshot } from "../../../src/api/lint.js";
import { fromPem } from "../../../src/crypto/pem.js";
import type { IssuingCa } from "../../../src/crypto/issue.js";
import { subjectName } from "../../../src/crypto/profiles.js";
import { x509 } from "../../../src/crypto/provider.js";
import type { Finding } from "../../../src/lint/findings.js";
import { lintRules } from "../../../src/lint/rules.js";
import type { LintSnapshot, PathInfo } from "../../../src/lint/snapshot.js";
import type { KeyAlgorithm } from "../../../src/spec/types.js";
import { caOf, crlOf, intermediateOf } from "./crlFixtures.js";
import {
  CONF,
  NOW,
  TLS_LISTENER,
  dir,
  file,
  healthy,
  makeCa,
  makeMaterial,
  snapshot,
  type Material,
} from "./fixtures.js";

const DAY = 24 * 60 * 60 * 1000;
const CERTS = "/etc/mosquitto/certs";
const CRL = `${CERTS}/crl.pem`;
/** TLS_LISTENER fills lines 2–7 after allow_anonymous; crlfile comes last. */
const CRL_LINE = 8;
const PAST = new Date(NOW.getTime() - 1000 * DAY);

let m: Material;
let ca: IssuingCa;
let foreign: IssuingCa;
/** Another CA named exactly like the cafile's ("Lint Test CA", "Test Org"), with its own key. */
let twin: IssuingCa;
beforeAll(async () => {
  m = await makeMaterial();
  ca = await caOf(m.ca);
  foreign = await caOf(m.foreignCa);
  twin = await makeCa("Lint Test CA", PAST);
});

const lint = (s: LintSnapshot, now = NOW) => lintRules(s, now);
const lines = (findings: Finding[]) => findings.map((f) => `${f.file}:${f.line} ${f.severity} ${f.message}`);

/** The healthy one-listener setup plus `crlfile` (line 8) holding `crl`; `cafile` replaces ca.crt's content. */
function withCrl(crl: string | PathInfo, options: { cafile?: string; lines?: string[] } = {}): LintSnapshot {
  return healthy(m, {
    lines: options.lines ?? [...TLS_LISTENER, `crlfile ${CRL}`],
    paths: {
      [CRL]: typeof crl === "string" ? file(crl) : crl,
      ...(options.cafile ? { [`${CERTS}/ca.crt`]: file(options.cafile) } : {}),
    },
  });
}

/** The findings at the crlfile line. */
function atCrlfile(s: LintSnapshot, now = NOW): Finding[] {
  return lint(s, now).filter((f) => f.file === CONF && f.line === CRL_LINE);
}

/** Asserts that the crlfile line has exactly one finding, of this severity and matching `message`. */
function expectOnly(s: LintSnapshot, severity: Finding["severity"], message: RegExp, now = NOW): Finding {
  const found = atCrlfile(s, now);
  expect(
    found.length === 1 && found[0].severity === severity && message.test(found[0].message)
      ? "found once"
      : lines(found),
  ).toBe("found once");
  return found[0];
}

describe("a usable crlfile", () => {
  test("a current CRL of the cafile's CA: no finding at all, ok", async () => {
    const s = withCrl(await crlOf(ca));
    expect(lines(lint(s))).toEqual([]);
    expect(lintSnapshot(s, NOW).ok).toBe(true);
  });

  test("the CRL's issuer name matches the CA's the way OpenSSL compares names (case and spacing folded)", async () => {
    const crl = await x509.X509CrlGenerator.create(
      {
        issuer: subjectName({ cn: "LINT  TEST ca", o: " test ORG" }),
        thisUpdate: new Date(NOW.getTime() - DAY),
        nextUpdate: new Date(NOW.getTime() + 30 * DAY),
        signingKey: ca.signer.privateKey,
        signingAlgorithm: ca.signer.signingAlgorithm,
      },
      ca.signer.crypto,
    );
    expect(lines(atCrlfile(withCrl(x509.PemConverter.encode(crl.rawData, "X509 CRL"))))).toEqual([]);
  });

  test.each(["rsa-2048", "ed25519"] as KeyAlgorithm[])(
    "%s CA: its CRL verifies, one from another key of the same name does not",
    async (algorithm) => {
      const own = await makeCa(`Lint ${algorithm} CA`, PAST, 3650, algorithm);
      const other = await makeCa(`Lint ${algorithm} CA`, PAST, 3650, algorithm);
      expect(lines(atCrlfile(withCrl(await crlOf(own), { cafile: own.pair.cert })))).toEqual([]);
      expectOnly(
        withCrl(await crlOf(other), { cafile: own.pair.cert }),
        "error",
        /is signed by another key than that of "Lint .* CA"/,
      );
    },
  );
});

describe("a CRL against the clock", () => {
  test("expired: error, every client of the CA refused (alert 45), fix renews it and sends SIGHUP", async () => {
    const s = withCrl(await crlOf(ca, { issuedDaysAgo: 40, days: 30 }));
    const found = expectOnly(
      s,
      "error",
      new RegExp(
        `^the CRL of "Lint Test CA" in crlfile ${CRL} expired on 2030-05-22 \\(nextUpdate\\): mosquitto \\(OpenSSL\\) refuses every client certificate "Lint Test CA" issued on listener 8883, valid ones too \\(clients see TLS alert certificate_expired \\(45\\), the broker logs "certificate verify failed"\\)$`,
      ),
    );
    expect(found.fix).toContain("`mqtt-pki crl -f pki.yaml`");
    expect(found.fix).toContain(`\`openssl ca -gencrl -out ${CRL}\``);
    expect(found.fix).toContain("`kill -HUP <pid>`");
    expect(lintSnapshot(s, NOW).ok).toBe(false);
  });

  test("lint's clock decides: the same CRL 20 days earlier has 10 days left, no finding", async () => {
    const s = withCrl(await crlOf(ca, { issuedDaysAgo: 40, days: 30 }));
    expect(lines(atCrlfile(s, new Date(NOW.getTime() - 20 * DAY)))).toEqual([]);
  });

  test("fewer than 7 days left: warning with the days and the date", async () => {
    const s = withCrl(await crlOf(ca, { issuedDaysAgo: 27, days: 30 }));
    const found = expectOnly(
      s,
      "warning",
      /^the CRL of "Lint Test CA" in crlfile .* expires in 3 days \(2030-06-04\): after that mosquitto \(OpenSSL\) refuses every client certificate "Lint Test CA" issued/,
    );
    expect(found.fix).toContain("kill -HUP");
    expect(lintSnapshot(s, NOW).ok).toBe(true);
  });

  test('not yet valid: error ("CRL is not yet valid", alert 42), fix checks the issuing machine\'s clock', async () => {
    const found = expectOnly(
      withCrl(await crlOf(ca, { issuedDaysAgo: -2 })),
      "error",
      /is not valid until 2030-06-03T12:00:00.000Z \(thisUpdate\): until then mosquitto \(OpenSSL\) refuses every client certificate "Lint Test CA" issued on listener 8883, valid ones too \("CRL is not yet valid"; clients see TLS alert bad_certificate \(42\)/,
    );
    expect(found.fix).toMatch(/^check the clock of the machine that issued the CRL/);
  });

  test("an expired CRL next to a current one of the same CA: OpenSSL uses the current one, warning only", async () => {
    const s = withCrl(`${await crlOf(ca, { issuedDaysAgo: 40, days: 30 })}${await crlOf(ca)}`);
    expectOnly(
      s,
      "warning",
      /^CRL 1 of 2 in crlfile .* \(of "Lint Test CA"\) is expired; OpenSSL uses the current CRL of "Lint Test CA" next to it instead$/,
    );
  });
});

describe("a CRL against the listener's CAs", () => {
  test("a CRL from another CA (name differs): error naming its issuer and the cafile's CA, alert 48", async () => {
    const found = expectOnly(
      withCrl(await crlOf(foreign)),
      "error",
      new RegExp(
        `^crlfile ${CRL} has no CRL from "Lint Test CA" \\(cafile ${CERTS}/ca.crt\\); its CRLs are from "Foreign CA", not a CA of the listener \\("Lint Test CA"\\): .*every client certificate "Lint Test CA" issued is refused on listener 8883, valid ones too \\("unable to get certificate CRL"; clients see TLS alert unknown_ca \\(48\\)\\)$`,
      ),
    );
    expect(found.fix).toContain('add a CRL from "Lint Test CA"');
  });

  test("the cafile's CA name, another key: the signature fails (alert 51), reported once", async () => {
    expectOnly(
      withCrl(await crlOf(twin)),
      "error",
      /^the CRL of "Lint Test CA" in crlfile .* is signed by another key than that of "Lint Test CA" in cafile \/etc\/mosquitto\/certs\/ca.crt .*: OpenSSL rejects it \("CRL signature failure"\) and mosquitto refuses every client certificate "Lint Test CA" issued on listener 8883, valid ones too \(clients see TLS alert decrypt_error \(51\)\)$/,
    );
  });

  test("two CAs in cafile, a CRL of one: error naming the CA without one; CRLs of both: fine", async () => {
    const cafile = `${m.ca.cert}${m.foreignCa.cert}`;
    const found = expectOnly(
      withCrl(await crlOf(ca), { cafile }),
      "error",
      /^crlfile .* has no CRL from "Foreign CA" \(cafile \/etc\/mosquitto\/certs\/ca.crt\): with a crlfile, mosquitto turns on OpenSSL's CRL check/,
    );
    expect(found.message).not.toContain("its CRLs are from");
    expect(lines(atCrlfile(withCrl(`${await crlOf(ca)}${await crlOf(foreign)}`, { cafile })))).toEqual([]);
  });

  test("a CRL from a CA outside cafile next to a complete set: warning only", async () => {
    expectOnly(
      withCrl(`${await crlOf(ca)}${await crlOf(foreign)}`),
      "warning",
      /^CRL 2 of 2 in crlfile .* \(of "Foreign CA"\) is from a CA the listener does not hold \(it trusts "Lint Test CA"\)/,
    );
  });

  test("a root without a CRL that issued the intermediate in cafile: warning (only its direct clients are refused)", async () => {
    const root = await makeCa("Lint Root CA", PAST);
    const issuing = await intermediateOf(root, "Lint Issuing CA");
    const s = withCrl(await crlOf(issuing), { cafile: `${root.pair.cert}${issuing.pair.cert}` });
    expectOnly(
      s,
      "warning",
      /^crlfile .* has no CRL from "Lint Root CA" \(cafile .*\), which issued "Lint Issuing CA": OpenSSL checks only the CRL of a client certificate's own issuer/,
    );
  });
});

describe("a crlfile mosquitto cannot load: error, mosquitto exits", () => {
  const exits = /: mosquitto exits with "Unable to load certificate revocation file"$/;

  test.each([
    ["empty", async () => "", /holds no PEM CRL \(-----BEGIN X509 CRL-----\); it is empty/],
    ["text without a CRL", async () => "not a CRL\n", /holds no PEM CRL \(-----BEGIN X509 CRL-----\): /],
    [
      'the label "CRL"',
      async () => (await crlOf(ca)).replaceAll("X509 CRL", "CRL"),
      /holds its CRL under the PEM label "CRL", which OpenSSL does not read/,
    ],
    [
      "a damaged second block",
      async () => `${await crlOf(ca)}-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n`,
      /CRL 2 of 2 is damaged/,
    ],
    ["a cut-off block", async () => (await crlOf(ca)).slice(0, 200), /a -----BEGIN X509 CRL----- line has no END line/],
  ])("%s", async (_, content, message) => {
    const found = expectOnly(withCrl(await content()), "error", message);
    expect(found.message).toMatch(exits);
  });

  test("a DER file: error with the openssl command that converts it", async () => {
    const der: PathInfo = { ...file(undefined), content: fromPem(await crlOf(ca)) };
    const found = expectOnly(withCrl(der), "error", /looks like a DER \(binary\) CRL/);
    expect(found.fix).toContain(`openssl crl -inform DER -in ${CRL}`);
  });
});

describe("where the CRL rules apply", () => {
  test("without require_certificate mosquitto never consults the CRL; it still has to load it", async () => {
    const noClientCerts = [
      ...TLS_LISTENER.map((l) => l.replace("require_certificate true", "require_certificate false")),
      `crlfile ${CRL}`,
    ];
    expect(lines(atCrlfile(withCrl(await crlOf(ca, { issuedDaysAgo: 40 }), { lines: noClientCerts })))).toEqual([]);
    expectOnly(withCrl("", { lines: noClientCerts }), "error", /it is empty/);
  });

  test("a websockets listener is checked too: a SIGHUP reload loads its crlfile (measured on mosquitto 2.0.11)", async () => {
    const ws = [...TLS_LISTENER, "protocol websockets", `crlfile ${CRL}`];
    const s = withCrl("", { lines: ws });
    expect(
      lint(s)
        .filter((f) => f.line === CRL_LINE + 1)
        .map((f) => f.severity),
    ).toEqual(["error"]);
  });

  test("a crlfile in an include_dir file: the finding is at that file's line", async () => {
    const included = "/etc/mosquitto/conf.d/tls.conf";
    const base = withCrl(await crlOf(ca, { issuedDaysAgo: 40 }));
    const s = snapshot({
      confs: {
        [CONF]: "include_dir /etc/mosquitto/conf.d\n",
        [included]: [...TLS_LISTENER, `crlfile ${CRL}`].join("\n"),
      },
      paths: { ...Object.fromEntries(base.paths), "/etc/mosquitto/conf.d": dir(["tls.conf"]) },
      clientFiles: base.clientSearch.files,
    });
    const found = lint(s).filter((f) => /expired on/.test(f.message) && /CRL/.test(f.message));
    expect(found.map((f) => `${f.file}:${f.line}`)).toEqual([`${included}:7`]);
  });
});
