/** The two DER wrappers the certificate builder needs around parts that are already encoded. */

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function derSequence(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0x30]), encodeLength(body.length), body]);
}

export function derBitString(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x03]), encodeLength(bytes.length + 1), Buffer.from([0x00]), bytes]);
}

export function toPem(der: Buffer, label: string): string {
  const base64 = der.toString("base64");
  const lines: string[] = [];
  for (let at = 0; at < base64.length; at += 64) lines.push(base64.slice(at, at + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export function fromPem(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END)[^-]*-----|\s/g, ""), "base64");
}
