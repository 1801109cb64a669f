import { createPrivateKey } from "node:crypto";
import path from "node:path";
import { certMatchesKey, CLIENT_AUTH, issuedBy, type CertFacts } from "../crypto/facts.js";
import { EXPIRY_WARNING_DAYS } from "../verify/checkCertificates.js";
import { certsInFile } from "../crypto/facts.js";
import { listenerName, type EffectiveConf, type EffectiveListener, type LocatedOption } from "./effectiveConf.js";
import { error, warning, type Finding } from "./findings.js";
import { resolveConfPath } from "./paths.js";
import type { LintSnapshot } from "./snapshot.js";
import { DAY_MS } from "../clock.js";

/** How far below an intermediate the chain search goes; real chains are 1–3 deep. */
const MAX_CHAIN = 5;

/** CA certificates a listener trusts, with the line that brought them in. */
export interface TrustSource {
  option: LocatedOption;
  certs: CertFacts[];
}

export function contentOf(snapshot: LintSnapshot, option: LocatedOption | undefined): Buffer | undefined {
  return option
    ? snapshot.paths.get(resolveConfPath(path.dirname(snapshot.confFile), option.value))?.content
    : undefined;
}

function isUsableKey(pem: Buffer): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

/** Expired or not yet valid: error; expiring within EXPIRY_WARNING_DAYS: warning. */
function validityRule(at: LocatedOption, what: string, facts: CertFacts, now: Date, renew: string): Finding[] {
  const date = (d: Date) => d.toISOString().slice(0, 10);
  if (facts.notBefore.getTime() > now.getTime())
    return [
      error(
        at,
        `${what} is not valid until ${facts.notBefore.toISOString()}: TLS peers reject it until then`,
        "check this machine's clock, or issue it again with a start date in the past",
      ),
    ];
  if (facts.notAfter.getTime() <= now.getTime())
    return [
      error(at, `${what} expired on ${date(facts.notAfter)}: TLS peers reject it ("certificate has expired")`, renew),
    ];
  const left = Math.floor((facts.notAfter.getTime() - now.getTime()) / DAY_MS);
  if (left < EXPIRY_WARNING_DAYS)
    return [warning(at, `${what} expires in ${left} days (${date(facts.notAfter)})`, renew)];
  return [];
}

/** Whether `cert` chains to a CA of `trust`, possibly through intermediates sent along in the certfile. */
function chainsTo(cert: CertFacts, intermediates: CertFacts[], trust: CertFacts[], depth = 0): boolean {
  if (trust.some((ca) => issuedBy(cert, ca))) return true;
  if (depth >= MAX_CHAIN) return false;
  return intermediates.some(
    (next) =>
      issuedBy(cert, next) &&
      chainsTo(
        next,
        intermediates.filter((i) => i !== next),
        trust,
        depth + 1,
      ),
  );
}

