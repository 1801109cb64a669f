/**
 * certificate_expired (45) from a broker that should have accepted the certificate: OpenSSL
 * sends it for a CRL past its nextUpdate too (measured on mosquitto 2.0.11). The reasoning is
 * pure: hand-made facts in, the cause out; diagnose() only places it on the right line.
 */
import { alertOf, type TlsAlert } from "../../../src/doctor/alerts.js";
import { judgeClientFiles } from "../../../src/doctor/clientFilesStage.js";
import type { CrlPlaces } from "../../../src/doctor/crlCauses.js";
import { certificateExpiredCause, crlNote, crlValidityAt } from "../../../src/doctor/crlLapse.js";
import { diagnose } from "../../../src/doctor/diagnose.js";
import type { CrlSummary } from "../../../src/doctor/localChecks.js";
import { alert, cert, chain, clientFacts, failing, NOW, observed, target, tls } from "../helpers/doctorInputs.js";

const ALERT_45 = alert("ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED", 45);
const CERTIFICATE_EXPIRED: TlsAlert = alertOf(ALERT_45)!;

/** NOW is 2030-06-01 12:00 UTC; the client certificate runs from 2030-01-01 to 2031-01-01. */
const EXPIRED_CRL: CrlSummary = {
  issuerCn: "Test Root CA",
  thisUpdate: new Date("2030-05-01T00:00:00Z"),
  nextUpdate: new Date("2030-05-11T00:00:00Z"),
};
const FRESH_CRL: CrlSummary = {
  issuerCn: "Test Root CA",
  thisUpdate: new Date("2030-05-30T00:00:00Z"),
  nextUpdate: new Date("2030-06-29T00:00:00Z"),
};
const FUTURE_CRL: CrlSummary = {
  issuerCn: "Test Root CA",
  thisUpdate: new Date("2030-06-02T00:00:00Z"),
  nextUpdate: new Date("2030-07-02T00:00:00Z"),
};

const TREE: CrlPlaces = { localFile: "pki/ca/crl.pem", specFile: "pki.yaml" };
const DEPLOYED: CrlPlaces = { ...TREE, brokerFile: "/etc/mosquitto/certs/ca/crl.pem" };
const BESIDE_CAFILE: CrlPlaces = { localFile: "device/crl.pem" };

function causeFor(
  issuerCrl: CrlSummary | undefined,
  places: CrlPlaces | undefined,
  crlChecked = issuerCrl !== undefined,
) {
  const cause = certificateExpiredCause({
    alert: CERTIFICATE_EXPIRED,
    now: NOW,
    client: clientFacts({ issuerCrl, crlChecked }),
    serverLeaf: cert(),
    places,
  });
  return { id: cause.id, text: `${cause.cause}\n${cause.fix}` };
}

describe("certificateExpiredCause: the certificates are valid, so the CRL is the suspect", () => {
  test("the tree's CRL is past nextUpdate: it is the cause, and the fix renews, copies and reloads", () => {
    const { id, text } = causeFor(EXPIRED_CRL, DEPLOYED);
    expect(id).toBe("crl-expired");
    expect(text).toContain('the tree\'s CRL of "Test Root CA" (pki/ca/crl.pem) expired on 2030-05-11 00:00 UTC');
    expect(text).toContain("turns away every device");
    expect(text).toContain("`mqtt-pki crl -f pki.yaml`");
    expect(text).toContain("copy pki/ca/crl.pem to the broker's crlfile /etc/mosquitto/certs/ca/crl.pem (deploy.dir)");
    expect(text).toContain("`kill -HUP <mosquitto pid>`");
  });

  test("without deploy.dir the fix still says to copy when the broker reads another file", () => {
    expect(causeFor(EXPIRED_CRL, TREE).text).toContain("unless the broker reads that very file");
  });

  test("the CRL beside --cafile (no spec): the same verdict, with a placeholder for the spec", () => {
    const { id, text } = causeFor(EXPIRED_CRL, BESIDE_CAFILE);
    expect(id).toBe("crl-expired");
    expect(text).toContain('the CRL of "Test Root CA" (device/crl.pem)');
    expect(text).toContain("`mqtt-pki crl -f <spec>`");
  });

  test("a CRL before its thisUpdate is refused just the same: clocks, then renew", () => {
    const { id, text } = causeFor(FUTURE_CRL, TREE);
    expect(id).toBe("crl-not-yet-valid");
    expect(text).toContain("valid only from 2030-06-02 00:00 UTC");
    expect(text).toContain("NTP");
    expect(text).toContain("mqtt-pki crl -f pki.yaml");
  });

  test("the tree's CRL is valid: the broker's copy is likely older (not deployed or not reloaded)", () => {
    const { id, text } = causeFor(FRESH_CRL, DEPLOYED);
    expect(id).toBe("broker-crl-stale");
    expect(text).toContain("valid until 2030-06-29 00:00 UTC");
    expect(text).toContain("still holds an older CRL");
    expect(text).toContain("Copy pki/ca/crl.pem to the broker's crlfile /etc/mosquitto/certs/ca/crl.pem");
    expect(text).toContain("`kill -HUP <mosquitto pid>`");
    expect(text).toContain("openssl crl -in <crlfile> -noout -nextupdate");
  });

  test("no CRL at hand (--cafile/--cert/--key only): doctor says it cannot see the broker's CRL and names the likely cause", () => {
    const { id, text } = causeFor(undefined, undefined);
    expect(id).toBe("broker-crl-unseen");
    expect(text).toContain("doctor cannot see the broker's CRL");
    expect(text).toContain("the most likely cause is an expired CRL in the broker's crlfile");
    expect(text).toContain("or the broker's clock is wrong");
    expect(text).toContain("`openssl crl -in <crlfile> -noout -nextupdate`");
    expect(text).toContain("`mqtt-pki crl -f <spec>`");
    expect(text).toContain("`kill -HUP <mosquitto pid>`");
    expect(text).not.toContain("tree has none");
  });

  test("a tree without any CRL says so: the broker's crlfile did not come from it", () => {
    const { id, text } = causeFor(undefined, TREE, false);
    expect(id).toBe("broker-crl-unseen");
    expect(text).toContain("the tree has none (nothing revoked yet)");
    expect(text).toContain("`mqtt-pki crl -f pki.yaml`");
  });
});

