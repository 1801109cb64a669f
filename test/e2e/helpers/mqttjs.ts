/** MQTT.js (the `mqtt` package) as a real client for e2e tests: over mqtts or wss, MQTT 5. */
import { readFile } from "node:fs/promises";
import mqtt from "mqtt";

export interface ClientFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface Connection {
  client: mqtt.MqttClient;
  /** Every message received so far, as "topic payload". */
  received: string[];
  /** PUBACK reason code of a QoS 1 publish (0 accepted; 135 not authorized). */
  publish(topic: string, payload: string): Promise<number>;
  subscribe(filter: string): Promise<void>;
  end(): Promise<void>;
}

export interface ConnectOptions {
  protocol: "mqtts" | "wss";
  port: number;
  files: ClientFiles;
  username?: string;
  password?: string;
  clientId?: string;
}

const open: mqtt.MqttClient[] = [];

/** Connects and resolves with the connection, or rejects with the broker's or the TLS layer's answer. */
export async function connectClient(options: ConnectOptions): Promise<Connection> {
  const url = options.protocol === "wss" ? `wss://localhost:${options.port}/mqtt` : `mqtts://localhost:${options.port}`;
  const client = await mqtt.connectAsync(url, {
    ca: await readFile(options.files.ca),
    cert: await readFile(options.files.cert),
    key: await readFile(options.files.key),
    username: options.username,
    password: options.password,
    clientId: options.clientId,
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  open.push(client);
  const received: string[] = [];
  client.on("message", (topic, payload) => received.push(`${topic} ${payload.toString()}`));
  return {
    client,
    received,
    publish: async (topic, payload) => {
      try {
        const packet = await client.publishAsync(topic, payload, { qos: 1 });
        return (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0;
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (typeof code === "number") return code;
        throw error;
      }
    },
    subscribe: async (filter) => void (await client.subscribeAsync(filter, { qos: 1 })),
    end: () => client.endAsync(true),
  };
}

/** The outcome of a connection attempt as a short word: "connected", or the error's message. */
export async function connectOutcome(options: ConnectOptions): Promise<string> {
  try {
    const connection = await connectClient(options);
    await connection.end();
    return "connected";
  } catch (error) {
    return `refused: ${String((error as { message?: unknown })?.message ?? error)}`;
  }
}

/** Ends every client still open (afterEach). */
export async function endAllClients(): Promise<void> {
  await Promise.all(open.splice(0).map((client) => client.endAsync(true).catch(() => undefined)));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
