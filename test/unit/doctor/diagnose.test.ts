/**
 * diagnose() over hand-made observations: every cause doctor must name, without a network.
 * The observations mirror what the probe recorded against mosquitto 2.0.11 (see the e2e suite).
 */
import { diagnose } from "../../../src/doctor/diagnose.js";
import { alert, cert, chain, clientFacts, failing, input, observed, target, tls } from "../helpers/doctorInputs.js";

describe("diagnose: a working connection", () => {
  test("mqtts: every stage ✓, no cause", () => {
    const result = diagnose(input());
    expect(result.ok).toBe(true);
    expect(result.cause).toBeUndefined();
    expect(result.stages.map((stage) => stage.stage)).toEqual([
      "client files",
      "TCP connect",
      "TLS handshake",
      "server certificate",
      "trust",
      "hostname",
      "client certificate",
      "MQTT CONNECT",
    ]);
    expect(result.stages.every((stage) => stage.ok)).toBe(true);
    expect(result.stages.find((s) => s.stage === "TLS handshake")?.detail).toContain("TLSv1.3, TLS_AES_256_GCM_SHA384");
  });

  test("wss: the websocket upgrade is a stage of its own", () => {
    const result = diagnose(
      input({
        observations: observed({
          target: target({ protocol: "wss", port: 8884 }),
          websocket: { ok: true, statusCode: 101, subprotocol: "mqtt" },
        }),
      }),
    );
    expect(result.ok).toBe(true);
    expect(result.stages.map((stage) => stage.stage)).toContain("websocket upgrade");
  });
});

