import { certMatchesKey, CLIENT_AUTH, issuedBy, SERVER_AUTH, type CertFacts } from "../crypto/facts.js";
import { isEncryptedPem } from "../crypto/keys.js";
import { PASSPHRASE_ENV } from "../io/passphrase.js";
import { sanCovers } from "../spec/rules.js";
import { treeLayout } from "../tree/layout.js";
import type { CheckResult, Checklist } from "./result.js";
import type { TreeSnapshot } from "./snapshot.js";
import { DAY_MS } from "../clock.js";

export const EXPIRY_WARNING_DAYS = 30;
const REBUILD = "run `mqtt-pki build` to reissue it";

/** Parses the certificate at `file` from the snapshot, reporting a missing or broken one. */
export function loadCert(
  snapshot: TreeSnapshot,
  list: Checklist,
  subject: string,
  file: string,
): CertFacts | undefined {
  const content = snapshot.files.get(file)?.content;
  if (!content) {
    list.fail(subject, `certificate ${file} is missing`, "run `mqtt-pki build` to create it");
    return undefined;
  }
  const facts = snapshot.parsed.certificate(file);
  if (!facts)
    list.fail(
      subject,
      `${file} is not a PEM certificate`,
      "restore it from backup or delete it and run `mqtt-pki build`",
    );
  return facts;
}

export function checkValidity(list: Checklist, subject: string, facts: CertFacts, now: Date): void {
  const left = Math.floor((facts.notAfter.getTime() - now.getTime()) / DAY_MS);
  if (facts.notBefore.getTime() > now.getTime())
    list.fail(subject, `not valid until ${facts.notBefore.toISOString()}`, "check this machine's clock, or wait");
  else if (left < 0) list.fail(subject, `expired on ${facts.notAfter.toISOString()}`, REBUILD);
  else if (left < EXPIRY_WARNING_DAYS)
    list.warn(subject, `expires in ${left} days (${facts.notAfter.toISOString().slice(0, 10)})`, REBUILD);
  else list.pass(subject, `valid until ${facts.notAfter.toISOString().slice(0, 10)} (${left} days)`);
}

function checkKeyPair(
  snapshot: TreeSnapshot,
  list: Checklist,
  subject: string,
  facts: CertFacts,
  keyFile: string,
  deviceKey = false,
): void {
  const key = snapshot.files.get(keyFile);
  if (deviceKey && !key) {
    list.pass(subject, "key held by the device (not in the tree)");
    return;
  }
  if (!key?.content) {
    list.fail(
      subject,
      `key ${keyFile} is missing`,
      "restore it from backup, or delete the certificate and run `mqtt-pki build` for a new pair",
    );
    return;
  }
  if (isEncryptedPem(key.content.toString())) {
    // verify never asks for the passphrase; it uses it only when automation already provides it.
    const passphrase = process.env[PASSPHRASE_ENV];
    if (!passphrase)
      list.pass(
        subject,
        `key is encrypted (its pairing is checked whenever it signs; set ${PASSPHRASE_ENV} to check it here)`,
      );
    else
      list.check(
        certMatchesKey(facts, { key: key.content, passphrase }),
        subject,
        "encrypted key matches certificate",
        `key ${keyFile} does not match its certificate (or ${PASSPHRASE_ENV} is wrong)`,
        "restore the matching pair from backup",
      );
  } else
    list.check(
      snapshot.parsed.keyMatches(facts, keyFile),
      subject,
      "key matches certificate",
      `key ${keyFile} does not match its certificate`,
      "the certificate was swapped or the key replaced: restore the pair from backup or run `mqtt-pki build`",
    );
  list.check(
    (key.mode & 0o007) === 0,
    subject,
    "key not readable by others",
    `key ${keyFile} has mode ${key.mode.toString(8)}, readable by every user`,
    `run \`chmod 600 ${keyFile}\``,
  );
}

/** A certificate whose CN another one (`owner`) already has. */
export function cnClash(subject: string, cn: string, owner: string): CheckResult {
  return {
    status: "fail",
    subject,
    message: `CN "${cn}" is also the CN of ${owner}`,
    hint:
      owner === "the CA"
        ? "OpenSSL rejects a chain whose server and CA share a CN: give the CA its own CN"
        : "give each certificate its own CN and rebuild",
  };
}

