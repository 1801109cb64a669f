import fc from "fast-check";
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn1 from "@peculiar/asn1-x509";
import { subjectDer } from "../../../src/crypto/leafTbs.js";
import type { SubjectFields } from "../../../src/spec/types.js";

/** The same Name built with the generic ASN.1 library, as leaves were encoded before. */
function libraryName(subject: SubjectFields): Buffer {
  const order: [keyof SubjectFields, string][] = [
    ["c", "2.5.4.6"],
    ["st", "2.5.4.8"],
    ["l", "2.5.4.7"],
    ["o", "2.5.4.10"],
    ["ou", "2.5.4.11"],
    ["cn", "2.5.4.3"],
  ];
  return Buffer.from(
    AsnConvert.serialize(
      new asn1.Name(
        order
          .filter(([field]) => subject[field] !== undefined && subject[field] !== "")
          .map(
            ([field, type]) =>
              new asn1.RelativeDistinguishedName([
                new asn1.AttributeTypeAndValue({
                  type,
                  value: new asn1.AttributeValue(
                    field === "c" ? { printableString: subject[field] } : { utf8String: subject[field] },
                  ),
                }),
              ]),
          ),
      ),
    ),
  );
}

describe("subjectDer", () => {
  test("encodes a subject byte for byte like the ASN.1 library, long and non-ASCII values included", () => {
    const text = fc.oneof(
      fc.constant(undefined),
      fc.constant(""),
      fc.string({ unit: "grapheme", maxLength: 200 }),
      fc.string({ minLength: 100, maxLength: 300 }),
    );
    fc.assert(
      fc.property(
        fc.record({
          c: fc.oneof(fc.constant(undefined), fc.constantFrom("DE", "US")),
          st: text,
          l: text,
          o: text,
          ou: text,
          cn: fc.string({ unit: "grapheme", minLength: 1, maxLength: 64 }),
        }),
        (subject) => {
          expect(subjectDer(subject as SubjectFields).equals(libraryName(subject as SubjectFields))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a plain CN gives the Name openssl would print as CN=…", () => {
    expect(subjectDer({ cn: "dev-1" } as SubjectFields).toString("hex")).toBe("3010310e300c06035504030c056465762d31");
  });
});
