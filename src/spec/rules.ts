import { isIP } from "node:net";

/** File-safe identifier: becomes a directory name and part of shell commands. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function isSafeName(name: string): boolean {
  return NAME_PATTERN.test(name) && !name.includes("..");
}

/** An RFC 1123 host name, optionally with a leading `*.` wildcard label. */
export function isValidDnsName(name: string): boolean {
  const bare = name.startsWith("*.") ? name.slice(2) : name;
  if (bare.length === 0 || bare.length > 253) return false;
  return bare.split(".").every((label) => /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(label));
}

/**
 * IPv4 or IPv6. IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is refused: the certificate library
 * mis-encodes it, and clients match the plain IPv4 form anyway.
 */
export function ipProblem(ip: string): string | undefined {
  if (isIP(ip) === 0) return `\`${ip}\` is not an IP address`;
  if (/^::ffff:/i.test(ip) && ip.includes(".")) return `\`${ip}\` is an IPv4-mapped IPv6 address`;
  // The certificate library mis-encodes an IPv6 with an embedded dotted IPv4 part, and a
  // zone id (%eth0) cannot be written into a certificate at all.
  if (isIP(ip) === 6 && ip.includes(".")) return `\`${ip}\` mixes IPv6 and dotted IPv4 notation`;
  if (ip.includes("%")) return `\`${ip}\` has a zone id, which a certificate cannot hold`;
  return undefined;
}

/** Whether a certificate with these SANs is valid for `host` (RFC 6125 single-label wildcard). */
export function sanCovers(host: string, dns: readonly string[], ip: readonly string[]): boolean {
  if (isIP(host)) return ip.some((entry) => normalizeIp(entry) === normalizeIp(host));
  const wanted = host.toLowerCase();
  return dns.some((entry) => {
    const name = entry.toLowerCase();
    if (!name.startsWith("*.")) return name === wanted;
    const dot = wanted.indexOf(".");
    return dot > 0 && wanted.slice(dot + 1) === name.slice(2);
  });
}

/** IPv6 in one spelling, so "::1" and "0:0:0:0:0:0:0:1" compare equal. */
export function normalizeIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  // Expand :: so that "::1" and "0:0:0:0:0:0:0:1" compare equal.
  const [head, tail = ""] = ip.toLowerCase().split("::");
  const headParts = head ? head.split(":") : [];
  const tailParts = ip.includes("::") ? (tail ? tail.split(":") : []) : [];
  const fill = ip.includes("::") ? Array(8 - headParts.length - tailParts.length).fill("0") : [];
  return [...headParts, ...fill, ...tailParts].map((part) => part.replace(/^0+(?=.)/, "")).join(":");
}

/** Characters X.509 strings and shell lines should never carry. */
export function hasControlCharacters(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}

/** MQTT topic for publishing: no wildcards, no NUL, not empty. */
export function topicProblem(topic: string): string | undefined {
  if (topic.length === 0) return "the topic is empty";
  if (/[+#]/.test(topic)) return `\`${topic}\` contains a wildcard (+ or #), which cannot be published to`;
  if (hasControlCharacters(topic)) return "the topic contains control characters";
  return undefined;
}

/** MQTT topic filter rules: + and # stand for whole levels, and # only as the last one. */
export function topicFilterProblem(filter: string): string | undefined {
  const levels = filter.split("/");
  for (const [i, level] of levels.entries()) {
    if (level.includes("#") && (level !== "#" || i !== levels.length - 1))
      return `\`${filter}\`: # must be a whole level, and the last`;
    if (level.includes("+") && level !== "+") return `\`${filter}\`: + must be a whole level`;
  }
  return undefined;
}

/** Whether a concrete topic falls under a filter (MQTT matching rules). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