/** The CAs the tree trusts: the current one, and the retiring one during a CA rotation. */
export interface TrustedCas {
  current?: CertFacts;
  previous?: CertFacts;
  all: CertFacts[];
}

function checkCa(
  snapshot: TreeSnapshot,
  list: Checklist,
  subject: string,
  certFile: string,
  keyFile: string,
  now: Date,
): CertFacts | undefined {
  const ca = loadCert(snapshot, list, subject, certFile);
  if (!ca) return undefined;
  list.check(
    ca.isCa && issuedBy(ca, ca),
    subject,
    `self-signed CA "${ca.cn}"`,
    `${certFile} is not a self-signed CA certificate`,
    "restore the CA from backup",
  );
  checkKeyPair(snapshot, list, subject, ca, keyFile);
  checkValidity(list, subject, ca, now);
  return ca;
}

/**
 * The CA(s) and every leaf: chain, key pair, validity, role, names. Returns the trusted CAs for
 * later checks. Client results go to `clientList` (see api/verify.ts for why).
 */
export function checkCertificates(snapshot: TreeSnapshot, list: Checklist, now: Date, clientList = list): TrustedCas {
  const { spec } = snapshot;
  const global = list;
  const layout = treeLayout(spec.out);
  const ca = checkCa(snapshot, list, "CA", layout.caCert, layout.caKey, now);
  const previous = snapshot.files.has(layout.previousCaCert)
    ? checkCa(snapshot, list, "CA (retiring)", layout.previousCaCert, layout.previousCaKey, now)
    : undefined;
  const trusted = { current: ca, previous, all: [ca, previous].filter((c): c is CertFacts => c !== undefined) };
  const cns = new Map<string, string>(trusted.all.map((c) => [c.cn.toLowerCase(), "the CA"]));
  const leaf = (
    role: "server" | "client",
    name: string,
    certFile: string,
    keyFile: string,
    expectedCn: string,
    deviceKey = false,
  ) => {
    const list = role === "client" ? clientList : global;
    const subject = `${role} ${name}`;
    const facts = loadCert(snapshot, list, subject, certFile);
    if (!facts) return undefined;
    if (ca)
      list.check(
        trusted.all.some((c) => issuedBy(facts, c)),
        subject,
        "signed by the CA",
        `certificate was not issued by the CA in ca/ca.crt (issuer "${facts.issuer.CN ?? "?"}")`,
        "a certificate from another CA was put here: run `mqtt-pki build` to reissue it from this CA",
      );
    checkKeyPair(snapshot, list, subject, facts, keyFile, deviceKey);
    checkValidity(list, subject, facts, now);
    const usage = role === "server" ? SERVER_AUTH : CLIENT_AUTH;
    list.check(
      !facts.isCa && facts.extendedKeyUsage.includes(usage),
      subject,
      `${role} profile (CA:FALSE, ${role === "server" ? "serverAuth" : "clientAuth"})`,
      `certificate lacks the ${role} profile`,
      REBUILD,
    );
    list.check(
      facts.cn === expectedCn,
      subject,
      `CN "${facts.cn}"`,
      `CN is "${facts.cn}", the spec says "${expectedCn}"`,
      REBUILD,
    );
    const clash = cns.get(facts.cn.toLowerCase());
    if (clash) list.results.push(cnClash(subject, facts.cn, clash));
    cns.set(facts.cn.toLowerCase(), subject);
    return facts;
  };
  for (const server of spec.servers) {
    const facts = leaf("server", server.name, layout.serverCert(server.name), layout.serverKey(server.name), server.cn);
    if (!facts) continue;
    list.check(
      sanCovers(server.host, facts.dns, facts.ip),
      `server ${server.name}`,
      `SAN covers host ${server.host}`,
      `SAN (${[...facts.dns, ...facts.ip].join(", ") || "empty"}) does not cover host ${server.host}; clients dialing it fail hostname verification`,
      `add ${server.host} to the server's dns or ip and run \`mqtt-pki build\``,
    );
  }
  for (const client of snapshot.clients)
    leaf(
      "client",
      client.name,
      layout.clientCert(client.name),
      layout.clientKey(client.name),
      client.cn,
      client.deviceKey,
    );
  return trusted;
}