describe("diagnose: the twelve causes", () => {
  test("1a. no CA file: the private CA is not in the system store", () => {
    const r = failing({
      caGiven: false,
      serverChain: chain({ caFileCns: [], trustedBy: undefined }),
      observations: observed({ tls: tls({ authorized: false, authorizationError: "SELF_SIGNED_CERT_IN_CHAIN" }) }),
    });
    expect(r.cause?.id).toBe("no-ca");
    expect(r.failed).toEqual(["trust"]);
    expect(r.text).toContain("SELF_SIGNED_CERT_IN_CHAIN");
    expect(r.text).toContain("--cafile");
  });

  test("1b. the wrong CA file: names both CAs", () => {
    const r = failing({
      serverChain: chain({ caFileCns: ["Other CA"], trustedBy: undefined }),
      observations: observed({ tls: tls({ authorized: false, authorizationError: "SELF_SIGNED_CERT_IN_CHAIN" }) }),
    });
    expect(r.cause?.id).toBe("wrong-ca");
    expect(r.text).toContain('"Other CA"');
    expect(r.text).toContain('"Test Root CA"');
  });

  test("2. TLS 1.2: the broker does not trust the client's issuer (alert 48 in the handshake)", () => {
    const r = failing({
      client: clientFacts({}, { issuerCn: "Foreign CA" }),
      observations: observed({
        tls: tls({
          ok: false,
          protocol: undefined,
          authorized: undefined,
          error: alert("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", 48),
        }),
        mqtt: undefined,
      }),
    });
    expect(r.cause?.id).toBe("client-ca-untrusted");
    expect(r.failed).toEqual(["TLS handshake"]);
    expect(r.text).toContain("unknown_ca (48)");
    expect(r.text).toContain('"Foreign CA"');
  });

  test("2. TLS 1.3: the same alert arrives on the first read, after the handshake", () => {
    const r = failing({
      observations: observed({ mqtt: { ok: false, error: alert("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", 48) } }),
    });
    expect(r.cause?.id).toBe("client-ca-untrusted");
    expect(r.failed).toEqual(["client certificate"]);
    expect(r.text).toContain("after the TLS 1.3 handshake");
    expect(r.stages.map((s) => s.stage)).not.toContain("MQTT CONNECT");
  });

  test("3. TLS 1.2: no client certificate sent, handshake_failure (40)", () => {
    const r = failing({
      client: undefined,
      observations: observed({
        tls: tls({ ok: false, clientCertSent: false, error: alert("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", 40) }),
        mqtt: undefined,
      }),
    });
    expect(r.cause?.id).toBe("client-cert-required");
    expect(r.text).toContain("handshake_failure (40)");
  });

  test("3. TLS 1.3: certificate_required (116) on the first read, also over wss", () => {
    const mqtts = failing({
      client: undefined,
      observations: observed({
        tls: tls({ clientCertSent: false }),
        mqtt: { ok: false, error: alert("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", 116) },
      }),
    });
    expect(mqtts.cause?.id).toBe("client-cert-required");
    expect(mqtts.text).toContain("certificate_required (116)");
    const wss = failing({
      client: undefined,
      observations: observed({
        target: target({ protocol: "wss" }),
        tls: tls({ clientCertSent: false }),
        websocket: { ok: false, error: alert("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", 116) },
        mqtt: undefined,
      }),
    });
    expect(wss.cause?.id).toBe("client-cert-required");
    expect(wss.stages.map((s) => s.stage)).not.toContain("websocket upgrade");
  });

  test("4. client certificate expired: our own check, before the broker's alert 45", () => {
    const r = failing({
      client: clientFacts({}, { notAfter: new Date("2030-05-01T00:00:00Z") }),
      observations: observed({
        tls: tls({ ok: false, error: alert("ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED", 45) }),
        mqtt: undefined,
      }),
    });
    expect(r.cause?.id).toBe("client-cert-expired");
    expect(r.failed).toEqual(["client files", "TLS handshake"]);
    expect(r.text).toContain("2030-05-01 00:00 UTC");
    expect(r.text).toContain("mqtt-pki rotate alice");
  });

  test("4. client certificate not yet valid", () => {
    const r = failing({ client: clientFacts({}, { notBefore: new Date("2030-07-01T00:00:00Z") }) });
    expect(r.cause?.id).toBe("client-cert-not-yet-valid");
  });

  test("4. alert 45 for a valid certificate, no CRL at hand: the broker's CRL (or clock), not the certificate (more in crlLapse.test.ts)", () => {
    const r = failing({
      client: clientFacts({ crlChecked: false }),
      observations: observed({ mqtt: { ok: false, error: alert("ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED", 45) } }),
    });
    expect(r.cause?.id).toBe("broker-crl-unseen");
    expect(r.text).toContain("certificate_expired (45)");
  });

  test("5. server certificate expired", () => {
    const r = failing({
      serverChain: chain({ leaf: cert({ notAfter: new Date("2030-05-30T00:00:00Z") }) }),
      broker: { server: "broker", requireCertificate: true, identityAsUsername: true },
    });
    expect(r.cause?.id).toBe("server-cert-expired");
    expect(r.failed).toEqual(["server certificate"]);
    expect(r.text).toContain("mqtt-pki rotate broker");
  });

  test("6. hostname not in the SAN: says what the SAN holds", () => {
    const r = failing({
      observations: observed({ target: target({ host: "10.0.0.5" }) }),
      serverChain: chain({ leaf: cert({ dns: ["mqtt.example.com", "localhost"], ip: ["127.0.0.1"] }) }),
      broker: { server: "broker", requireCertificate: true, identityAsUsername: true },
    });
    expect(r.cause?.id).toBe("hostname-mismatch");
    expect(r.text).toContain("DNS:mqtt.example.com, DNS:localhost, IP:127.0.0.1");
    expect(r.text).toContain("ip list");
  });

  test("6. --servername is what the SAN must cover", () => {
    const r = failing({ observations: observed({ target: target({ servername: "mqtt.other.net" }) }) });
    expect(r.cause?.id).toBe("hostname-mismatch");
    expect(r.cause?.cause).toContain("mqtt.other.net");
  });

  test("7. CA and server share a CN and OpenSSL refuses the chain", () => {
    const r = failing({
      serverChain: chain({ cnClash: "mqtt.example.com" }),
      observations: observed({ tls: tls({ authorized: false, authorizationError: "DEPTH_ZERO_SELF_SIGNED_CERT" }) }),
    });
    expect(r.cause?.id).toBe("ca-cn-clash");
    expect(r.text).toContain('"mqtt.example.com"');
  });

  test("7. a CN clash that this OpenSSL still accepts is a note, not a failure", () => {
    const result = diagnose(input({ serverChain: chain({ cnClash: "mqtt.example.com" }) }));
    expect(result.ok).toBe(true);
    expect(result.stages.find((s) => s.stage === "trust")?.detail).toContain("shares the CN");
  });

  test("8. TLS version mismatch: alert 70, and the version the broker accepts", () => {
    const tried = target({ tlsVersion: "tlsv1.2" });
    const r = failing({
      observations: observed({
        target: tried,
        tls: tls({ ok: false, peerChain: [], error: alert("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION", 70) }),
        mqtt: undefined,
      }),
      serverChain: undefined,
      alternatives: [observed({ target: { ...tried, tlsVersion: "tlsv1.3" } })],
    });
    expect(r.cause?.id).toBe("tls-version-mismatch");
    expect(r.text).toContain("refused TLS 1.2");
    expect(r.text).toContain("accepts TLS 1.3");
    expect(r.text).toContain("--tls-version tlsv1.3");
  });

  test("9a. plain MQTT sent to a TLS port", () => {
    const plain = target({ protocol: "mqtt" });
    const r = failing({
      serverChain: undefined,
      observations: {
        target: plain,
        tcp: { ok: true },
        mqtt: { ok: false, error: { code: "ECONNRESET", message: "read ECONNRESET" } },
      },
      alternatives: [observed({ target: { ...plain, protocol: "mqtts" } })],
    });
    expect(r.cause?.id).toBe("plain-to-tls-port");
    expect(r.text).toContain("mqtts://");
  });

  test("9b. TLS sent to a plain MQTT port", () => {
    const r = failing({
      serverChain: undefined,
      observations: observed({
        tls: tls({ ok: false, peerChain: [], error: { code: "ECONNRESET", message: "read ECONNRESET" } }),
        mqtt: undefined,
      }),
      alternatives: [
        {
          target: target({ protocol: "mqtt" }),
          tcp: { ok: true },
          mqtt: { ok: false, connack: { returnCode: 5, sessionPresent: false } },
        },
      ],
    });
    expect(r.cause?.id).toBe("tls-to-plain-port");
    expect(r.text).toContain("plain MQTT");
  });

  test("9c. mqtts sent to a websockets port: it answers HTTP", () => {
    const r = failing({
      observations: observed({
        target: target({ port: 8884 }),
        mqtt: { ok: false, unexpectedReply: "HTTP/1.0 403 Forbidden" },
      }),
    });
    expect(r.cause?.id).toBe("mqtts-to-websockets-port");
    expect(r.text).toContain("wss://localhost:8884/mqtt");
    expect(r.text).toContain("MQTTX");
  });

  test("9d. wss sent to an MQTT-over-TLS port: the upgrade is dropped, a CONNACK comes back", () => {
    const wss = target({ protocol: "wss" });
    const r = failing({
      observations: observed({
        target: wss,
        websocket: { ok: false, error: { code: "ECONNRESET", message: "socket hang up" } },
        mqtt: undefined,
      }),
      alternatives: [observed({ target: { ...wss, protocol: "mqtts" } })],
    });
    expect(r.cause?.id).toBe("wss-to-mqtt-port");
    expect(r.text).toContain("mqtts://localhost:8883");
  });

  test("10. key and certificate differ: caught before connecting", () => {
    const r = failing({
      client: clientFacts({ keyMatches: false }),
      observations: observed({
        tls: tls({
          ok: false,
          localError: true,
          peerChain: [],
          error: { code: "ERR_OSSL_X509_KEY_VALUES_MISMATCH", message: "key values mismatch" },
        }),
        mqtt: undefined,
      }),
      serverChain: undefined,
    });
    expect(r.cause?.id).toBe("client-key-mismatch");
    expect(r.failed[0]).toBe("client files");
  });

  test("11. CONNACK 4 without a certificate on a use_identity_as_username listener", () => {
    const r = failing({
      client: undefined,
      observations: observed({
        tls: tls({ clientCertSent: false }),
        mqtt: { ok: false, connack: { returnCode: 4, sessionPresent: false } },
      }),
      broker: { server: "lax", requireCertificate: false, identityAsUsername: true },
    });
    expect(r.cause?.id).toBe("connack-bad-credentials");
    expect(r.text).toContain("use_identity_as_username");
    expect(r.text).toContain("TLS worked");
  });

  test("11. CONNACK 5 with a certificate: use_identity_as_username, allow_anonymous, password_file", () => {
    const r = failing({
      observations: observed({ mqtt: { ok: false, connack: { returnCode: 5, sessionPresent: false } } }),
    });
    expect(r.cause?.id).toBe("connack-not-authorized");
    expect(r.text).toContain("allow_anonymous false");
    expect(r.text).toContain("use_identity_as_username true");
    expect(r.text).toContain("password_file");
  });

  test("12. revoked: the tree's CRL lists the serial", () => {
    const r = failing({
      client: clientFacts({ revocation: { revokedAt: new Date("2030-05-02T00:00:00Z"), reason: "keyCompromise" } }),
      observations: observed({ mqtt: { ok: false, error: alert("ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED", 44) } }),
    });
    expect(r.cause?.id).toBe("client-cert-revoked");
    expect(r.text).toContain("keyCompromise");
    expect(r.text).toContain("0a1b");
  });

  test("12. revoked: without a CRL at hand, the broker's alert 44 says it", () => {
    const r = failing({
      client: clientFacts({ crlChecked: false }),
      observations: observed({
        tls: tls({ ok: false, error: alert("ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED", 44) }),
        mqtt: undefined,
      }),
    });
    expect(r.cause?.id).toBe("client-cert-revoked");
    expect(r.text).toContain("certificate_revoked (44)");
  });
});

