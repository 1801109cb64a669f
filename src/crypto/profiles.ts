import { randomBytes } from "node:crypto";
import * as asn1 from "@peculiar/asn1-x509";
import { extension } from "./certBuilder.js";
import { subjectKeyId, type LeafTemplate } from "./leafTbs.js";
import { x509 } from "./provider.js";
import type { KeyAlgorithm, SubjectFields } from "../spec/types.js";

/** The three kinds of certificate this tool issues. */
export type Role = "ca" | "server" | "client";

/**
 * 16 random bytes, top bit clear (positive without a sign octet) and the next bit set
 * (no leading zero octet, so DER keeps all 16): unique, positive, within RFC 5280's 20 octets.
 */
export function newSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString("hex");
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits. Cheaper than the library's WebCrypto round trip. */
export function keyIdentifier(spkiDer: ArrayBuffer | Buffer): string {
  return subjectKeyId(Buffer.from(spkiDer as ArrayBuffer)).toString("hex");
}

/** Subject in DER order (C, ST, L, O, OU, CN), as @peculiar/x509's JSON name. */
export function subjectName(subject: SubjectFields): x509.JsonName {
  const parts: [string, string | undefined][] = [
    ["C", subject.c],
    ["ST", subject.st],
    ["L", subject.l],
    ["O", subject.o],
    ["OU", subject.ou],
    ["CN", subject.cn],
  ];
  return parts
    .filter(([, value]) => value !== undefined && value !== "")
    .map(([type, value]) => ({ [type]: [value as string] }));
}

/** What a leaf profile depends on. */
export interface ProfileInput {
  role: "server" | "client";
  keyAlgorithm: KeyAlgorithm;
  subjectKeyId: string;
  /** Absent for a self-signed CA. */
  authorityKeyId?: string;
  dns?: string[];
  ip?: string[];
}

/** The extensions each role carries; the single place that decides what a certificate may do. */
/** The CA profile: CA:TRUE and keyCertSign + cRLSign, both critical, and its key identifier. */
export function caExtensions(subjectKeyId: string): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    new x509.SubjectKeyIdentifierExtension(subjectKeyId, false),
  ];
}

/** Constant extensions per leaf profile, built once: basicConstraints, keyUsage, extendedKeyUsage. */
const fixedLeafExtensions = new Map<string, Buffer[]>();

function fixedFor(role: "server" | "client", rsa: boolean): Buffer[] {
  const key = `${role}:${rsa}`;
  let fixed = fixedLeafExtensions.get(key);
  if (!fixed) {
    const usage =
      asn1.KeyUsageFlags.digitalSignature | (rsa && role === "server" ? asn1.KeyUsageFlags.keyEncipherment : 0);
    fixed = [
      extension(asn1.id_ce_basicConstraints, true, new asn1.BasicConstraints({ cA: false })),
      extension(asn1.id_ce_keyUsage, true, new asn1.KeyUsage(usage)),
      extension(
        asn1.id_ce_extKeyUsage,
        false,
        new asn1.ExtendedKeyUsage([role === "server" ? asn1.id_kp_serverAuth : asn1.id_kp_clientAuth]),
      ),
    ];
    fixedLeafExtensions.set(key, fixed);
  }
  return fixed;
}

/**
 * The leaf profiles, DER-encoded for the certificate builder: CA:FALSE and keyUsage (critical),
 * serverAuth or clientAuth, the SAN for servers, and both key identifiers.
 */
export function leafExtensions(input: ProfileInput): Buffer[] {
  const extensions = [...fixedFor(input.role, input.keyAlgorithm.startsWith("rsa-"))];
  if (input.role === "server") {
    const names = [
      ...(input.dns ?? []).map((value) => new asn1.GeneralName({ dNSName: value })),
      ...(input.ip ?? []).map((value) => new asn1.GeneralName({ iPAddress: value })),
    ];
    extensions.push(extension(asn1.id_ce_subjectAltName, false, new asn1.SubjectAlternativeName(names)));
  }
  extensions.push(
    extension(asn1.id_ce_subjectKeyIdentifier, false, new asn1.SubjectKeyIdentifier(hexBuffer(input.subjectKeyId))),
  );
  if (input.authorityKeyId)
    extensions.push(
      extension(
        asn1.id_ce_authorityKeyIdentifier,
        false,
        new asn1.AuthorityKeyIdentifier({ keyIdentifier: new asn1.KeyIdentifier(hexBuffer(input.authorityKeyId)) }),
      ),
    );
  return extensions;
}

function hexBuffer(hex: string): ArrayBuffer {
  return new Uint8Array(Buffer.from(hex, "hex")).buffer;
}

/** DER of the subjectKeyIdentifier extension's OID: where a leaf's own key id goes. */
const SKI_OID_DER = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0e]);

/**
 * The leaf profile as a template for leafTbs.ts: leafExtensions encoded once with a
 * placeholder key id, split where each leaf's own key id goes.
 */
export function leafTemplate(
  input: Omit<ProfileInput, "subjectKeyId">,
  issuerDer: Buffer,
  algorithmIdDer: Buffer,
): LeafTemplate {
  const extensions = leafExtensions({ ...input, subjectKeyId: "00".repeat(20) });
  const at = extensions.findIndex((der) => der.includes(SKI_OID_DER) && der.indexOf(SKI_OID_DER) < 4);
  const ski = extensions[at];
  return {
    algorithmIdDer,
    issuerDer,
    extensionsBefore: extensions.slice(0, at),
    subjectKeyIdPrefix: ski.subarray(0, ski.length - 20),
    extensionsAfter: extensions.slice(at + 1),
  };
}
