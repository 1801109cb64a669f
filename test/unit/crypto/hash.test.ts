import { createHash } from "node:crypto";
import { fingerprintOf, sha1, sha256Hex, sha256HexOfParts, sha256Pieces } from "../../../src/crypto/hash.js";

describe("hashes written to disk stay what they were", () => {
  test("sha256Hex is plain lower-case hex SHA-256 of strings and bytes", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex(Buffer.from("abc"))).toBe(sha256Hex("abc"));
  });

  test("hashing parts one after another equals hashing them joined", () => {
    const parts = ["a", Buffer.from([0, 1, 2]), "", "ü"];
    expect(sha256HexOfParts(parts)).toBe(sha256Hex(Buffer.concat(parts.map((p) => Buffer.from(p)))));
  });

  test("a fingerprint is upper-case hex in colon-separated pairs, as OpenSSL prints it", () => {
    const der = Buffer.from("not really a certificate");
    const hex = createHash("sha256").update(der).digest("hex").toUpperCase();
    expect(fingerprintOf(der)).toBe(hex.match(/../g)!.join(":"));
  });

  test("sha1 gives the raw 20 bytes", () => {
    expect(sha1(Buffer.from("abc")).toString("hex")).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
  });
});

test("sha256Pieces over many pieces, across its 64 KB blocks, is the digest of their concatenation", () => {
  const pieces = Array.from({ length: 3000 }, (_, i) => `client dev-${i} ${"x".repeat(i % 97)}\n`);
  const digest = sha256Pieces();
  for (const piece of pieces) digest.update(piece);
  expect(pieces.join("").length).toBeGreaterThan(2 * 65536);
  expect(digest.hex()).toBe(sha256Hex(pieces.join("")));
});
