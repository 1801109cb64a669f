/** localChecks over real certificates made with the project's own issuing functions. */
import { issueCaCert, issueClientCert, issueServerCert, type IssuingCa } from "../../../src/crypto/issue.js";
import { issueCrl } from "../../../src/crypto/crl.js";
import { generateKey, type KeyMaterial } from "../../../src/crypto/keys.js";
import { softwareSigner } from "../../../src/crypto/signer.js";
import { checkClientFiles, judgeServerChain, pemCertificates } from "../../../src/doctor/localChecks.js";
import { caSpec, clientSpec, serverSpec } from "../helpers/specs.js";
import { DAY_MS } from "../../../src/clock.js";

const NOW = new Date("2031-03-04T05:06:07.000Z");

interface TestCa extends IssuingCa {
  pem: string;
}

async function makeCa(cn: string): Promise<TestCa> {
  const key = await generateKey("ec-p256");
  const signer = await softwareSigner(key.privateKeyPem, "ec-p256");
  const issued = await issueCaCert(signer, caSpec({ cn }), key.spkiDer, NOW);
  return { signer, certificate: issued.certificate, keyAlgorithm: "ec-p256", pem: issued.pem };
}

let ca: TestCa;
let other: TestCa;
let clientKey: KeyMaterial;
let clientPem: string;
let serverPem: string;

beforeAll(async () => {
  [ca, other, clientKey] = await Promise.all([makeCa("Test Root CA"), makeCa("Other CA"), generateKey("ec-p256")]);
  clientPem = (await issueClientCert(ca, clientSpec({ name: "alice" }), clientKey.spkiDer, NOW)).pem;
  const serverKey = await generateKey("ec-p256");
  serverPem = (await issueServerCert(ca, serverSpec(), serverKey.spkiDer, NOW)).pem;
});

describe("checkClientFiles", () => {
  test("a matching pair, no CRL", async () => {
    const facts = checkClientFiles({ certPem: clientPem, keyPem: clientKey.privateKeyPem });
    expect(facts).toMatchObject({ keyMatches: true, crlChecked: false, revocation: undefined });
    expect(facts.cert).toMatchObject({ subjectCn: "alice", issuerCn: "Test Root CA" });
  });

  test("another key does not match", async () => {
    const stranger = await generateKey("ec-p256");
    expect(checkClientFiles({ certPem: clientPem, keyPem: stranger.privateKeyPem }).keyMatches).toBe(false);
  });

  test("a CRL of the issuer that lists the serial revokes it; another CA's CRL does not", async () => {
    const serial = checkClientFiles({ certPem: clientPem, keyPem: clientKey.privateKeyPem }).cert.serial;
    const entries = [{ serial, revokedAt: NOW, reason: "keyCompromise" as const }];
    const content = { entries, crlNumber: 1, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + 30 * DAY_MS) };
    const ours = await issueCrl(ca, content);
    const theirs = await issueCrl(other, content);
    expect(
      checkClientFiles({ certPem: clientPem, keyPem: clientKey.privateKeyPem, crlPem: theirs }).revocation,
    ).toBeUndefined();
    const revoked = checkClientFiles({
      certPem: clientPem,
      keyPem: clientKey.privateKeyPem,
      crlPem: theirs + ours,
    }).revocation;
    expect(revoked).toEqual({ revokedAt: new Date(Math.floor(NOW.getTime() / 1000) * 1000), reason: "keyCompromise" });
  });
});

describe("checkClientFiles: the issuer's CRL and its dates", () => {
  test("the newest CRL of the certificate's own issuer is summarized; another CA's is not", async () => {
    const later = new Date(NOW.getTime() + 60_000);
    const crl = (crlNumber: number, thisUpdate: Date, days: number) => ({
      entries: [],
      crlNumber,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + days * DAY_MS),
    });
    const older = await issueCrl(ca, crl(1, NOW, 10));
    const newer = await issueCrl(ca, crl(2, later, 10));
    const theirs = await issueCrl(other, crl(1, new Date(NOW.getTime() + 120_000), 30));
    const facts = checkClientFiles({
      certPem: clientPem,
      keyPem: clientKey.privateKeyPem,
      crlPem: theirs + newer + older,
    });
    const seconds = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);
    expect(facts.issuerCrl).toEqual({
      issuerCn: "Test Root CA",
      thisUpdate: seconds(later),
      nextUpdate: seconds(new Date(later.getTime() + 10 * 86_400_000)),
    });
    expect(
      checkClientFiles({ certPem: clientPem, keyPem: clientKey.privateKeyPem, crlPem: theirs }).issuerCrl,
    ).toBeUndefined();
    expect(checkClientFiles({ certPem: clientPem, keyPem: clientKey.privateKeyPem }).issuerCrl).toBeUndefined();
  });
});

describe("judgeServerChain", () => {
  test("our CA issued the chain", () => {
    const facts = judgeServerChain([serverPem, ca.pem], [ca.pem]);
    expect(facts?.trustedBy?.subjectCn).toBe("Test Root CA");
    expect(facts).toMatchObject({ caFileCns: ["Test Root CA"], cnClash: undefined, selfSigned: false });
  });

  test("a bundle with another CA first still finds ours", () => {
    const bundle = pemCertificates(`${other.pem}${ca.pem}`);
    expect(bundle).toHaveLength(2);
    expect(judgeServerChain([serverPem], bundle)?.trustedBy?.subjectCn).toBe("Test Root CA");
  });

  test("the wrong CA trusts nothing", () => {
    const facts = judgeServerChain([serverPem, ca.pem], [other.pem]);
    expect(facts?.trustedBy).toBeUndefined();
    expect(facts?.caFileCns).toEqual(["Other CA"]);
  });

  test("a server certificate with its CA's CN is a clash", async () => {
    const twin = await makeCa("mqtt.example.com");
    const serverKey = await generateKey("ec-p256");
    const clashing = (await issueServerCert(twin, serverSpec({ cn: "mqtt.example.com" }), serverKey.spkiDer, NOW)).pem;
    expect(judgeServerChain([clashing], [twin.pem])?.cnClash).toBe("mqtt.example.com");
  });

  test("no chain, nothing to judge", () => {
    expect(judgeServerChain([], [ca.pem])).toBeUndefined();
  });
});
