import { createHash, randomBytes } from "node:crypto";
import * as asn1 from "@peculiar/asn1-x509";
import { extension } from "./certBuilder.js";
import { spkiPublicKeyBits } from "./der.js";
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
  return createHash("sha1").update(spkiPublicKeyBits(Buffer.from(spkiDer as ArrayBuffer))).digest("hex");
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

/** Constant extensions per leaf profile, built once: basicConstraints, keyUsage, extendedKeyUsage. */
const fixedLeafExtensions = new Map<string, Buffer[]>();

function fixedFor(role: "server" | "client", rsa: boolean): Buffer[] {
  const key = `${role}:${rsa}`;
  let fixed = fixedLeafExtensions.get(key);
  if (!fixed) {
    const usage = asn1.KeyUsageFlags.digitalSignature | (rsa && role === "server" ? asn1.KeyUsageFlags.keyEncipherment : 0);
    fixed = [
      extension(asn1.id_ce_basicConstraints, true, new asn1.BasicConstraints({ cA: false })),
      extension(asn1.id_ce_keyUsage, true, new asn1.KeyUsage(usage)),
      extension(asn1.id_ce_extKeyUsage, false, new asn1.ExtendedKeyUsage([role === "server" ? asn1.id_kp_serverAuth : asn1.id_kp_clientAuth])),
    ];
    fixedLeafExtensions.set(key, fixed);
  }
  return fixed;
}

/** The same profile as profileExtensions, as ASN.1 objects for the fast certificate builder. */
export function leafExtensions(input: ProfileInput & { role: "server" | "client" }): Buffer[] {
  const extensions = [...fixedFor(input.role, input.keyAlgorithm.startsWith("rsa-"))];
  if (input.role === "server") {
    const names = [
      ...(input.dns ?? []).map((value) => new asn1.GeneralName({ dNSName: value })),
      ...(input.ip ?? []).map((value) => new asn1.GeneralName({ iPAddress: value })),
    ];
    extensions.push(extension(asn1.id_ce_subjectAltName, false, new asn1.SubjectAlternativeName(names)));
  }
  extensions.push(extension(asn1.id_ce_subjectKeyIdentifier, false, new asn1.SubjectKeyIdentifier(hexBuffer(input.subjectKeyId))));
  if (input.authorityKeyId) extensions.push(extension(asn1.id_ce_authorityKeyIdentifier, false, new asn1.AuthorityKeyIdentifier({ keyIdentifier: new asn1.KeyIdentifier(hexBuffer(input.authorityKeyId)) })));
  return extensions;
}

function hexBuffer(hex: string): ArrayBuffer {
  return new Uint8Array(Buffer.from(hex, "hex")).buffer;
}
