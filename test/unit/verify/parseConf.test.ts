import { listenerOption, parseMosquittoConf } from "../../../src/verify/parseConf.js";

const CONF = [
  "# generated", // 1
  "allow_anonymous false", // 2
  "user mosquitto", // 3
  "", // 4
  "# broker: MQTT over TLS", // 5
  "listener 8883", // 6
  "protocol mqtt", // 7
  "cafile /etc/pki/ca/ca.crt", // 8
  "require_certificate true", // 9
  "", // 10
  "listener 8884 127.0.0.1", // 11
  "  protocol   websockets  ", // 12
  "socket_domain ipv4", // 13
  "cafile /path with spaces/ca.crt", // 14
  "listener 8885 ::1", // 15
].join("\n");

describe("parseMosquittoConf", () => {
  const conf = parseMosquittoConf(CONF, "/etc/mosquitto/mosquitto.conf");

  test("keeps the file name", () => {
    expect(conf.file).toBe("/etc/mosquitto/mosquitto.conf");
  });

  test("options before the first listener are global, with their line numbers", () => {
    expect([...conf.global.keys()]).toEqual(["allow_anonymous", "user"]);
    expect(conf.global.get("allow_anonymous")).toEqual({ name: "allow_anonymous", value: "false", line: 2 });
    expect(conf.global.get("user")?.line).toBe(3);
  });

  test("each listener line opens a block with port, bind and line", () => {
    expect(conf.listeners.map((l) => ({ port: l.port, bind: l.bind, line: l.line }))).toEqual([
      { port: 8883, bind: undefined, line: 6 },
      { port: 8884, bind: "127.0.0.1", line: 11 },
      { port: 8885, bind: "::1", line: 15 },
    ]);
  });

  test("options after a listener line belong to that listener", () => {
    const [first, second, third] = conf.listeners;
    expect([...first.options.keys()]).toEqual(["protocol", "cafile", "require_certificate"]);
    expect(first.options.get("cafile")).toEqual({ name: "cafile", value: "/etc/pki/ca/ca.crt", line: 8 });
    expect(second.options.get("protocol")).toEqual({ name: "protocol", value: "websockets", line: 12 });
    expect(second.options.get("socket_domain")?.value).toBe("ipv4");
    expect(third.options.size).toBe(0);
    expect(conf.global.has("protocol")).toBe(false);
  });

  test("a value keeps its inner spaces", () => {
    expect(conf.listeners[1].options.get("cafile")?.value).toBe("/path with spaces/ca.crt");
  });

  test("comments and blank lines are skipped; CRLF line endings are tolerated", () => {
    const crlf = parseMosquittoConf("# c\r\nallow_anonymous false\r\n\r\nlistener 1883\r\nprotocol mqtt\r\n", "x");
    expect(crlf.global.get("allow_anonymous")?.value).toBe("false");
    expect(crlf.listeners[0].port).toBe(1883);
    expect(crlf.listeners[0].options.get("protocol")).toEqual({ name: "protocol", value: "mqtt", line: 5 });
  });

  test("an option without a value has an empty value", () => {
    expect(parseMosquittoConf("per_listener_settings\n", "x").global.get("per_listener_settings")).toEqual({
      name: "per_listener_settings",
      value: "",
      line: 1,
    });
  });

  test("a repeated option: the last one wins", () => {
    const conf2 = parseMosquittoConf("listener 1\ncafile /a\ncafile /b\n", "x");
    expect(conf2.listeners[0].options.get("cafile")).toEqual({ name: "cafile", value: "/b", line: 3 });
  });

  test("a listener without a number still opens a block, with no usable port (callers report it)", () => {
    const port = parseMosquittoConf("listener\nprotocol mqtt\n", "x").listeners[0].port;
    expect(Number.isInteger(port) && port > 0).toBe(false);
  });

  test("empty text: nothing", () => {
    const empty = parseMosquittoConf("", "x");
    expect(empty.global.size).toBe(0);
    expect(empty.listeners).toEqual([]);
  });
});

describe("listenerOption", () => {
  const conf = parseMosquittoConf(
    "cafile /global/ca.crt\nrequire_certificate false\nlistener 1\nrequire_certificate true\nlistener 2\n",
    "x",
  );

  test("listener value wins over global", () => {
    expect(listenerOption(conf, conf.listeners[0], "require_certificate")?.value).toBe("true");
  });

  test("falls back to the global section", () => {
    expect(listenerOption(conf, conf.listeners[1], "require_certificate")).toEqual({
      name: "require_certificate",
      value: "false",
      line: 2,
    });
    expect(listenerOption(conf, conf.listeners[0], "cafile")?.value).toBe("/global/ca.crt");
  });

  test("undefined when set nowhere", () => {
    expect(listenerOption(conf, conf.listeners[0], "tls_version")).toBeUndefined();
  });
});
