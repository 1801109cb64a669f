import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { issueCaCert } from "../../../src/crypto/issue.js";
import { issueCrl } from "../../../src/crypto/crl.js";
import { certificateSubject } from "../../../src/crypto/asn1/structures.js";
import { crlFacts, crlSignedBy, nameKey } from "../../../src/crypto/crlFacts.js";
import { generateKey } from "../../../src/crypto/keys.js";
import { x509 } from "../../../src/crypto/provider.js";
import { softwareSigner } from "../../../src/crypto/signer.js";
import type { IssuingCa } from "../../../src/crypto/issue.js";
import { caSpec } from "../helpers/specs.js";

let ca: IssuingCa;
let caPem: string;

beforeAll(async () => {
  const key = await generateKey("ec-p256");
  const signer = await softwareSigner(key.privateKeyPem, "ec-p256");
  const issued = await issueCaCert(
    signer,
    caSpec({ cn: "Crl Facts CA", o: "Facts Org" }),
    key.spkiDer,
    new Date("2030-01-01T00:00:00Z"),
  );
  ca = { signer, certificate: issued.certificate, keyAlgorithm: "ec-p256" };
  caPem = issued.pem;
});

describe("crlFacts", () => {
  test("reads what @peculiar/x509 reads: issuer, thisUpdate, nextUpdate (UTCTime)", async () => {
    const pem = await issueCrl(ca, {
      entries: [],
      crlNumber: 7,
      thisUpdate: new Date("2030-06-01T12:00:00Z"),
      nextUpdate: new Date(new Date("2030-06-01T12:00:00Z").getTime() + 30 * 86_400_000),
    });
    const facts = crlFacts(pem);
    const library = new x509.X509Crl(pem);
    expect(facts.issuerLabel).toBe("Crl Facts CA");
    expect(facts.thisUpdate).toEqual(library.thisUpdate);
    expect(facts.nextUpdate).toEqual(library.nextUpdate);
    expect(facts.nextUpdate).toEqual(new Date("2030-07-01T12:00:00Z"));
  });

  test("GeneralizedTime (2050 and later) and a CRL without nextUpdate", async () => {
    expect(
      crlFacts(
        await issueCrl(ca, {
          entries: [],
          crlNumber: 1,
          thisUpdate: new Date("2049-12-20T00:00:00Z"),
          nextUpdate: new Date(new Date("2049-12-20T00:00:00Z").getTime() + 30 * 86_400_000),
        }),
      ).nextUpdate,
    ).toEqual(new Date("2050-01-19T00:00:00Z"));
    const open = await x509.X509CrlGenerator.create(
      {
        issuer: ca.certificate.subjectName,
        thisUpdate: new Date("2030-01-01T00:00:00Z"),
        signingKey: ca.signer.privateKey,
        signingAlgorithm: ca.signer.signingAlgorithm,
      },
      ca.signer.crypto,
    );
    expect(crlFacts(x509.PemConverter.encode(open.rawData, "X509 CRL")).nextUpdate).toBeUndefined();
  });

  test("the issuer's canonical name is the CA certificate subject's", async () => {
    const facts = crlFacts(
      await issueCrl(ca, {
        entries: [],
        crlNumber: 1,
        thisUpdate: new Date("2030-06-01T00:00:00Z"),
        nextUpdate: new Date(new Date("2030-06-01T00:00:00Z").getTime() + 30 * 86_400_000),
      }),
    );
    const subject = nameKey(certificateSubject(Buffer.from(ca.certificate.rawData)));
    expect(facts.issuerKey).toBe(subject);
    expect(subject).toBe("2.5.4.10=facts org\n2.5.4.3=crl facts ca");
  });

  test("the signature verifies with the CA's key only", async () => {
    const facts = crlFacts(
      await issueCrl(ca, {
        entries: [],
        crlNumber: 1,
        thisUpdate: new Date("2030-06-01T00:00:00Z"),
        nextUpdate: new Date(new Date("2030-06-01T00:00:00Z").getTime() + 30 * 86_400_000),
      }),
    );
    expect(crlSignedBy(facts, createPublicKey(caPem))).toBe(true);
    expect(crlSignedBy(facts, generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey)).toBe(false);
    expect(crlSignedBy(facts, generateKeyPairSync("ed25519").publicKey)).toBe(false);
    expect(crlSignedBy({ ...facts, signatureOid: "1.2.840.113549.1.1.10" }, createPublicKey(caPem))).toBeUndefined();
  });

  test("a damaged or truncated CRL throws instead of reading garbage", async () => {
    const pem = await issueCrl(ca, {
      entries: [],
      crlNumber: 1,
      thisUpdate: new Date("2030-06-01T00:00:00Z"),
      nextUpdate: new Date(new Date("2030-06-01T00:00:00Z").getTime() + 30 * 86_400_000),
    });
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    const wrap = (bytes: Buffer) => `-----BEGIN X509 CRL-----\n${bytes.toString("base64")}\n-----END X509 CRL-----\n`;
    expect(() => crlFacts(wrap(der.subarray(0, der.length - 10)))).toThrow(/truncated/);
    expect(() => crlFacts(wrap(Buffer.from([0x02, 0x01, 0x00])))).toThrow(/unexpected tag/);
    expect(() => crlFacts("-----BEGIN X509 CRL-----\nnot*base64\n-----END X509 CRL-----")).toThrow(/not base64/);
    expect(crlFacts(wrap(der)).thisUpdate).toEqual(new Date("2030-06-01T00:00:00Z")); // the same bytes, whole: fine
  });
});