function sameCn(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

export function describeTrust(sources: TrustSource[]): string {
  return sources
    .map(({ option, certs }) => `${option.name} ${option.value} (${certs.map((c) => `"${c.cn}"`).join(", ")})`)
    .join(" or ");
}

/** The CA certificates of a listener's cafile and capath (a file or folder without any adds nothing). */
export function trustSources(snapshot: LintSnapshot, listener: EffectiveListener): TrustSource[] {
  const sources: TrustSource[] = [];
  const cafile = listener.options.get("cafile");
  const cafileCerts = certsInFile(contentOf(snapshot, cafile));
  if (cafile && cafileCerts.length > 0) sources.push({ option: cafile, certs: cafileCerts });
  const capath = listener.options.get("capath");
  const dir = capath && resolveConfPath(path.dirname(snapshot.confFile), capath.value);
  const entries = dir ? (snapshot.paths.get(dir)?.entries ?? []) : [];
  const capathCerts = entries.flatMap((name) => certsInFile(snapshot.paths.get(path.join(dir!, name))?.content));
  if (capath && capathCerts.length > 0) sources.push({ option: capath, certs: capathCerts });
  return sources;
}

/** A cafile lint could read that holds no certificate. */
function emptyCafileRule(snapshot: LintSnapshot, listener: EffectiveListener): Finding[] {
  const cafile = listener.options.get("cafile");
  const content = contentOf(snapshot, cafile);
  if (!cafile || !content || certsInFile(content).length > 0) return [];
  return [
    error(
      cafile,
      `cafile ${cafile.value} holds no PEM certificate: mosquitto exits with "Unable to load CA certificates"`,
      "point cafile at the CA certificate (PEM, -----BEGIN CERTIFICATE-----)",
    ),
  ];
}

/** Client certificates lint saw near the conf and the CA, minus CAs and the brokers' own certificates. */
function clientCertsSeen(snapshot: LintSnapshot, serverFingerprints: Set<string>): CertFacts[] {
  return snapshot.clientSearch.files
    .flatMap((file) => certsInFile(snapshot.paths.get(file)?.content))
    .filter(
      (c) =>
        !c.isCa &&
        !serverFingerprints.has(c.fingerprint256) &&
        (c.extendedKeyUsage.length === 0 || c.extendedKeyUsage.includes(CLIENT_AUTH)),
    );
}

/**
 * require_certificate + use_identity_as_username: every client needs a certificate from the
 * listener's CA, and its CN becomes the username. Warns when none is in sight (they may well
 * live on the devices only).
 */
function clientCertRule(
  snapshot: LintSnapshot,
  listener: EffectiveListener,
  trust: CertFacts[],
  seen: CertFacts[],
): Finding[] {
  const on = (name: string) => ["true", "1"].includes(listener.options.get(name)?.value ?? "");
  const identity = listener.options.get("use_identity_as_username");
  if (!identity || !on("require_certificate") || !on("use_identity_as_username") || trust.length === 0) return [];
  if (seen.some((c) => trust.some((ca) => issuedBy(c, ca)))) return [];
  const others = [...new Set(seen.map((c) => `"${c.issuer.CN ?? "?"}"`))];
  const cas = trust.map((ca) => `"${ca.cn}"`).join(", ");
  return [
    warning(
      identity,
      `${listenerName(listener)} requires client certificates and takes their CN as the username, but no client certificate issued by ${cas} was found in ${snapshot.clientSearch.roots.join(", ") || "the conf's and the CA's folders"}` +
        (others.length > 0 ? ` (the ${seen.length} seen were issued by ${others.join(", ")})` : ""),
      "issue the devices' certificates from the cafile's CA, or point cafile at the CA that issued them (ignore this if they exist only on the devices)",
    ),
  ];
}

/** One TLS listener's server certificate, key and CAs against each other and the clock. */
function listenerCertRules(
  snapshot: LintSnapshot,
  listener: EffectiveListener,
  now: Date,
  seen: CertFacts[],
): Finding[] {
  const findings = emptyCafileRule(snapshot, listener);
  const certfile = listener.options.get("certfile")!;
  const keyfile = listener.options.get("keyfile")!;
  const sources = trustSources(snapshot, listener);
  const trust = sources.flatMap((s) => s.certs);
  for (const { option, certs } of sources) {
    for (const ca of certs)
      findings.push(
        ...validityRule(
          option,
          `CA certificate "${ca.cn}" in ${option.value}`,
          ca,
          now,
          "renew the CA and give the new CA certificate to the broker and every client",
        ),
      );
  }

  const certContent = contentOf(snapshot, certfile);
  if (!certContent) return findings;
  const [leaf, ...intermediates] = certsInFile(certContent);
  if (!leaf)
    return [
      ...findings,
      error(
        certfile,
        `certfile ${certfile.value} holds no PEM certificate: mosquitto exits with "Unable to load server certificate"`,
        "point certfile at the server certificate (PEM, -----BEGIN CERTIFICATE-----)",
      ),
    ];

  const keyContent = contentOf(snapshot, keyfile);
  if (keyContent && !isUsableKey(keyContent)) {
    findings.push(
      error(
        keyfile,
        `keyfile ${keyfile.value} is not an unencrypted PEM private key: mosquitto cannot ask for a passphrase and exits with "Unable to load server key file"`,
        "give the broker an unencrypted key (`openssl pkey -in KEY -out KEY.plain`), readable by the broker only",
      ),
    );
  } else if (keyContent && !certMatchesKey(leaf, keyContent)) {
    findings.push(
      error(
        keyfile,
        `keyfile ${keyfile.value} does not match certfile ${certfile.value}: mosquitto exits with "Unable to load server key file" (key values mismatch)`,
        "point keyfile at the key the certificate was issued for, or issue a certificate for this key",
      ),
    );
  }

  const what = `server certificate ${certfile.value} (CN "${leaf.cn}")`;
  findings.push(
    ...validityRule(certfile, what, leaf, now, "issue a new server certificate from the same CA and restart mosquitto"),
  );
  const selfSigned = issuedBy(leaf, leaf);
  const clash =
    !selfSigned &&
    (sameCn(leaf.issuer.CN, leaf.cn) ||
      trust.some((ca) => ca.fingerprint256 !== leaf.fingerprint256 && sameCn(ca.cn, leaf.cn)));
  if (clash) {
    findings.push(
      error(
        certfile,
        `${what} has the same CN as its CA: TLS clients that decide "self-signed" by comparing names (OpenSSL 1.1 among them) reject the broker ("self signed certificate")`,
        "issue the server certificate with its own CN (e.g. the broker's host name), different from the CA's",
      ),
    );
  }
  if (trust.length > 0 && !chainsTo(leaf, intermediates, trust)) {
    findings.push(
      error(
        certfile,
        `${what} was not issued by ${describeTrust(sources)} but by "${leaf.issuer.CN ?? "?"}": clients that trust only that CA reject the broker ("certificate verify failed")`,
        "issue the server certificate from the cafile's CA, or point cafile at the CA that issued it",
      ),
    );
  }
  findings.push(...clientCertRule(snapshot, listener, trust, seen));
  return findings;
}

/** Certificates and keys of every listener that has TLS (certfile and keyfile both set). */
export function certificateRules(snapshot: LintSnapshot, conf: EffectiveConf, now: Date): Finding[] {
  const tls = conf.listeners.filter((l) => l.options.has("certfile") && l.options.has("keyfile"));
  const servers = new Set(
    tls.flatMap((l) => certsInFile(contentOf(snapshot, l.options.get("certfile")))).map((c) => c.fingerprint256),
  );
  const seen = clientCertsSeen(snapshot, servers);
  return tls.flatMap((listener) => listenerCertRules(snapshot, listener, now, seen));
}
