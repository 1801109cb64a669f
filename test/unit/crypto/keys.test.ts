import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { generateKey, generateKeySync, loadPrivateKey } from "../../../src/crypto/keys.js";

describe("generateKeySync", () => {
  test("P-256 keys built from ECDH numbers are byte-identical to node:crypto's own PKCS#8 and SPKI", () => {
    for (let i = 0; i < 500; i++) {
      const key = generateKeySync("ec-p256");
      const reread = createPrivateKey(key.privateKeyPem);
      expect(reread.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
      expect(reread.export({ type: "pkcs8", format: "pem" })).toBe(key.privateKeyPem);
      expect(createPublicKey(reread).export({ type: "spki", format: "der" }).equals(key.spkiDer)).toBe(true);
    }
  });

  test("the private and public halves belong together (a signature verifies, another key's does not)", () => {
    const [a, b] = [generateKeySync("ec-p256"), generateKeySync("ec-p256")];
    const data = Buffer.from("tbs");
    const signature = sign("sha256", data, createPrivateKey(a.privateKeyPem));
    expect(verify("sha256", data, createPublicKey({ key: a.spkiDer, format: "der", type: "spki" }), signature)).toBe(
      true,
    );
    expect(verify("sha256", data, createPublicKey({ key: b.spkiDer, format: "der", type: "spki" }), signature)).toBe(
      false,
    );
  });

  test("every key is new", () => {
    const pems = new Set(Array.from({ length: 2000 }, () => generateKeySync("ec-p256").privateKeyPem));
    expect(pems.size).toBe(2000);
  });

  test.each(["ec-p384", "ed25519"] as const)("%s round-trips through loadPrivateKey", (algorithm) => {
    const key = generateKeySync(algorithm);
    const loaded = loadPrivateKey(key.privateKeyPem);
    expect(loaded.algorithm).toBe(algorithm);
    expect(loaded.spkiDer.equals(key.spkiDer)).toBe(true);
  });

  test("async generateKey gives the same kind of key", async () => {
    expect(loadPrivateKey((await generateKey("ec-p256")).privateKeyPem).algorithm).toBe("ec-p256");
  });
});
