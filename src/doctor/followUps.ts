import { alertOf } from "./alerts.js";
import type { Observations } from "./observations.js";
import { usesTls, type DoctorTarget } from "./target.js";
import { TLS_VERSIONS } from "../spec/types.js";

/**
 * Some failures look alike from the client's side (a reset is a reset); one more attempt
 * with another protocol or TLS version on the same port tells them apart. Pure: it only
 * says which attempts to make; the API runs them and diagnose reads them.
 */
export function followUpsFor(observations: Observations): DoctorTarget[] {
  const { target, tcp, tls, websocket, mqtt } = observations;
  if (!tcp.ok) return [];
  if (tls && !tls.ok) {
    if (tls.localError || tls.timedOut) return [];
    const alert = alertOf(tls.error);
    if (alert?.number === 70)
      return TLS_VERSIONS.filter((version) => version !== target.tlsVersion).map((tlsVersion) => ({
        ...target,
        tlsVersion,
      }));
    // Nothing TLS came back at all: does the port speak MQTT or websockets without TLS?
    if (!alert && tls.peerChain.length === 0)
      return [
        { ...target, protocol: "mqtt" },
        { ...target, protocol: "ws" },
      ];
    return [];
  }
  const droppedUpgrade =
    websocket &&
    !websocket.ok &&
    websocket.statusCode === undefined &&
    !websocket.timedOut &&
    !alertOf(websocket.error);
  const droppedConnect =
    mqtt && !mqtt.connack && !mqtt.timedOut && !alertOf(mqtt.error) && !mqtt.unexpectedReply?.startsWith("HTTP/");
  if (!usesTls(target.protocol)) {
    // A client without TLS: does the port want TLS (or, for websockets, plain MQTT)?
    if (droppedUpgrade)
      return [
        { ...target, protocol: "wss" },
        { ...target, protocol: "mqtt" },
      ];
    if (droppedConnect) return [{ ...target, protocol: "mqtts" }];
    return [];
  }
  if (target.protocol === "wss" && droppedUpgrade) return [{ ...target, protocol: "mqtts" }];
  if (target.protocol === "mqtts" && droppedConnect) return [{ ...target, protocol: "wss" }];
  return [];
}

/** What an extra attempt proved about the port. */
export function speaksMqtt(observations: Observations): boolean {
  return observations.mqtt?.connack !== undefined;
}

export function speaksWebSocket(observations: Observations): boolean {
  return observations.websocket?.statusCode === 101;
}

/** A completed handshake or an alert: either way the other side speaks TLS. */
export function speaksTls(observations: Observations): boolean {
  const tls = observations.tls;
  return tls !== undefined && (tls.ok || alertOf(tls.error) !== undefined || tls.peerChain.length > 0);
}
