import { alertOf, describeAlert } from "./alerts.js";
import { causes, quoted, type Cause, type Wording } from "./causes.js";
import { RANK, type DoctorInput, type Findings } from "./findings.js";
import { speaksMqtt, speaksTls, speaksWebSocket } from "./followUps.js";
import type { ErrorObservation } from "./observations.js";
import { usesTls, type DoctorTarget } from "./target.js";

/** The "websocket upgrade" and "MQTT CONNECT" lines, and the wrong protocol an extra attempt can prove. */

function errorText(error: ErrorObservation | undefined): string {
  const alert = alertOf(error);
  if (alert) return `the broker sent ${describeAlert(alert)}`;
  return error?.code ?? error?.message ?? "failed";
}

export function checkWebSocket(input: DoctorInput, found: Findings, wording: Wording): void {
  const { websocket, target } = input.observations;
  if (!websocket) return;
  if (websocket.ok) {
    found.pass("websocket upgrade", `HTTP 101 on ${target.path}, subprotocol ${websocket.subprotocol ?? "none"}`);
    return;
  }
  if (websocket.statusCode !== undefined) {
    found.fail(
      "websocket upgrade",
      `HTTP ${websocket.statusCode} on ${target.path}`,
      RANK.websocket,
      causes.websocketRefused(websocket.error?.message ?? `HTTP ${websocket.statusCode}`, wording),
    );
    return;
  }
  const detail = websocket.timedOut
    ? "no answer in time"
    : `the connection ended without an HTTP answer (${errorText(websocket.error)})`;
  const cause = wrongProtocolCause(input, wording) ?? causes.websocketRefused(detail, wording);
  found.fail("websocket upgrade", detail, RANK.websocket, cause);
}

/** The port speaks another protocol than the one sent, as an extra attempt proved. */
function wrongProtocolCause(input: DoctorInput, wording: Wording): Cause | undefined {
  const { target } = input.observations;
  const alternative = (protocol: DoctorTarget["protocol"]) =>
    input.alternatives.find((alt) => alt.target.protocol === protocol);
  if (!usesTls(target.protocol)) {
    const secured = alternative(target.protocol === "ws" ? "wss" : "mqtts");
    if (secured && speaksTls(secured)) return causes.plainToTlsPort(wording);
    const mqtt = alternative("mqtt");
    return target.protocol === "ws" && mqtt && speaksMqtt(mqtt) ? causes.wssToMqttPort(wording) : undefined;
  }
  if (target.protocol === "wss") {
    const mqtts = alternative("mqtts");
    return mqtts && speaksMqtt(mqtts) ? causes.wssToMqttPort(wording) : undefined;
  }
  const wss = alternative("wss");
  return wss && speaksWebSocket(wss) ? causes.mqttsToWebsocketsPort(undefined, wording) : undefined;
}

const CONNACK_MEANING: Record<number, string> = {
  0: "connection accepted",
  1: "unacceptable protocol version",
  2: "identifier rejected",
  3: "server unavailable",
  4: "bad user name or password",
  5: "not authorized",
  0x86: "bad user name or password",
  0x87: "not authorized",
  0x8c: "bad authentication method",
};

export function checkMqtt(input: DoctorInput, found: Findings, wording: Wording): void {
  const { mqtt, tls } = input.observations;
  if (!mqtt) return;
  const connack = mqtt.connack;
  if (connack) {
    const meaning = CONNACK_MEANING[connack.returnCode] ?? "refused";
    const detail = `CONNACK ${connack.returnCode} (${meaning})`;
    if (connack.returnCode === 0) return found.pass("MQTT CONNECT", detail);
    const certSent = tls?.clientCertSent ?? false;
    const cause =
      connack.returnCode === 4 || connack.returnCode === 0x86
        ? causes.connackBadCredentials(connack.returnCode, certSent, input.broker)
        : connack.returnCode === 5 || connack.returnCode === 0x87
          ? causes.connackNotAuthorized(connack.returnCode, certSent ? input.client?.cert : undefined)
          : causes.connackRefused(connack.returnCode, meaning);
    return found.fail("MQTT CONNECT", detail, RANK.mqtt, cause);
  }
  const reply = mqtt.unexpectedReply;
  if (reply?.startsWith("HTTP/")) {
    return found.fail(
      "MQTT CONNECT",
      `the broker answered ${quoted(reply)} instead of a CONNACK`,
      RANK.mqtt,
      causes.mqttsToWebsocketsPort(reply, wording),
    );
  }
  const detail = mqtt.timedOut
    ? "no CONNACK in time"
    : reply
      ? `the broker answered ${quoted(reply)} instead of a CONNACK`
      : `the connection closed without a CONNACK (${errorText(mqtt.error)})`;
  const cause = wrongProtocolCause(input, wording) ?? causes.noConnack(detail);
  found.fail("MQTT CONNECT", detail, RANK.mqtt, cause);
}
