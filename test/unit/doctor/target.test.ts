import { PkiError } from "../../../src/errors.js";
import { listenerTargets, requestedTarget, serverNamed } from "../../../src/doctor/target.js";
import { fullSpec, serverSpec } from "../helpers/specs.js";

describe("requestedTarget", () => {
  test("fills in mqtts and the default websocket path", () => {
    expect(requestedTarget({ host: "localhost", port: 8883 })).toEqual({
      host: "localhost",
      port: 8883,
      protocol: "mqtts",
      path: "/mqtt",
      servername: undefined,
      tlsVersion: undefined,
    });
  });

  test.each([
    [{ port: 8883 }, /needs --host and --port/],
    [{ host: "localhost" }, /needs --host and --port/],
    [{ host: "localhost", port: 70000 }, /`70000` is not a TCP port/],
    [{ host: "localhost", port: 1.5 }, /`1.5` is not a TCP port/],
    [{ host: "localhost", port: 8884, path: "mqtt" }, /websocket path `mqtt` must start with \//],
  ])("refuses %j", (request, message) => {
    expect(() => requestedTarget(request)).toThrow(PkiError);
    expect(() => requestedTarget(request)).toThrow(message);
  });
});

describe("listenerTargets", () => {
  test("one target a listener, websockets dialled as wss, the server's TLS version unless one is pinned", () => {
    const server = serverSpec({ tlsVersion: "tlsv1.3" });
    expect(listenerTargets(server, { servername: "mqtt.example.com" })).toEqual([
      {
        host: "localhost",
        port: 8883,
        protocol: "mqtts",
        path: "/mqtt",
        servername: "mqtt.example.com",
        tlsVersion: "tlsv1.3",
      },
      {
        host: "localhost",
        port: 8884,
        protocol: "wss",
        path: "/mqtt",
        servername: "mqtt.example.com",
        tlsVersion: "tlsv1.3",
      },
    ]);
    expect(listenerTargets(server, { tlsVersion: "tlsv1.2" }).map((target) => target.tlsVersion)).toEqual([
      "tlsv1.2",
      "tlsv1.2",
    ]);
  });
});

describe("serverNamed", () => {
  test("names the servers there are when there is none of that name", () => {
    const pki = fullSpec({ servers: [serverSpec()] });
    expect(serverNamed(pki, "broker").name).toBe("broker");
    expect(() => serverNamed(pki, "other")).toThrow("no server named `other` in the spec");
  });
});
