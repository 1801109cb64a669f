import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import {
  caExtensions,
  keyIdentifier,
  leafExtensions,
  newSerialNumber,
  subjectName,
  type ProfileInput,
} from "../../../src/crypto/profiles.js";
import { x509 } from "../../../src/crypto/provider.js";

describe("newSerialNumber", () => {
  test("is 32 lowercase hex characters (16 bytes)", () => {
    const serial = newSerialNumber();
    expect(serial).toMatch(/^[0-9a-f]{32}$/);
  });

  test("first byte is in 0x40..0x7f: positive and without a leading zero octet", () => {
    for (let i = 0; i < 1000; i++) {
      const first = parseInt(newSerialNumber().slice(0, 2), 16);
      expect(first).toBeGreaterThanOrEqual(0x40);
      expect(first).toBeLessThanOrEqual(0x7f);
    }
  });

  test("1000 serials are distinct", () => {
    const serials = new Set(Array.from({ length: 1000 }, () => newSerialNumber()));
    expect(serials.size).toBe(1000);
  });

  test("the low bits of the first byte still vary (only the top two bits are forced)", () => {
    const firsts = new Set(Array.from({ length: 500 }, () => parseInt(newSerialNumber().slice(0, 2), 16) & 0x3f));
    expect(firsts.size).toBeGreaterThan(20);
  });
});

describe("subjectName", () => {
  test("orders C, ST, L, O, OU, CN regardless of input order", () => {
    const name = subjectName({ cn: "device", ou: "Unit", o: "Org", l: "Town", st: "State", c: "DE" });
    expect(name.map((rdn) => Object.keys(rdn)[0])).toEqual(["C", "ST", "L", "O", "OU", "CN"]);
    expect(name).toEqual([
      { C: ["DE"] },
      { ST: ["State"] },
      { L: ["Town"] },
      { O: ["Org"] },
      { OU: ["Unit"] },
      { CN: ["device"] },
    ]);
  });

  test("leaves out absent and empty fields", () => {
    expect(subjectName({ cn: "only-cn" })).toEqual([{ CN: ["only-cn"] }]);
    expect(subjectName({ cn: "x", o: "", ou: undefined, c: "FR" })).toEqual([{ C: ["FR"] }, { CN: ["x"] }]);
  });

  test("renders as an X.500 name string in that order", () => {
    const text = new x509.Name(subjectName({ cn: "n", o: "O1", c: "US" })).toString();
    expect(text).toBe("C=US, O=O1, CN=n");
  });
});

describe("keyIdentifier", () => {
  test("is the SHA-1 of the subjectPublicKey bits (RFC 5280 method 1)", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const spki = publicKey.export({ type: "spki", format: "der" });
    // For P-256 the BIT STRING content is the 65-byte uncompressed point at the end of the SPKI.
    const point = spki.subarray(spki.length - 65);
    expect(point[0]).toBe(0x04);
    expect(keyIdentifier(spki)).toBe(createHash("sha1").update(point).digest("hex"));
  });

  test("differs between keys and is stable for one key", () => {
    const a = createPublicKey(generateKeyPairSync("ed25519").privateKey).export({ type: "spki", format: "der" });
    const b = createPublicKey(generateKeyPairSync("ed25519").privateKey).export({ type: "spki", format: "der" });
    expect(keyIdentifier(a)).toMatch(/^[0-9a-f]{40}$/);
    expect(keyIdentifier(a)).toBe(keyIdentifier(Buffer.from(a)));
    expect(keyIdentifier(a)).not.toBe(keyIdentifier(b));
  });
});

describe("certificate profiles (caExtensions, leafExtensions)", () => {
  const keyId = "00".repeat(20);

  /** The leaf profile's DER extensions, read back with @peculiar/x509. */
  function leaf(input: ProfileInput): x509.Extension[] {
    return leafExtensions(input).map((der) => new x509.Extension(new Uint8Array(der)));
  }

  function byOid(extensions: x509.Extension[], oid: string): x509.Extension | undefined {
    return extensions.find((ext) => ext.type === oid);
  }

  const BASIC = "2.5.29.19";
  const KEY_USAGE = "2.5.29.15";
  const EKU = "2.5.29.37";
  const SAN = "2.5.29.17";
  const SKI = "2.5.29.14";
  const AKI = "2.5.29.35";

  test("CA: critical basicConstraints CA=true, critical keyCertSign|cRLSign, SKI, no AKI/EKU/SAN", () => {
    const extensions = caExtensions(keyId);
    const basic = new x509.BasicConstraintsExtension(byOid(extensions, BASIC)!.rawData);
    expect(basic.ca).toBe(true);
    expect(basic.critical).toBe(true);
    const usage = new x509.KeyUsagesExtension(byOid(extensions, KEY_USAGE)!.rawData);
    expect(usage.critical).toBe(true);
    expect(usage.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(byOid(extensions, SKI)).toBeDefined();
    expect(byOid(extensions, AKI)).toBeUndefined();
    expect(byOid(extensions, EKU)).toBeUndefined();
    expect(byOid(extensions, SAN)).toBeUndefined();
  });

  test.each([
    ["server", "rsa-2048", x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment],
    ["server", "rsa-4096", x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment],
    ["server", "ec-p256", x509.KeyUsageFlags.digitalSignature],
    ["server", "ed25519", x509.KeyUsageFlags.digitalSignature],
    ["client", "rsa-2048", x509.KeyUsageFlags.digitalSignature],
    ["client", "ec-p384", x509.KeyUsageFlags.digitalSignature],
  ] as const)("%s with %s: key usage %i", (role, keyAlgorithm, expected) => {
    const extensions = leaf({ role, keyAlgorithm, subjectKeyId: keyId, authorityKeyId: keyId, dns: ["a.example"] });
    expect(new x509.KeyUsagesExtension(byOid(extensions, KEY_USAGE)!.rawData).usages).toBe(expected);
    const basic = new x509.BasicConstraintsExtension(byOid(extensions, BASIC)!.rawData);
    expect(basic.ca).toBe(false);
    const eku = new x509.ExtendedKeyUsageExtension(byOid(extensions, EKU)!.rawData);
    expect(eku.usages).toEqual([
      role === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(byOid(extensions, AKI)).toBeDefined();
  });

  test("only servers carry a SAN, with DNS then IP entries", () => {
    const server = leaf({
      role: "server",
      keyAlgorithm: "ec-p256",
      subjectKeyId: keyId,
      authorityKeyId: keyId,
      dns: ["a.example", "localhost"],
      ip: ["127.0.0.1", "::1"],
    });
    const san = new x509.SubjectAlternativeNameExtension(byOid(server, SAN)!.rawData);
    expect(san.names.toJSON()).toEqual([
      { type: "dns", value: "a.example" },
      { type: "dns", value: "localhost" },
      { type: "ip", value: "127.0.0.1" },
      { type: "ip", value: "::1" },
    ]);
    const client = leaf({
      role: "client",
      keyAlgorithm: "ec-p256",
      subjectKeyId: keyId,
      authorityKeyId: keyId,
      dns: ["a.example"],
    });
    expect(byOid(client, SAN)).toBeUndefined();
  });
});
