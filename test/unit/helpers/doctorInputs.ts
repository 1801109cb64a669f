/**
 * Hand-made doctor inputs for unit tests: observations, certificate summaries and local facts
 * as the probe and localChecks.ts record them against mosquitto 2.0.11 (see the e2e suite).
 */
import { diagnose, type DoctorInput } from "../../../src/doctor/diagnose.js";
import type { CertSummary, ClientFileFacts, ServerChainFacts } from "../../../src/doctor/localChecks.js";
import type { ErrorObservation, Observations, TlsObservation } from "../../../src/doctor/observations.js";
import type { DoctorTarget } from "../../../src/doctor/target.js";

export const NOW = new Date("2030-06-01T12:00:00Z");

export function cert(overrides: Partial<CertSummary> = {}): CertSummary {
  return {
    subjectCn: "broker.test",
    issuerCn: "Test Root CA",
    serial: "0a1b",
    notBefore: new Date("2030-01-01T00:00:00Z"),
    notAfter: new Date("2031-01-01T00:00:00Z"),
    dns: ["localhost"],
    ip: ["127.0.0.1"],
    isCa: false,
    fingerprint256: "AA:BB",
    ...overrides,
  };
}

export const CA = cert({ subjectCn: "Test Root CA", isCa: true, dns: [], ip: [], fingerprint256: "CA:CA" });

export function chain(overrides: Partial<ServerChainFacts> = {}): ServerChainFacts {
  return { leaf: cert(), issuers: [CA], caFileCns: ["Test Root CA"], trustedBy: CA, selfSigned: false, ...overrides };
}

export function clientFacts(
  overrides: Partial<ClientFileFacts> = {},
  certOverrides: Partial<CertSummary> = {},
): ClientFileFacts {
  return {
    cert: cert({ subjectCn: "alice", dns: [], ip: [], ...certOverrides }),
    keyMatches: true,
    crlChecked: true,
    ...overrides,
  };
}

export function target(overrides: Partial<DoctorTarget> = {}): DoctorTarget {
  return { host: "localhost", port: 8883, protocol: "mqtts", path: "/mqtt", ...overrides };
}

export function tls(overrides: Partial<TlsObservation> = {}): TlsObservation {
  return {
    ok: true,
    protocol: "TLSv1.3",
    cipher: "TLS_AES_256_GCM_SHA384",
    peerChain: ["leaf", "ca"],
    authorized: true,
    clientCertSent: true,
    ...overrides,
  };
}

export function alert(code: string, number: number): ErrorObservation {
  return { code, message: `error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert:SSL alert number ${number}` };
}

export const CONNACK_OK = { ok: true, connack: { returnCode: 0, sessionPresent: false } };

export function observed(overrides: Partial<Observations> = {}): Observations {
  return {
    target: target(),
    tcp: { ok: true, remoteAddress: "127.0.0.1" },
    tls: tls(),
    mqtt: CONNACK_OK,
    ...overrides,
  };
}

export function input(overrides: Partial<DoctorInput> = {}): DoctorInput {
  return {
    now: NOW,
    observations: observed(),
    alternatives: [],
    client: clientFacts(),
    clientName: "alice",
    caGiven: true,
    serverChain: chain(),
    ...overrides,
  };
}

export function failing(overrides: Partial<DoctorInput>) {
  const result = diagnose(input(overrides));
  expect(result.ok).toBe(false);
  return {
    ...result,
    failed: result.stages.filter((stage) => !stage.ok).map((stage) => stage.stage),
    text: `${result.cause?.cause}\n${result.cause?.fix}`,
  };
}
