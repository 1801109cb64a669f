import { pemBlocks } from "../crypto/pem.js";
import { certificateSubject } from "../crypto/asn1/structures.js";
import { crlFacts, crlSignedBy, nameKey, type CrlFacts } from "../crypto/crlFacts.js";
import { issuedBy, type CertFacts } from "../crypto/facts.js";
import { contentOf, trustSources, type TrustSource } from "./certRules.js";
import { listenerName, type EffectiveConf, type EffectiveListener, type LocatedOption } from "./effectiveConf.js";
import { error, warning, type Finding } from "./findings.js";
import { isOn } from "./listenerRules.js";
import type { LintSnapshot } from "./snapshot.js";
import { DAY_MS } from "../clock.js";

/*
 * What mosquitto 2.0.11 (OpenSSL 3.0) does with a crlfile, measured: it loads every
 * "X509 CRL" block at start and exits when there is none or one is damaged; it then turns on
 * X509_V_FLAG_CRL_CHECK, which checks the CRL of each client certificate's own issuer (not of
 * the CAs above it) and refuses the client when that CRL is missing (alert 48), expired (45),
 * not yet valid (42) or not signed by the CA (51). Of several CRLs of one CA it prefers a
 * current one. Websockets listeners ignore crlfile altogether; SIGHUP reads it again.
 */

/** A CRL is renewed by hand or by cron: a week's notice leaves time for either. */
export const CRL_WARNING_DAYS = 7;
const SIGHUP = "send mosquitto SIGHUP (`kill -HUP <pid>`) so it reads the CRL again";

/** One CRL block of the crlfile, with its place in the file for messages. */
interface Crl {
  facts: CrlFacts;
  position: number;
}

/** What every finding of one listener's crlfile names: the line, the file, the listener, the clock. */
interface CrlContext {
  crlfile: LocatedOption;
  count: number;
  listener: string;
  now: Date;
}

const date = (d: Date) => d.toISOString().slice(0, 10);
const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(", ");
const caLabel = (ca: CertFacts) => ca.cn || ca.x509.subject.replace(/\n/g, ", ");
const subjectKey = (ca: CertFacts) => nameKey(certificateSubject(ca.x509.raw));

/** "cafile /path" or "capath /path": the line that made the listener trust `ca`. */
function placeOf(sources: TrustSource[], ca: CertFacts): string {
  const { option } = sources.find((s) => s.certs.includes(ca))!;
  return `${option.name} ${option.value}`;
}

