import { causes, type Wording } from "./causes.js";
import { judgeClientFiles } from "./clientFilesStage.js";
import { checkClientCertificate } from "./clientCertStage.js";
import { Findings, RANK, type Diagnosis, type DoctorInput } from "./findings.js";
import { checkMqtt, checkWebSocket } from "./mqttStages.js";
import type { Observations } from "./observations.js";
import { checkHandshake, checkServerChain } from "./tlsStages.js";

/**
 * Observations and local facts in, ✓/✗ lines and the first failure's cause and fix out.
 * Pure: unit tests feed it hand-made observations. This file runs the stages in the order a
 * client meets them; tlsStages.ts, clientCertStage.ts and mqttStages.ts judge the later ones.
 */

export type { BrokerSettings, Diagnosis, DoctorInput, StageResult } from "./findings.js";

export function diagnose(input: DoctorInput): Diagnosis {
  const { observations: obs } = input;
  const found = new Findings();
  const wording: Wording = { target: obs.target, clientName: input.clientName, serverName: input.broker?.server };
  checkClientFiles(input, found, wording);
  if (!checkTcp(obs, found, wording)) return found.result();
  if (obs.tls) {
    checkHandshake(input, obs.tls, found, wording);
    if (input.serverChain) checkServerChain(input, input.serverChain, obs.tls, found, wording);
  }
  const lateAlert = checkClientCertificate(input, found, wording);
  if (lateAlert) return found.result();
  checkWebSocket(input, found, wording);
  checkMqtt(input, found, wording);
  return found.result();
}

function checkClientFiles(input: DoctorInput, found: Findings, wording: Wording): void {
  if (!input.client) return;
  const verdict = judgeClientFiles({ client: input.client, now: input.now, wording, crlPlaces: input.crlPlaces });
  if (verdict.cause) found.fail("client files", verdict.detail, RANK.local, verdict.cause);
  else found.pass("client files", verdict.detail);
}

function checkTcp(obs: Observations, found: Findings, wording: Wording): boolean {
  const { host, port } = obs.target;
  if (obs.tcp.ok) {
    found.pass(
      "TCP connect",
      `${host}:${port}${obs.tcp.remoteAddress && obs.tcp.remoteAddress !== host ? ` (${obs.tcp.remoteAddress})` : ""} accepted the connection`,
    );
    return true;
  }
  const code = obs.tcp.error?.code;
  const detail = obs.tcp.timedOut ? "no answer in time" : (obs.tcp.error?.message ?? "failed");
  const cause =
    code === "ECONNREFUSED"
      ? causes.tcpRefused(wording)
      : code === "ENOTFOUND" || code === "EAI_AGAIN"
        ? causes.hostUnknown(wording)
        : causes.tcpUnreachable(wording, obs.tcp.timedOut ? "no answer in time" : (code ?? detail));
  found.fail("TCP connect", `${host}:${port}: ${detail}`, RANK.tcp, cause);
  return false;
}
