/** One import point for end-to-end test helpers. */
export * from "./ports.js";
export * from "./workdir.js";
export * from "./processes.js";
export * from "./mosquitto.js";
export * from "./openssl.js";
