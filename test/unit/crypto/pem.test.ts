import { fromPem, pemBlocks, toPem } from "../../../src/crypto/pem.js";

describe("PEM", () => {
  test("toPem wraps base64 at 64 columns, and fromPem reads it back", () => {
    const der = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const pem = toPem(der, "CERTIFICATE");
    const lines = pem.trimEnd().split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines.at(-1)).toBe("-----END CERTIFICATE-----");
    expect(lines.slice(1, -1).map((line) => line.length)).toEqual([64, 64, 8]); // 100 bytes are 136 base64 characters
    expect(fromPem(pem)).toEqual(der);
  });

  test("pemBlocks finds each block of its label, in order, and only those", () => {
    const a = toPem(Buffer.from("a"), "X509 CRL");
    const b = toPem(Buffer.from("b"), "X509 CRL");
    const text = `junk\n${a}${toPem(Buffer.from("c"), "CERTIFICATE")}${b}`;
    expect(pemBlocks(text, "X509 CRL").map(fromPem)).toEqual([Buffer.from("a"), Buffer.from("b")]);
    expect(pemBlocks("no PEM here", "CERTIFICATE")).toEqual([]);
  });
});
