import type { ServerSpec, Spec } from "../spec/types.js";
import type { CauseId } from "./causes.js";
import type { Credentials } from "./credentials.js";
import { diagnose, type BrokerSettings, type StageResult } from "./diagnose.js";
import { followUpsFor } from "./followUps.js";
import { judgeServerChain } from "./localChecks.js";
import { probe } from "./probe.js";
import type { DoctorTarget } from "./target.js";

/**
 * One target examined: probe it (and the follow-up attempts its answers call for), then let
 * diagnose judge what was seen against the files read beforehand.
 */

export interface DoctorReport {
  ok: boolean;
  target: DoctorTarget;
  /** The spec client whose files were used, if any. */
  client?: string;
  stages: StageResult[];
  causeId?: CauseId;
  cause?: string;
  fix?: string;
}

export interface Examination {
  target: DoctorTarget;
  credentials: Credentials;
  now: Date;
  /** The spec's settings of the listener's server, when it is one of the spec's. */
  broker?: BrokerSettings;
  /** Per stage; probe's default when absent. */
  timeoutMs?: number;
}

export async function examine(examination: Examination): Promise<DoctorReport> {
  const { target, credentials, timeoutMs } = examination;
  const observations = await probe(target, credentials.material, timeoutMs);
  const alternatives = await Promise.all(
    followUpsFor(observations).map((alternative) => probe(alternative, credentials.material, timeoutMs)),
  );
  const diagnosis = diagnose({
    now: examination.now,
    observations,
    alternatives,
    client: credentials.client,
    clientName: credentials.clientName,
    caGiven: credentials.material.ca !== undefined,
    serverChain: observations.tls ? judgeServerChain(observations.tls.peerChain, credentials.caPems) : undefined,
    broker: examination.broker,
    crlPlaces: credentials.crlPlaces,
  });
  return {
    ok: diagnosis.ok,
    target,
    client: credentials.clientName,
    stages: diagnosis.stages,
    causeId: diagnosis.cause?.id,
    cause: diagnosis.cause?.cause,
    fix: diagnosis.cause?.fix,
  };
}

export function settingsOf(server: ServerSpec): BrokerSettings {
  return {
    server: server.name,
    requireCertificate: server.requireCertificate,
    identityAsUsername: server.identityAsUsername,
  };
}

/** The spec's server with a listener on this port, so causes can speak of its settings. */
export function brokerFor(spec: Spec, target: DoctorTarget): BrokerSettings | undefined {
  const server = spec.servers.find((candidate) =>
    candidate.listeners.some((listener) => listener.port === target.port),
  );
  return server && settingsOf(server);
}
