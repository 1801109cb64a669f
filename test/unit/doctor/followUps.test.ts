import { alertOf } from "../../../src/doctor/alerts.js";
import { followUpsFor } from "../../../src/doctor/followUps.js";
import type { Observations } from "../../../src/doctor/observations.js";
import type { DoctorTarget } from "../../../src/doctor/target.js";

const target: DoctorTarget = { host: "localhost", port: 8883, protocol: "mqtts", path: "/mqtt" };
const reset = { code: "ECONNRESET", message: "read ECONNRESET" };

describe("alertOf", () => {
  test("reads OpenSSL's alert number", () => {
    expect(
      alertOf({ code: "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", message: "...tlsv1 alert unknown ca:...:SSL alert number 48" }),
    ).toEqual({ number: 48, name: "unknown_ca" });
  });

  test("falls back to Node's code", () => {
    expect(alertOf({ code: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", message: "certificate required" })).toEqual({
      number: 116,
      name: "certificate_required",
    });
  });

  test("a reset is no alert", () => {
    expect(alertOf(reset)).toBeUndefined();
  });
});

describe("followUpsFor", () => {
  test("nothing to add when everything worked", () => {
    const observations: Observations = {
      target,
      tcp: { ok: true },
      tls: { ok: true, peerChain: ["x"], clientCertSent: true },
      mqtt: { ok: true, connack: { returnCode: 0, sessionPresent: false } },
    };
    expect(followUpsFor(observations)).toEqual([]);
  });

  test("a TLS handshake that got no TLS back: try MQTT and websockets without TLS", () => {
    const protocols = followUpsFor({
      target,
      tcp: { ok: true },
      tls: { ok: false, peerChain: [], clientCertSent: true, error: reset },
    }).map((t) => t.protocol);
    expect(protocols).toEqual(["mqtt", "ws"]);
  });

  test("alert 70: try the other TLS versions", () => {
    const pinned = { ...target, tlsVersion: "tlsv1.2" as const };
    const next = followUpsFor({
      target: pinned,
      tcp: { ok: true },
      tls: { ok: false, peerChain: [], clientCertSent: true, error: { message: "SSL alert number 70" } },
    });
    expect(next.map((t) => t.tlsVersion)).toEqual(["tlsv1.3"]);
  });

  test("a dropped websocket upgrade after TLS: try MQTT over TLS", () => {
    const wss = { ...target, protocol: "wss" as const };
    const next = followUpsFor({
      target: wss,
      tcp: { ok: true },
      tls: { ok: true, peerChain: ["x"], clientCertSent: true },
      websocket: { ok: false, error: reset },
    });
    expect(next.map((t) => t.protocol)).toEqual(["mqtts"]);
  });

  test("a TLS 1.3 alert after the handshake needs no second attempt", () => {
    const next = followUpsFor({
      target,
      tcp: { ok: true },
      tls: { ok: true, peerChain: ["x"], clientCertSent: true },
      mqtt: { ok: false, error: { message: "SSL alert number 48" } },
    });
    expect(next).toEqual([]);
  });

  test("plain MQTT dropped: does the port want TLS?", () => {
    const plain = { ...target, protocol: "mqtt" as const };
    expect(
      followUpsFor({ target: plain, tcp: { ok: true }, mqtt: { ok: false, error: reset } }).map((t) => t.protocol),
    ).toEqual(["mqtts"]);
  });

  test("a plain websocket upgrade dropped: TLS websockets, or plain MQTT?", () => {
    const ws = { ...target, protocol: "ws" as const };
    expect(
      followUpsFor({ target: ws, tcp: { ok: true }, websocket: { ok: false, error: reset } }).map((t) => t.protocol),
    ).toEqual(["wss", "mqtt"]);
  });
});
