import { describeListener, renderConfD, renderListenerBlock, renderMosquittoConf } from "../../../src/render/conf.js";
import { listenerOption, parseMosquittoConf } from "../../../src/verify/parseConf.js";
import { fullSpec, listener, serverSpec } from "../helpers/specs.js";

/** Non-comment, non-empty lines. */
function directives(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
}

describe("renderListenerBlock", () => {
  const spec = fullSpec();
  const server = spec.servers[0];

  test("an unbound MQTT listener", () => {
    const block = renderListenerBlock(spec, server, listener({ port: 8883 }));
    expect(directives(block)).toEqual([
      "listener 8883",
      "protocol mqtt",
      "cafile /tmp/mqtt-pki-test/pki/ca/ca.crt",
      "certfile /tmp/mqtt-pki-test/pki/servers/broker/server.crt",
      "keyfile /tmp/mqtt-pki-test/pki/servers/broker/server.key",
      "require_certificate true",
      "use_identity_as_username true",
    ]);
    expect(block.split("\n")[0]).toBe("# broker: MQTT over TLS (mqtts) on port 8883");
    expect(block.endsWith("\n")).toBe(false);
  });

  test("bind address goes on the listener line", () => {
    const block = renderListenerBlock(spec, server, listener({ port: 8883, bind: "127.0.0.1" }));
    expect(directives(block)[0]).toBe("listener 8883 127.0.0.1");
    expect(block).not.toMatch(/socket_domain/);
  });

  test("an unbound websockets listener: protocol websockets, no socket_domain", () => {
    const block = renderListenerBlock(spec, server, listener({ port: 8884, protocol: "websockets" }));
    expect(directives(block).slice(0, 2)).toEqual(["listener 8884", "protocol websockets"]);
    expect(block).not.toMatch(/socket_domain/);
    expect(block.split("\n")[0]).toMatch(/secure websockets/);
  });

  test("a bound websockets listener gets socket_domain ipv4 (and the check-with-ss note)", () => {
    const block = renderListenerBlock(
      spec,
      server,
      listener({ port: 8884, protocol: "websockets", bind: "127.0.0.1" }),
    );
    const lines = directives(block);
    expect(lines).toContain("socket_domain ipv4");
    expect(lines.indexOf("socket_domain ipv4")).toBeGreaterThan(lines.indexOf("listener 8884 127.0.0.1"));
    expect(block).toMatch(/only 127\.0\.0\.1 is listening/);
  });

  test("a websockets listener bound to IPv6 gets socket_domain ipv6", () => {
    const block = renderListenerBlock(spec, server, listener({ port: 8884, protocol: "websockets", bind: "::1" }));
    expect(directives(block)).toContain("socket_domain ipv6");
    expect(directives(block)).not.toContain("socket_domain ipv4");
  });

  test("tls_version only when set", () => {
    expect(renderListenerBlock(spec, server, listener())).not.toMatch(/tls_version/);
    const withTls = renderListenerBlock(spec, serverSpec({ tlsVersion: "tlsv1.3" }), listener());
    expect(directives(withTls)).toContain("tls_version tlsv1.3");
  });

  test("requireCertificate / identityAsUsername false are written as false", () => {
    const block = renderListenerBlock(
      spec,
      serverSpec({ requireCertificate: false, identityAsUsername: false }),
      listener(),
    );
    expect(directives(block)).toEqual(
      expect.arrayContaining(["require_certificate false", "use_identity_as_username false"]),
    );
  });

  test("paths use deploy.dir when it differs from out", () => {
    const deployed = fullSpec({ deployDir: "/etc/mosquitto/certs" });
    const block = renderListenerBlock(deployed, deployed.servers[0], listener());
    expect(directives(block)).toEqual(
      expect.arrayContaining([
        "cafile /etc/mosquitto/certs/ca/ca.crt",
        "certfile /etc/mosquitto/certs/servers/broker/server.crt",
        "keyfile /etc/mosquitto/certs/servers/broker/server.key",
      ]),
    );
    expect(block).not.toContain("/tmp/mqtt-pki-test");
  });

  test("crlfile only with the crlFile option", () => {
    expect(renderListenerBlock(spec, server, listener())).not.toMatch(/crlfile/);
    const block = renderListenerBlock(fullSpec({ deployDir: "/etc/mosquitto/certs" }), server, listener(), {
      crlFile: true,
    });
    expect(directives(block)).toContain("crlfile /etc/mosquitto/certs/ca/crl.pem");
  });

  test("during a CA rotation (bundle) cafile is the bundle under deploy.dir", () => {
    const deployed = fullSpec({ deployDir: "/etc/mosquitto/certs" });
    const block = renderListenerBlock(deployed, deployed.servers[0], listener(), { bundle: true });
    expect(directives(block)).toContain("cafile /etc/mosquitto/certs/ca/bundle.crt");
    expect(block).not.toContain("ca/ca.crt");
    const conf = parseMosquittoConf(renderMosquittoConf(deployed, { bundle: true, crlFile: true }), "x");
    for (const l of conf.listeners) {
      expect(l.options.get("cafile")?.value).toBe("/etc/mosquitto/certs/ca/bundle.crt");
      expect(l.options.get("crlfile")?.value).toBe("/etc/mosquitto/certs/ca/crl.pem");
    }
  });

  test("describeListener", () => {
    expect(describeListener(listener())).toBe("MQTT over TLS (mqtts)");
    expect(describeListener(listener({ protocol: "websockets" }))).toBe("MQTT over secure websockets (wss)");
  });
});

