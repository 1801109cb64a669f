import { alertOf, CLIENT_CERT_ALERTS, describeAlert } from "./alerts.js";
import { causes, quoted, when, type Wording } from "./causes.js";
import { clientCertCause } from "./clientCertStage.js";
import { RANK, type DoctorInput, type Findings } from "./findings.js";
import { speaksMqtt, speaksWebSocket } from "./followUps.js";
import type { CertSummary, ServerChainFacts } from "./localChecks.js";
import type { TlsObservation } from "./observations.js";
import { expectedName, tlsVersionLabel } from "./target.js";
import { certValidityAt } from "./validity.js";
import { sanCovers } from "../spec/rules.js";

/** The "TLS handshake" line and the server certificate's lines: its dates, its trust, its hostname. */

export function checkHandshake(input: DoctorInput, tls: TlsObservation, found: Findings, wording: Wording): void {
  const target = input.observations.target;
  if (tls.ok) {
    found.pass("TLS handshake", `${tls.protocol ?? "TLS"}, ${tls.cipher ?? "unknown cipher"}`);
    return;
  }
  if (tls.localError) {
    found.fail(
      "TLS handshake",
      `not started: ${tls.error?.message ?? "Node refused the client files"}`,
      RANK.tls,
      causes.tlsFilesRefused(tls.error?.message ?? "unknown error"),
    );
    return;
  }
  const alert = alertOf(tls.error);
  if (alert && CLIENT_CERT_ALERTS.has(alert.number)) {
    // TLS 1.2: the broker checks the client's certificate inside the handshake.
    found.fail(
      "TLS handshake",
      `the broker ended it with ${describeAlert(alert)}`,
      RANK.clientCert,
      clientCertCause(alert, input, wording, false),
    );
    return;
  }
  if (alert?.number === 70) {
    const accepted = input.alternatives
      .filter((alt) => alt.tls?.ok && alt.target.tlsVersion)
      .map((alt) => alt.target.tlsVersion!);
    found.fail(
      "TLS handshake",
      `the broker refused ${target.tlsVersion ? tlsVersionLabel(target.tlsVersion) : "the offered versions"}: ${describeAlert(alert)}`,
      RANK.tls,
      causes.tlsVersionMismatch(alert, target.tlsVersion, accepted, wording),
    );
    return;
  }
  if (alert) {
    found.fail("TLS handshake", `the broker sent ${describeAlert(alert)}`, RANK.tls, causes.tlsAlert(alert));
    return;
  }
  const detail = tls.timedOut
    ? "no TLS answer in time"
    : (tls.error?.code ?? tls.error?.message ?? "the connection closed");
  const plainMqtt = input.alternatives.find((alt) => alt.target.protocol === "mqtt" && speaksMqtt(alt));
  const plainWs = input.alternatives.find((alt) => alt.target.protocol === "ws" && speaksWebSocket(alt));
  const cause = plainMqtt
    ? causes.tlsToPlainPort("MQTT", wording)
    : plainWs
      ? causes.tlsToPlainPort("websockets", wording)
      : tls.error?.code === "ERR_SSL_WRONG_VERSION_NUMBER"
        ? causes.notTls("wrong version number", wording)
        : causes.tlsNoAnswer(tls.timedOut ? "no answer in time" : (tls.error?.code ?? detail));
  found.fail("TLS handshake", `failed: ${detail}`, RANK.tls, cause);
}

/** The server certificate's three lines, in the order they print: its dates, its trust, its hostname. */
export function checkServerChain(
  input: DoctorInput,
  chain: ServerChainFacts,
  tls: TlsObservation,
  found: Findings,
  wording: Wording,
): void {
  checkServerValidity(input, chain.leaf, found, wording);
  checkTrust(input, chain, tls, found);
  checkHostname(input, chain.leaf, found, wording);
}

function checkServerValidity(input: DoctorInput, leaf: CertSummary, found: Findings, wording: Wording): void {
  const state = certValidityAt(leaf, input.now);
  const who = `CN=${leaf.subjectCn}, issued by ${quoted(leaf.issuerCn)}`;
  if (state === "valid") found.pass("server certificate", `${who}, valid until ${when(leaf.notAfter)}`);
  else if (state === "expired")
    found.fail(
      "server certificate",
      `${who}: expired on ${when(leaf.notAfter)}`,
      RANK.validity,
      causes.serverExpired(leaf, input.now, wording),
    );
  else
    found.fail(
      "server certificate",
      `${who}: valid only from ${when(leaf.notBefore)}`,
      RANK.validity,
      causes.serverNotYetValid(leaf, input.now),
    );
}

/** Node codes that mean "expired" or "not yet valid": the validity line speaks for those. */
const VALIDITY_CODES = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

function checkTrust(input: DoctorInput, chain: ServerChainFacts, tls: TlsObservation, found: Findings): void {
  const { leaf } = chain;
  const code = tls.authorizationError;
  const refusedByNode = tls.ok ? tls.authorized === false : code !== undefined;
  if (chain.cnClash && refusedByNode) {
    found.fail(
      "trust",
      `the server certificate and its CA share the CN ${quoted(chain.cnClash)}${code ? ` (Node: ${code})` : ""}`,
      RANK.trust,
      causes.caCnClash(chain.cnClash, code),
    );
  } else if (!input.caGiven) {
    if (tls.authorized) found.pass("trust", "no CA file given; the system trust store trusts the chain");
    else
      found.fail(
        "trust",
        `no CA file given; the chain ends at ${quoted(chain.issuers.at(-1)?.subjectCn ?? leaf.issuerCn)}, unknown to the system store${code ? ` (Node: ${code})` : ""}`,
        RANK.trust,
        causes.noCa(leaf, code),
      );
  } else if (chain.trustedBy) {
    const clashNote = chain.cnClash
      ? `; it shares the CN ${quoted(chain.cnClash)} with the server, which older OpenSSL refuses`
      : "";
    if (refusedByNode && code && !VALIDITY_CODES.has(code)) {
      found.fail(
        "trust",
        `the CA file's ${quoted(chain.trustedBy.subjectCn)} issued it, but OpenSSL refuses the chain: ${code}`,
        RANK.trust,
        causes.chainRefused(chain.trustedBy, code),
      );
    } else {
      found.pass("trust", `the CA file's ${quoted(chain.trustedBy.subjectCn)} issued it${clashNote}`);
    }
  } else if (chain.selfSigned) {
    found.fail(
      "trust",
      "the server certificate is self-signed and not in the CA file",
      RANK.trust,
      causes.selfSignedServer(leaf),
    );
  } else {
    found.fail(
      "trust",
      `the CA file holds ${chain.caFileCns.map(quoted).join(", ")}, not ${quoted(leaf.issuerCn)}${code ? ` (Node: ${code})` : ""}`,
      RANK.trust,
      causes.wrongCa(leaf, chain.caFileCns, code),
    );
  }
}

function checkHostname(input: DoctorInput, leaf: CertSummary, found: Findings, wording: Wording): void {
  const name = expectedName(input.observations.target);
  const san = [...leaf.dns.map((dns) => `DNS:${dns}`), ...leaf.ip.map((ip) => `IP:${ip}`)].join(", ") || "nothing";
  if (sanCovers(name, leaf.dns, leaf.ip)) found.pass("hostname", `${name} is in the SAN (${san})`);
  else
    found.fail(
      "hostname",
      `${name} is not in the SAN, which holds ${san}`,
      RANK.hostname,
      causes.hostnameMismatch(name, san, wording),
    );
}