describe("diagnose: order and other failures", () => {
  test("a server the client cannot trust outranks the broker's verdict on the client", () => {
    const r = failing({
      serverChain: chain({ caFileCns: ["Other CA"], trustedBy: undefined }),
      observations: observed({
        tls: tls({ ok: false, error: alert("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", 48) }),
        mqtt: undefined,
      }),
    });
    expect(r.failed).toEqual(["TLS handshake", "trust"]);
    expect(r.cause?.id).toBe("wrong-ca");
  });

  test("connection refused stops the walk", () => {
    const r = failing({
      client: undefined,
      serverChain: undefined,
      observations: {
        target: target(),
        tcp: { ok: false, error: { code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:8883" } },
      },
    });
    expect(r.cause?.id).toBe("tcp-refused");
    expect(r.stages).toHaveLength(1);
  });

  test("an unknown host", () => {
    const r = failing({
      client: undefined,
      serverChain: undefined,
      observations: {
        target: target({ host: "nope.invalid" }),
        tcp: { ok: false, error: { code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND" } },
      },
    });
    expect(r.cause?.id).toBe("host-unknown");
  });

  test("no CONNACK in time", () => {
    const r = failing({ observations: observed({ mqtt: { ok: false, timedOut: true } }) });
    expect(r.cause?.id).toBe("no-connack");
  });
});
