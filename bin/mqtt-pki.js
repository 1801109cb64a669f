#!/usr/bin/env node
// The CLI is bundled into dist/bundle/ (built by `npm ci` through the prepare script, or `npm run build`).
import { main } from "../dist/bundle/cli.js";

// A closed pipe (`mqtt-pki verify | head`) is not an error worth a stack trace.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
