import type { Cause } from "./causes.js";
import type { CrlPlaces } from "./crlCauses.js";
import type { ClientFileFacts, ServerChainFacts } from "./localChecks.js";
import type { Observations } from "./observations.js";

/** What diagnose takes and gives, and the Findings that collect its lines and keep the cause of the earliest failure. */

/** What the spec says about the listener on this port, when it is one of the spec's. */
export interface BrokerSettings {
  server: string;
  requireCertificate: boolean;
  identityAsUsername: boolean;
}

export interface DoctorInput {
  now: Date;
  observations: Observations;
  /** Extra attempts on the same port (another protocol or TLS version), see followUps.ts. */
  alternatives: Observations[];
  /** The client certificate and key, checked before connecting; absent when none was given. */
  client?: ClientFileFacts;
  clientName?: string;
  caGiven: boolean;
  /** How the chain the server sent relates to our CA file; absent when no chain came. */
  serverChain?: ServerChainFacts;
  broker?: BrokerSettings;
  /** Where the CRL doctor read came from and where the broker keeps its own. */
  crlPlaces?: CrlPlaces;
}

export interface StageResult {
  stage: string;
  ok: boolean;
  detail: string;
}

export interface Diagnosis {
  ok: boolean;
  stages: StageResult[];
  cause?: Cause;
}

/**
 * Where a failure sits in the order a real client meets it; the lowest one is "the" cause.
 * The lines are printed in another order where that reads better: a TLS 1.2 handshake that
 * the broker aborted over the client's certificate fails on the handshake line, yet a client
 * that checks the server has already failed on an untrusted server certificate; and the
 * server certificate's line (with its dates) comes before the trust line, yet an untrusted
 * chain is the deeper problem than an expired one.
 */
export const RANK = {
  local: 0,
  tcp: 1,
  tls: 2,
  trust: 3,
  validity: 4,
  hostname: 5,
  clientCert: 6,
  websocket: 7,
  mqtt: 8,
} as const;

export class Findings {
  readonly stages: StageResult[] = [];
  private best?: { rank: number; cause: Cause };

  pass(stage: string, detail: string): void {
    this.stages.push({ stage, ok: true, detail });
  }

  fail(stage: string, detail: string, rank: number, cause: Cause): void {
    this.stages.push({ stage, ok: false, detail });
    if (!this.best || rank < this.best.rank) this.best = { rank, cause };
  }

  result(): Diagnosis {
    return { ok: this.best === undefined, stages: this.stages, cause: this.best?.cause };
  }
}
