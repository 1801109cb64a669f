import { createHash, randomBytes } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
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
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  return createHash("sha1").update(Buffer.from(spki.subjectPublicKey)).digest("hex");
}

/** Subject in DER order (C, ST, L, O, OU, CN), as @peculiar/x509's JSON name. */
export function subjectName(subject: SubjectFields): x509.JsonName {
  const parts: [string, string | undefined][] = [
    ["C", subject.c], ["ST", subject.st], ["L", subject.l], ["O", subject.o], ["OU", subject.ou], ["CN", subject.cn],
  ];
  return parts.filter(([, value]) => value !== undefined && value !== "").map(([type, value]) => ({ [type]: [value as string] }));
}

export interface ProfileInput {
  role: Role;
  keyAlgorithm: KeyAlgorithm;
  subjectKeyId: string;
  /** Absent for a self-signed CA. */
  authorityKeyId?: string;
  dns?: string[];
  ip?: string[];
}

/** The extensions each role carries; the single place that decides what a certificate may do. */
export function profileExtensions(input: ProfileInput): x509.Extension[] {
  const extensions: x509.Extension[] = [];
  if (input.role === "ca") {
    extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  } else {
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    const rsa = input.keyAlgorithm.startsWith("rsa-");
    const usage = x509.KeyUsageFlags.digitalSignature | (rsa && input.role === "server" ? x509.KeyUsageFlags.keyEncipherment : 0);
    extensions.push(new x509.KeyUsagesExtension(usage, true));
    extensions.push(new x509.ExtendedKeyUsageExtension([input.role === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth], false));
  }
  if (input.role === "server") {
    const names = [
      ...(input.dns ?? []).map((value) => ({ type: "dns" as const, value })),
      ...(input.ip ?? []).map((value) => ({ type: "ip" as const, value })),
    ];
    extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  }
  extensions.push(new x509.SubjectKeyIdentifierExtension(input.subjectKeyId, false));
  if (input.authorityKeyId) extensions.push(new x509.AuthorityKeyIdentifierExtension(input.authorityKeyId, false));
  return extensions;
}