describe("certificateExpiredCause: a certificate really out of its dates keeps the old verdict", () => {
  test.each([
    [
      "the client's certificate has expired",
      clientFacts({ issuerCrl: EXPIRED_CRL }, { notAfter: new Date("2030-05-01T00:00:00Z") }),
      cert(),
    ],
    [
      "the server's certificate has expired (our clock or theirs is off)",
      clientFacts({ issuerCrl: EXPIRED_CRL }),
      cert({ notAfter: new Date("2030-05-01T00:00:00Z") }),
    ],
    ["no client certificate is known", undefined, cert()],
  ])("%s", (_, client, serverLeaf) => {
    expect(certificateExpiredCause({ alert: CERTIFICATE_EXPIRED, now: NOW, client, serverLeaf, places: TREE }).id).toBe(
      "client-cert-expired",
    );
  });
});

describe("through diagnose(): the verdict lands on the line where the broker refused", () => {
  test("TLS 1.3: alert 45 after the handshake, the tree's CRL expired", () => {
    const r = failing({
      client: clientFacts({ issuerCrl: EXPIRED_CRL }),
      crlPlaces: TREE,
      observations: observed({ mqtt: { ok: false, error: ALERT_45 } }),
    });
    expect(r.cause?.id).toBe("crl-expired");
    expect(r.failed).toEqual(["client certificate"]);
    expect(r.stages.find((s) => s.stage === "client files")?.detail).toContain(
      "the CRL expired on 2030-05-11 00:00 UTC",
    );
  });

  test("TLS 1.2: the same alert inside the handshake", () => {
    const r = failing({
      client: clientFacts({ issuerCrl: EXPIRED_CRL }),
      crlPlaces: TREE,
      observations: observed({ tls: tls({ ok: false, error: ALERT_45 }), mqtt: undefined }),
    });
    expect(r.cause?.id).toBe("crl-expired");
    expect(r.failed).toEqual(["TLS handshake"]);
  });

  test("an expired server certificate still outranks the broker's alert", () => {
    const r = failing({
      client: clientFacts({ issuerCrl: EXPIRED_CRL }),
      serverChain: chain({ leaf: cert({ notAfter: new Date("2030-05-30T00:00:00Z") }) }),
      observations: observed({ target: target(), mqtt: { ok: false, error: ALERT_45 } }),
    });
    expect(r.cause?.id).toBe("server-cert-expired");
  });

  test("a broker that accepts the client despite an expired tree CRL: ok, with the note", () => {
    const result = diagnose({
      now: NOW,
      observations: observed(),
      alternatives: [],
      client: clientFacts({ issuerCrl: EXPIRED_CRL }),
      caGiven: true,
      serverChain: chain(),
      crlPlaces: TREE,
    });
    expect(result.ok).toBe(true);
    expect(result.stages[0].detail).toContain("a broker that loads it refuses every client");
  });
});

describe("the client files line and the CRL at hand", () => {
  const wording = { target: target(), clientName: "alice" };

  test("an expired CRL is a note on a passing line: what happened and what to do", () => {
    const verdict = judgeClientFiles({
      client: clientFacts({ issuerCrl: EXPIRED_CRL }),
      now: NOW,
      wording,
      crlPlaces: TREE,
    });
    expect(verdict.cause).toBeUndefined();
    expect(verdict.detail).toBe(
      'CN=alice from "Test Root CA", valid until 2031-01-01 00:00 UTC; the key matches; not on the CRL; ' +
        "the CRL expired on 2030-05-11 00:00 UTC: a broker that loads it refuses every client (renew it with `mqtt-pki crl -f pki.yaml`, then reload mosquitto)",
    );
  });

  test("a valid CRL adds nothing; a CRL not yet valid is noted too", () => {
    expect(judgeClientFiles({ client: clientFacts({ issuerCrl: FRESH_CRL }), now: NOW, wording }).detail).not.toContain(
      "refuses every client",
    );
    expect(crlNote(clientFacts({ issuerCrl: FUTURE_CRL }), NOW, TREE)).toContain(
      "is valid only from 2030-06-02 00:00 UTC",
    );
  });

  test("a failing line (revoked) keeps its own cause and still carries the note", () => {
    const verdict = judgeClientFiles({
      client: clientFacts({ issuerCrl: EXPIRED_CRL, revocation: { revokedAt: new Date("2030-05-02T00:00:00Z") } }),
      now: NOW,
      wording,
      crlPlaces: TREE,
    });
    expect(verdict.cause?.id).toBe("client-cert-revoked");
    expect(verdict.detail).toContain(
      "revoked on 2030-05-02 00:00 UTC (listed in the CRL); the CRL expired on 2030-05-11 00:00 UTC",
    );
  });

  test("a CRL without nextUpdate never expires (OpenSSL does not call it expired)", () => {
    expect(
      crlValidityAt(clientFacts({ issuerCrl: { issuerCn: "Test Root CA", thisUpdate: EXPIRED_CRL.thisUpdate } }), NOW),
    ).toBe("valid");
    expect(crlValidityAt(clientFacts(), NOW)).toBeUndefined();
  });
});
