import { createPublicKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { certificateSpki, ecPkcs8PublicKeyBits, spkiPublicKeyBits } from "../../../../src/crypto/asn1/structures.js";
import { fromPem } from "../../../../src/crypto/pem.js";
import { generateKey } from "../../../../src/crypto/keys.js";
import { softwareSigner } from "../../../../src/crypto/signer.js";
import { issueCaCert, issueClientCert } from "../../../../src/crypto/issue.js";
import { caSpec, clientSpec } from "../../helpers/specs.js";

describe("DER walking used by fast key checks", () => {
  test("the public key inside an EC PKCS#8 equals the key's SPKI bits; other key types give undefined", () => {
    for (const namedCurve of ["P-256", "P-384"]) {
      const { privateKey } = generateKeyPairSync("ec", { namedCurve });
      const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
      const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
      expect(ecPkcs8PublicKeyBits(pkcs8)).toEqual(spkiPublicKeyBits(spki));
    }
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "der" });
    const ed = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "der" });
    expect(ecPkcs8PublicKeyBits(rsa)).toBeUndefined();
    expect(ecPkcs8PublicKeyBits(ed)).toBeUndefined();
  });

  test("certificateSpki finds the certificate's own SPKI, and another key's bits differ", async () => {
    const caKey = await generateKey("ec-p256");
    const signer = await softwareSigner(caKey.privateKeyPem, "ec-p256");
    const ca = await issueCaCert(signer, caSpec({ key: "ec-p256" }), caKey.spkiDer, new Date());
    const mine = await generateKey("ec-p256");
    const other = await generateKey("ec-p256");
    const leaf = await issueClientCert(
      { signer, certificate: ca.certificate, keyAlgorithm: "ec-p256" },
      clientSpec(),
      mine.spkiDer,
      new Date(),
    );
    const raw = new X509Certificate(leaf.pem).raw;
    expect(certificateSpki(raw)).toEqual(mine.spkiDer);
    const certBits = spkiPublicKeyBits(certificateSpki(raw));
    expect(ecPkcs8PublicKeyBits(fromPem(mine.privateKeyPem))).toEqual(certBits);
    expect(ecPkcs8PublicKeyBits(fromPem(other.privateKeyPem))).not.toEqual(certBits);
  });
});

describe("walking DER read from disk is bounds-checked", () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });

  test("every truncation of an SPKI throws instead of handing back a shorter key", () => {
    for (let length = 0; length < spki.length; length++)
      expect(() => spkiPublicKeyBits(spki.subarray(0, length))).toThrow(Error);
  });

  test("every truncation of an EC PKCS#8 gives no public key rather than part of one", () => {
    const whole = ecPkcs8PublicKeyBits(pkcs8)!;
    for (let length = 0; length < pkcs8.length; length++) {
      const found = ecPkcs8PublicKeyBits(pkcs8.subarray(0, length));
      expect(found === undefined || found.equals(whole)).toBe(true);
      if (found) expect(length).toBeGreaterThanOrEqual(pkcs8.length);
    }
  });
});