describe("renderMosquittoConf", () => {
  test("global section: allow_anonymous false, before any listener; every listener of every server", () => {
    const spec = fullSpec({
      servers: [
        serverSpec(),
        serverSpec({
          name: "second",
          cn: "second.example.com",
          dns: ["second.example.com"],
          ip: [],
          host: "second.example.com",
          listeners: [listener({ port: 9883, bind: "192.0.2.1" })],
        }),
      ],
    });
    const text = renderMosquittoConf(spec);
    const conf = parseMosquittoConf(text, "mosquitto.conf");
    expect(conf.global.get("allow_anonymous")?.value).toBe("false");
    expect(conf.global.has("user")).toBe(false);
    expect(conf.listeners.map((l) => [l.port, l.bind])).toEqual([
      [8883, undefined],
      [8884, undefined],
      [9883, "192.0.2.1"],
    ]);
    for (const l of conf.listeners) {
      expect(listenerOption(conf, l, "cafile")?.value).toBe("/tmp/mqtt-pki-test/pki/ca/ca.crt");
      expect(l.options.get("require_certificate")?.value).toBe("true");
    }
    expect(conf.listeners[2].options.get("certfile")?.value).toBe("/tmp/mqtt-pki-test/pki/servers/second/server.crt");
    expect(conf.listeners[1].options.get("protocol")?.value).toBe("websockets");
    expect(text).toContain("mosquitto -c /tmp/mqtt-pki-test/pki/mosquitto/mosquitto.conf");
    expect(text.split("\n")[0]).toBe("# mosquitto.conf generated by mqtt-pki from pki.yaml.");
  });

  test("one non-default user for all servers becomes a `user` line", () => {
    const text = renderMosquittoConf(fullSpec({ servers: [serverSpec({ user: "broker" })] }));
    expect(parseMosquittoConf(text, "x").global.get("user")?.value).toBe("broker");
  });

  test("the default user or conflicting users give no `user` line", () => {
    expect(renderMosquittoConf(fullSpec())).not.toMatch(/^user /m);
    const mixed = fullSpec({
      servers: [serverSpec({ user: "a" }), serverSpec({ name: "b", user: "b", listeners: [listener({ port: 9000 })] })],
    });
    expect(renderMosquittoConf(mixed)).not.toMatch(/^user /m);
  });

  test("the conf path in the header is under deploy.dir", () => {
    expect(renderMosquittoConf(fullSpec({ deployDir: "/etc/mosquitto/certs" }))).toContain(
      "mosquitto -c /etc/mosquitto/certs/mosquitto/mosquitto.conf",
    );
  });
});

describe("renderConfD", () => {
  test("only the given server's listeners, no global options", () => {
    const spec = fullSpec({
      servers: [serverSpec(), serverSpec({ name: "other", listeners: [listener({ port: 9999 })] })],
    });
    const text = renderConfD(spec, spec.servers[0]);
    const conf = parseMosquittoConf(text, "broker.conf");
    expect(conf.global.size).toBe(0);
    expect(conf.listeners.map((l) => l.port)).toEqual([8883, 8884]);
    expect(text).not.toContain("9999");
    expect(text).not.toMatch(/^allow_anonymous/m);
    expect(text).toContain('server "broker"');
  });
});