describe("crlFacts: entries, CRL number and issuer name, the way @peculiar/x509 reads them", () => {
  test("serials, revocation dates, reason codes and the number match the library's reading", async () => {
    const thisUpdate = new Date("2030-06-01T12:00:00Z");
    const entries = [
      { serial: "0badc0de0001", revokedAt: new Date("2030-05-01T00:00:00Z"), reason: "keyCompromise" as const },
      { serial: "7f00aa", revokedAt: new Date("2030-05-02T03:04:05Z"), reason: "cessationOfOperation" as const },
      { serial: "05", revokedAt: new Date("2030-05-03T00:00:00Z"), reason: "unspecified" as const },
    ];
    const pem = await issueCrl(ca, {
      entries,
      crlNumber: 4242,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + 86_400_000),
    });
    const facts = crlFacts(pem);
    const library = new x509.X509Crl(pem);
    expect(facts.number).toBe(4242);
    expect(facts.issuerName).toBe(library.issuer);
    expect(facts.entries).toEqual(
      library.entries.map((entry) => ({
        serial: entry.serialNumber.toLowerCase(),
        revokedAt: entry.revocationDate,
        reason: x509.X509CrlReason[entry.reason ?? 0],
      })),
    );
    expect(facts.entries.map((entry) => entry.reason)).toEqual([
      "keyCompromise",
      "cessationOfOperation",
      "unspecified",
    ]);
  });

  test("every truncation of a CRL is an Error, never a crash or a wrong reading that passes as whole", async () => {
    const pem = await issueCrl(ca, {
      entries: [{ serial: "0a0b", revokedAt: new Date("2030-05-01T00:00:00Z"), reason: "keyCompromise" }],
      crlNumber: 3,
      thisUpdate: new Date("2030-06-01T00:00:00Z"),
      nextUpdate: new Date("2030-07-01T00:00:00Z"),
    });
    const der = Buffer.from(pem.replace(/-----(BEGIN|END) X509 CRL-----|\s/g, ""), "base64");
    for (let length = 0; length < der.length; length++) {
      const cut = `-----BEGIN X509 CRL-----\n${der.subarray(0, length).toString("base64")}\n-----END X509 CRL-----\n`;
      expect(() => crlFacts(cut)).toThrow(Error);
    }
  });
});
