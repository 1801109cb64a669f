/** PEM: DER as base64 between BEGIN and END lines, as every file of the tree holds it. */

export function toPem(der: Buffer, label: string): string {
  const base64 = der.toString("base64");
  const lines: string[] = [];
  for (let at = 0; at < base64.length; at += 64) lines.push(base64.slice(at, at + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** The DER of one PEM block: its BEGIN and END lines and all whitespace dropped, the rest decoded. */
export function fromPem(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END)[^-]*-----|\s/g, ""), "base64");
}

/** Splits a PEM file holding several certificates or CRLs into its blocks. */
export function pemBlocks(text: string, label: string): string[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, "g");
  return text.match(pattern) ?? [];
}
