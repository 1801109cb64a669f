import crypto, { createHash } from "node:crypto";

/**
 * Every digest mqtt-pki computes for itself: the ledger's and the stamps' hashes, spec digests,
 * the renderer fingerprint, certificate fingerprints and key identifiers. In one place so that
 * none drifts: the hex digests are written to disk (state.json, the stamp index) and existing
 * trees carry them.
 */

/**
 * SHA-256 as lower-case hex. Node's one-shot crypto.hash (20.12+) costs half of a Hash object
 * for small inputs, and rebuilds of a fleet take tens of thousands of these.
 */
export const sha256Hex: (data: string | Buffer) => string =
  typeof crypto.hash === "function"
    ? (data) => crypto.hash("sha256", data)
    : (data) => createHash("sha256").update(data).digest("hex");

/** SHA-256 of the parts one after another (the same as of their concatenation), as lower-case hex. */
export function sha256HexOfParts(parts: Iterable<string | Buffer>): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

/**
 * SHA-256 fed piece by piece (a file read line by line), as lower-case hex at the end. Pieces
 * are hashed a block of about 64 KB at a time: one update per line of a fleet's 100,000-line
 * file costs more than the hashing.
 */
export function sha256Pieces(): { update(piece: string): void; hex(): string } {
  const hash = createHash("sha256");
  let block = "";
  return {
    update: (piece) => {
      block += piece;
      if (block.length < 65536) return;
      hash.update(block);
      block = "";
    },
    hex: () => hash.update(block).digest("hex"),
  };
}

/** SHA-256 of a certificate's DER, as OpenSSL and Node print it (upper-case hex, colon-separated). */
export function fingerprintOf(der: Buffer): string {
  return sha256Hex(der).toUpperCase().match(/../g)!.join(":");
}

/** SHA-1, for identifiers that conventions fix to it (RFC 5280 key identifiers, PKCS#12 localKeyId), not for security. */
export function sha1(data: Buffer): Buffer {
  return createHash("sha1").update(data).digest();
}
