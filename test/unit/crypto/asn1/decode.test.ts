import fc from "fast-check";
import { decodeOid, decodeTime, readTlv, smallInteger, TAG } from "../../../../src/crypto/asn1/decode.js";
import { derPositiveInteger, derSequence, derTlv } from "../../../../src/crypto/asn1/encode.js";

describe("the DER decoder is bounds-checked", () => {
  test("random bytes and hostile lengths either throw an Error or read inside the buffer (fast-check)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 70 }), (bytes, offset) => {
        const der = Buffer.from(bytes);
        try {
          const tlv = readTlv(der, offset);
          return tlv.start >= offset + 2 && tlv.end <= der.length && tlv.start <= tlv.end;
        } catch (error) {
          return error instanceof Error;
        }
      }),
      { numRuns: 2000 },
    );
    // A four-byte length near 2^32 must not wrap around into a small positive one.
    expect(() => readTlv(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]), 0)).toThrow(/past the end/);
    expect(() => readTlv(Buffer.from([0x30, 0x80, 0x00, 0x00]), 0)).toThrow(/indefinite/);
  });

  test("a TLV that fits the buffer but not the structure holding it throws", () => {
    const inner = derTlv(TAG.octetString, Buffer.alloc(4));
    const der = Buffer.concat([derSequence(Buffer.alloc(2)), inner]);
    const outer = readTlv(der, 0, der.length, TAG.sequence);
    expect(readTlv(der, outer.end).end).toBe(der.length);
    expect(() => readTlv(der, outer.end, der.length - 1)).toThrow("truncated");
  });

  test("a tag other than the one (or ones) asked for throws, naming it and where", () => {
    const der = derPositiveInteger(Buffer.from([5]));
    expect(readTlv(der, 0, der.length, [TAG.enumerated, TAG.integer]).tag).toBe(TAG.integer);
    expect(() => readTlv(der, 0, der.length, TAG.sequence)).toThrow("unexpected tag 0x2 at byte 0");
  });

  test("long-form lengths read whole, and what the encoder writes reads back", () => {
    for (const size of [0, 1, 127, 128, 255, 256, 70000]) {
      const der = derTlv(TAG.octetString, Buffer.alloc(size, 7));
      const tlv = readTlv(der, 0);
      expect(tlv.end - tlv.start).toBe(size);
      expect(tlv.end).toBe(der.length);
    }
  });
});

describe("DER values", () => {
  test("object identifiers, with multi-byte arcs and the first two arcs folded into one byte", () => {
    expect(decodeOid(Buffer.from([0x55, 0x1d, 0x14]))).toBe("2.5.29.20");
    expect(decodeOid(Buffer.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]))).toBe("1.2.840.10045.2.1");
  });

  test("UTCTime pivots at 50; GeneralizedTime takes fractions; anything else throws", () => {
    expect(decodeTime(TAG.utcTime, "491231235959Z").toISOString()).toBe("2049-12-31T23:59:59.000Z");
    expect(decodeTime(TAG.utcTime, "500101000000Z").toISOString()).toBe("1950-01-01T00:00:00.000Z");
    expect(decodeTime(TAG.generalizedTime, "20500101000000.5Z").toISOString()).toBe("2050-01-01T00:00:00.000Z");
    expect(() => decodeTime(TAG.utcTime, "5001010000Z")).toThrow(/unreadable time/);
  });

  test("small integers: positive and at most six bytes, else undefined", () => {
    const read = (bytes: number[]) => {
      const der = derTlv(TAG.integer, Buffer.from(bytes));
      return smallInteger(der, { start: 0, end: der.length }, TAG.integer);
    };
    expect(read([0x01, 0x00])).toBe(256);
    expect(read([0x80])).toBeUndefined();
    expect(read([])).toBeUndefined();
    expect(read([1, 2, 3, 4, 5, 6, 7])).toBeUndefined();
  });
});
