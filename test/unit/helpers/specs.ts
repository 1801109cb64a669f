/** Hand-built resolved specs for unit tests (what parseSpec would return, without going through YAML). */
import type { CaSpec, ClientSpec, ListenerSpec, ServerSpec, Spec } from "../../../src/spec/types.js";

export function caSpec(overrides: Partial<CaSpec> = {}): CaSpec {
  return {
    cn: "Test Root CA",
    o: "Test Org",
    key: "ec-p256",
    days: 3650,
    crlDays: 30,
    encryptKey: false,
    ...overrides,
  };
}

export function listener(overrides: Partial<ListenerSpec> = {}): ListenerSpec {
  return { port: 8883, protocol: "mqtt", path: "/mqtt", ...overrides };
}

export function serverSpec(overrides: Partial<ServerSpec> = {}): ServerSpec {
  return {
    name: "broker",
    cn: "mqtt.example.com",
    dns: ["mqtt.example.com", "localhost"],
    ip: ["127.0.0.1", "::1"],
    host: "localhost",
    listeners: [listener(), listener({ port: 8884, protocol: "websockets" })],
    requireCertificate: true,
    identityAsUsername: true,
    key: "ec-p256",
    days: 397,
    user: "mosquitto",
    ...overrides,
  };
}

export function clientSpec(overrides: Partial<ClientSpec> = {}): ClientSpec {
  const name = overrides.name ?? "sensor-001";
  // deviceKey: the key lives on the device (src is adding it); false = mqtt-pki makes the key.
  return {
    name,
    cn: name,
    key: "ec-p256",
    days: 397,
    topic: `mqtt-pki/${name}/hello`,
    deviceKey: false,
    password: false,
    acl: [],
    ...overrides,
  } as ClientSpec;
}

export function fullSpec(overrides: Partial<Spec> = {}): Spec {
  const out = overrides.out ?? "/tmp/mqtt-pki-test/pki";
  return {
    version: 1,
    file: "/tmp/mqtt-pki-test/pki.yaml",
    out,
    deployDir: out,
    defaults: { key: "ec-p256", days: 397, renewBeforeDays: 30, password: false, acl: [] },
    ca: caSpec(),
    servers: [serverSpec()],
    clients: [clientSpec(), clientSpec({ name: "sensor-002", cn: "sensor-002.plant-a" })],
    ...overrides,
  };
}

/** Two servers: broker (mqtts 8883 + wss 8884 /mqtt), edge (mqtts 9883 bound + wss 9443 /ws, TLS 1.2 only). */
export function twoServerSpec(overrides: Partial<Spec> = {}): Spec {
  return fullSpec({
    servers: [
      serverSpec(),
      serverSpec({
        name: "edge",
        cn: "edge.example.com",
        dns: ["edge.example.com"],
        ip: [],
        host: "edge.example.com",
        tlsVersion: "tlsv1.2",
        listeners: [
          listener({ port: 9883, bind: "192.0.2.1" }),
          listener({ port: 9443, protocol: "websockets", path: "/ws" }),
        ],
      }),
    ],
    ...overrides,
  });
}