function groupBy<T>(items: T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

function describeCrl(ctx: CrlContext, crl: Crl): string {
  const issuer = `"${crl.facts.issuerLabel}"`;
  return ctx.count === 1
    ? `the CRL of ${issuer} in crlfile ${ctx.crlfile.value}`
    : `CRL ${crl.position} of ${ctx.count} in crlfile ${ctx.crlfile.value} (of ${issuer})`;
}

function renewFix(ctx: CrlContext): string {
  return `issue a fresh CRL into ${ctx.crlfile.value} (with mqtt-pki: \`mqtt-pki crl -f pki.yaml\`; otherwise \`openssl ca -gencrl -out ${ctx.crlfile.value}\`), then ${SIGHUP}`;
}

/** The crlfile's CRL blocks, or why mosquitto cannot load the file (it exits at start). */
function readCrls(crlfile: LocatedOption, content: Buffer): Crl[] | Finding {
  const exits = 'mosquitto exits with "Unable to load certificate revocation file"';
  const text = content.toString("latin1");
  const blocks = pemBlocks(text, "X509 CRL");
  const begun = text.split("-----BEGIN X509 CRL-----").length - 1;
  if (begun === 0) {
    if (text.includes("-----BEGIN CRL-----"))
      return error(
        crlfile,
        `crlfile ${crlfile.value} holds its CRL under the PEM label "CRL", which OpenSSL does not read: ${exits}`,
        "change its first and last lines to -----BEGIN X509 CRL----- and -----END X509 CRL-----",
      );
    if (content[0] === 0x30)
      return error(
        crlfile,
        `crlfile ${crlfile.value} looks like a DER (binary) CRL; mosquitto reads PEM only and exits with "Unable to load certificate revocation file"`,
        `convert it (\`openssl crl -inform DER -in ${crlfile.value} -out ${crlfile.value}.pem\`) and point crlfile at the .pem`,
      );
    return error(
      crlfile,
      `crlfile ${crlfile.value} holds no PEM CRL (-----BEGIN X509 CRL-----)${content.length === 0 ? "; it is empty" : ""}: ${exits}`,
      "point crlfile at the CA's CRL in PEM (mqtt-pki writes ca/crl.pem once a certificate is revoked; `openssl ca -gencrl -out FILE` makes one), or remove the crlfile line",
    );
  }
  const damaged: string[] = begun > blocks.length ? ["a -----BEGIN X509 CRL----- line has no END line"] : [];
  const crls = blocks.flatMap((block, index) => {
    try {
      return [{ facts: crlFacts(block), position: index + 1 }];
    } catch (err) {
      damaged.push(`CRL ${index + 1} of ${blocks.length} is damaged (${(err as Error).message})`);
      return [];
    }
  });
  if (damaged.length > 0)
    return error(
      crlfile,
      `in crlfile ${crlfile.value}, ${damaged.join("; ")}: ${exits}`,
      "replace the file with a fresh copy of the CA's CRL (with mqtt-pki: `mqtt-pki crl -f pki.yaml` rewrites ca/crl.pem; otherwise `openssl ca -gencrl`)",
    );
  return crls;
}

const isCurrent = (crl: Crl, now: Date) =>
  crl.facts.thisUpdate.getTime() <= now.getTime() &&
  (crl.facts.nextUpdate === undefined || crl.facts.nextUpdate.getTime() > now.getTime());

/** The CRLs of one CA against the clock. OpenSSL uses a current one when there is one, so a stale one next to it is only dead weight. */
function timeRules(ctx: CrlContext, issuer: string, crls: Crl[]): Finding[] {
  const refused = `mosquitto (OpenSSL) refuses every client certificate "${issuer}" issued on ${ctx.listener}, valid ones too`;
  const current = crls.filter((crl) => isCurrent(crl, ctx.now));
  if (current.length === 0) {
    return crls.map((crl) =>
      crl.facts.thisUpdate.getTime() > ctx.now.getTime()
        ? error(
            ctx.crlfile,
            `${describeCrl(ctx, crl)} is not valid until ${crl.facts.thisUpdate.toISOString()} (thisUpdate): until then ${refused} ("CRL is not yet valid"; clients see TLS alert bad_certificate (42), the broker logs "certificate verify failed")`,
            `check the clock of the machine that issued the CRL (and of this one), issue it again, then ${SIGHUP}`,
          )
        : error(
            ctx.crlfile,
            `${describeCrl(ctx, crl)} expired on ${date(crl.facts.nextUpdate!)} (nextUpdate): ${refused} (clients see TLS alert certificate_expired (45), the broker logs "certificate verify failed")`,
            renewFix(ctx),
          ),
    );
  }
  const findings = crls
    .filter((crl) => !current.includes(crl))
    .map((crl) =>
      warning(
        ctx.crlfile,
        `${describeCrl(ctx, crl)} is ${crl.facts.thisUpdate.getTime() > ctx.now.getTime() ? "not valid yet" : "expired"}; OpenSSL uses the current CRL of "${issuer}" next to it instead`,
        `remove the stale CRL from ${ctx.crlfile.value}`,
      ),
    );
  const end = (crl: Crl) => crl.facts.nextUpdate?.getTime() ?? Infinity;
  const last = current.reduce((a, b) => (end(b) > end(a) ? b : a));
  const left = Math.floor((end(last) - ctx.now.getTime()) / DAY_MS);
  if (left < CRL_WARNING_DAYS) {
    findings.push(
      warning(
        ctx.crlfile,
        `${describeCrl(ctx, last)} expires in ${left} days (${date(last.facts.nextUpdate!)}): after that ${refused} (TLS alert certificate_expired (45))`,
        `${renewFix(ctx)}; renew it regularly (e.g. from cron), well before nextUpdate`,
      ),
    );
  }
  return findings;
}

/** The CAs of a listener and the CRLs each of them signed. */
interface Matched {
  byCa: Map<CertFacts, Crl[]>;
  /** CRLs naming a CA of the listener that its key did not sign. */
  forged: { crl: Crl; ca: CertFacts }[];
  /** CRLs of CAs the listener does not hold. */
  foreign: Crl[];
}

function matchCrls(crls: Crl[], trust: CertFacts[]): Matched {
  const matched: Matched = { byCa: new Map(), forged: [], foreign: [] };
  for (const crl of crls) {
    const named = trust.filter((ca) => subjectKey(ca) === crl.facts.issuerKey);
    // undefined: a signature algorithm lint cannot check; the name then decides.
    const signer = named.find((ca) => crlSignedBy(crl.facts, ca.publicKey) !== false);
    if (signer) matched.byCa.set(signer, [...(matched.byCa.get(signer) ?? []), crl]);
    else if (named.length > 0) matched.forged.push({ crl, ca: named[0] });
    else matched.foreign.push(crl);
  }
  return matched;
}

/** `genuine`: the file also holds a CRL this CA's name did sign. */
function forgedRule(ctx: CrlContext, { crl, ca }: Matched["forged"][number], genuine: boolean, where: string): Finding {
  const refused = `mosquitto refuses every client certificate "${caLabel(ca)}" issued on ${ctx.listener}, valid ones too (clients see TLS alert decrypt_error (51))`;
  const consequence = genuine
    ? `OpenSSL takes one of the file's CRLs of "${caLabel(ca)}" by their order and, when it takes this one, rejects it ("CRL signature failure"): ${refused}`
    : `OpenSSL rejects it ("CRL signature failure") and ${refused}`;
  return error(
    ctx.crlfile,
    `${describeCrl(ctx, crl)} is signed by another key than that of "${caLabel(ca)}" in ${where} (another CA of that name, or an older key, made it): ${consequence}`,
    genuine
      ? `remove it from ${ctx.crlfile.value} (the file also holds a genuine CRL of "${caLabel(ca)}"), then ${SIGHUP}`
      : `issue the CRL with the key of the CA in ${where} (with mqtt-pki: \`mqtt-pki crl -f pki.yaml\`; otherwise \`openssl ca -gencrl -cert CA.crt -keyfile CA.key\`), or trust the CA that signed it instead; then ${SIGHUP}`,
  );
}

/**
 * CAs of the listener without a CRL: their clients are all refused. A CA that issued another
 * CA of the listener is only a warning: the CRL check looks at a client's own issuer, and such a
 * CA may issue CA certificates only. CRLs of CAs the listener does not hold are named, as the
 * likely mix-up; beside complete CRLs they are only dead weight (unless clients send that CA
 * along as an intermediate).
 */
function missingRules(ctx: CrlContext, sources: TrustSource[], trust: CertFacts[], matched: Matched): Finding[] {
  const cas = trust.filter(
    (ca, i) => (ca.isCa || issuedBy(ca, ca)) && trust.findIndex((c) => c.fingerprint256 === ca.fingerprint256) === i,
  );
  // A CA with a forged CRL is reported by forgedRule already.
  const forgedNames = new Set(matched.forged.map((f) => f.crl.facts.issuerKey));
  const uncovered = cas.filter((ca) => !matched.byCa.has(ca) && !forgedNames.has(subjectKey(ca)));
  const issuesCas = (ca: CertFacts) => cas.find((other) => other !== ca && issuedBy(other, ca));
  const missing = uncovered.filter((ca) => !issuesCas(ca));
  const foreignNames = [...new Set(matched.foreign.map((crl) => crl.facts.issuerLabel))];
  const refused = `("unable to get certificate CRL"; clients see TLS alert unknown_ca (48))`;
  const findings: Finding[] = [];
  if (missing.length > 0) {
    const names = quoted(missing.map(caLabel));
    const held = [...new Set(missing.map((ca) => placeOf(sources, ca)))].join(", ");
    const foreign =
      foreignNames.length > 0
        ? `; its CRLs are from ${quoted(foreignNames)}, not a CA of the listener (${quoted(cas.map(caLabel))})`
        : "";
    findings.push(
      error(
        ctx.crlfile,
        `crlfile ${ctx.crlfile.value} has no CRL from ${names} (${held})${foreign}: with a crlfile, mosquitto turns on OpenSSL's CRL check, which refuses a client certificate whose issuer has no CRL, so every client certificate ${names} issued is refused on ${ctx.listener}, valid ones too ${refused}`,
        `add a CRL from ${names} to ${ctx.crlfile.value} (mqtt-pki writes one per trusted CA: \`mqtt-pki crl -f pki.yaml\`; otherwise concatenate each CA's \`openssl ca -gencrl\` output), then ${SIGHUP}` +
          (foreignNames.length > 0
            ? `; if ${quoted(foreignNames)} is an intermediate CA the clients send along, only certificates ${names} issued directly are refused`
            : ""),
      ),
    );
  } else {
    findings.push(
      ...matched.foreign.map((crl) =>
        warning(
          ctx.crlfile,
          `${describeCrl(ctx, crl)} is from a CA the listener does not hold (it trusts ${quoted(cas.map(caLabel))}): mosquitto uses it only if clients send "${crl.facts.issuerLabel}" along as an intermediate CA`,
          `remove it from ${ctx.crlfile.value} unless "${crl.facts.issuerLabel}" is such an intermediate`,
        ),
      ),
    );
  }
  for (const ca of uncovered.filter((c) => issuesCas(c))) {
    findings.push(
      warning(
        ctx.crlfile,
        `crlfile ${ctx.crlfile.value} has no CRL from "${caLabel(ca)}" (${placeOf(sources, ca)}), which issued "${caLabel(issuesCas(ca)!)}": OpenSSL checks only the CRL of a client certificate's own issuer, so this refuses only client certificates "${caLabel(ca)}" issued directly ${refused}`,
        `add a CRL from "${caLabel(ca)}" to ${ctx.crlfile.value} too, or ignore this if "${caLabel(ca)}" issues only CA certificates`,
      ),
    );
  }
  return findings;
}

/** One TLS listener's crlfile: loadable, and usable for every CA whose clients it checks. */
function listenerCrlRules(snapshot: LintSnapshot, listener: EffectiveListener, now: Date): Finding[] {
  const crlfile = listener.options.get("crlfile")!;
  const content = contentOf(snapshot, crlfile);
  if (!content) return []; // missing or unreadable: referencedFileRules says so
  const crls = readCrls(crlfile, content);
  if (!Array.isArray(crls)) return [crls];
  // Without require_certificate mosquitto asks for no client certificate, so it never consults the CRL.
  if (!isOn(listener.options.get("require_certificate"))) return [];
  const ctx: CrlContext = { crlfile, count: crls.length, listener: listenerName(listener), now };
  const sources = trustSources(snapshot, listener);
  const trust = sources.flatMap((s) => s.certs);
  if (trust.length === 0) {
    // No CA lint could read (no cafile/capath, or an unreadable one, reported elsewhere): the clock alone.
    return groupBy(crls, (crl) => crl.facts.issuerKey).flatMap((group) =>
      timeRules(ctx, group[0].facts.issuerLabel, group),
    );
  }
  const matched = matchCrls(crls, trust);
  const signedNames = new Set([...matched.byCa.keys()].map(subjectKey));
  return [
    ...matched.forged.map((f) => forgedRule(ctx, f, signedNames.has(f.crl.facts.issuerKey), placeOf(sources, f.ca))),
    ...[...matched.byCa].flatMap(([ca, own]) => timeRules(ctx, caLabel(ca), own)),
    ...missingRules(ctx, sources, trust, matched),
  ];
}

/**
 * The crlfile of every TLS listener. Websockets listeners are included: mosquitto 2.0.11 checks
 * no CRL there when it starts, but loads it on a SIGHUP reload (measured), so a bad one locks
 * out their clients from the next reload on.
 */
export function crlRules(snapshot: LintSnapshot, conf: EffectiveConf, now: Date): Finding[] {
  return conf.listeners
    .filter((l) => l.options.has("crlfile") && l.options.has("certfile") && l.options.has("keyfile"))
    .flatMap((listener) => listenerCrlRules(snapshot, listener, now));
}
