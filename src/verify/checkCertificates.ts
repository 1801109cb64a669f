import { certMatchesKey, CLIENT_AUTH, issuedBy, SERVER_AUTH, type CertFacts } from "../crypto/facts.js";
import { isEncryptedPem } from "../crypto/keys.js";
import { PASSPHRASE_ENV } from "../io/passphrase.js";
import { sanCovers } from "../spec/rules.js";
import { treeLayout } from "../tree/layout.js";
import type { CheckResult, Checklist } from "./result.js";
import type { ClientView, TreeSnapshot } from "./snapshot.js";
import { DAY_MS } from "../clock.js";

export const EXPIRY_WARNING_DAYS = 30;
const REBUILD = "run `mqtt-pki build` to reissue it";

/** Parses the certificate at `file` from the snapshot, reporting a missing or broken one. */
export function loadCert(snapshot: ClientView, list: Checklist, subject: string, file: string): CertFacts | undefined {
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
  snapshot: ClientView,
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

/** One server or client certificate to check, with the key that must pair with it. */
interface Leaf {
  role: "server" | "client";
  name: string;
  certFile: string;
  keyFile: string;
  expectedCn: string;
  deviceKey?: boolean;
}

/** Chain, key pair, validity, profile and CN of one leaf; its facts when it could be parsed (a CN clash is the caller's). */
function checkLeaf(
  view: ClientView,
  list: Checklist,
  trusted: TrustedCas,
  leaf: Leaf,
  now: Date,
): CertFacts | undefined {
  const { role } = leaf;
  const subject = `${role} ${leaf.name}`;
  const facts = loadCert(view, list, subject, leaf.certFile);
  if (!facts) return undefined;
  if (trusted.current)
    list.check(
      trusted.all.some((c) => issuedBy(facts, c)),
      subject,
      "signed by the CA",
      `certificate was not issued by the CA in ca/ca.crt (issuer "${facts.issuer.CN ?? "?"}")`,
      "a certificate from another CA was put here: run `mqtt-pki build` to reissue it from this CA",
    );
  checkKeyPair(view, list, subject, facts, leaf.keyFile, leaf.deviceKey);
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
    facts.cn === leaf.expectedCn,
    subject,
    `CN "${facts.cn}"`,
    `CN is "${facts.cn}", the spec says "${leaf.expectedCn}"`,
    REBUILD,
  );
  return facts;
}

/** The CAs the tree trusts, as read from its files (what the CA checks below return, without their results). */
export function trustedCas(view: ClientView): TrustedCas {
  const layout = treeLayout(view.spec.out);
  const current = view.files.get(layout.caCert)?.content ? view.parsed.certificate(layout.caCert) : undefined;
  const previous =
    view.files.has(layout.previousCaCert) && view.files.get(layout.previousCaCert)?.content
      ? view.parsed.certificate(layout.previousCaCert)
      : undefined;
  return { current, previous, all: [current, previous].filter((c): c is CertFacts => c !== undefined) };
}

/** Who holds each CN so far (lower-cased), for the CN clash check: the CAs, then the servers, then each client in order. */
export type CnOwners = Map<string, string>;

/**
 * The CA(s) and the servers: chain, key pair, validity, role, names. Returns the trusted CAs for
 * later checks, and the CNs they and the servers hold (each client's CN must differ from them).
 */
export function checkTreeCertificates(
  snapshot: TreeSnapshot,
  list: Checklist,
  now: Date,
): { trusted: TrustedCas; owners: CnOwners } {
  const { spec } = snapshot;
  const layout = treeLayout(spec.out);
  const ca = checkCa(snapshot, list, "CA", layout.caCert, layout.caKey, now);
  const previous = snapshot.files.has(layout.previousCaCert)
    ? checkCa(snapshot, list, "CA (retiring)", layout.previousCaCert, layout.previousCaKey, now)
    : undefined;
  const trusted = { current: ca, previous, all: [ca, previous].filter((c): c is CertFacts => c !== undefined) };
  const owners: CnOwners = new Map(trusted.all.map((c) => [c.cn.toLowerCase(), "the CA"]));
  for (const server of spec.servers) {
    const subject = `server ${server.name}`;
    const leaf = { role: "server", name: server.name, expectedCn: server.cn } as const;
    const files = { certFile: layout.serverCert(server.name), keyFile: layout.serverKey(server.name) };
    const facts = checkLeaf(snapshot, list, trusted, { ...leaf, ...files }, now);
    if (!facts) continue;
    const clash = owners.get(facts.cn.toLowerCase());
    if (clash) list.results.push(cnClash(subject, facts.cn, clash));
    owners.set(facts.cn.toLowerCase(), subject);
    list.check(
      sanCovers(server.host, facts.dns, facts.ip),
      subject,
      `SAN covers host ${server.host}`,
      `SAN (${[...facts.dns, ...facts.ip].join(", ") || "empty"}) does not cover host ${server.host}; clients dialing it fail hostname verification`,
      `add ${server.host} to the server's dns or ip and run \`mqtt-pki build\``,
    );
  }
  return { trusted, owners };
}

/**
 * Every client's certificate and key. Returns where each client's results end in `list` and
 * each one's CN (undefined for a certificate that could not be read): CN clashes are found
 * where the clients' results are put in order (orderedResults.ts), across batches.
 */
export function checkClientCertificates(
  view: ClientView,
  list: Checklist,
  trusted: TrustedCas,
  now: Date,
): { ends: number[]; cns: (string | undefined)[] } {
  const layout = treeLayout(view.spec.out);
  const ends: number[] = [];
  const cns: (string | undefined)[] = [];
  for (const client of view.clients) {
    const files = { certFile: layout.clientCert(client.name), keyFile: layout.clientKey(client.name) };
    const leaf = { role: "client", name: client.name, expectedCn: client.cn, deviceKey: client.deviceKey } as const;
    cns.push(checkLeaf(view, list, trusted, { ...leaf, ...files }, now)?.cn);
    ends.push(list.results.length);
  }
  return { ends, cns };
}
