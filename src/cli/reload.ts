import path from "node:path";
import type { BuildResult } from "../api/build.js";

/** The signal mosquitto reloads its CRL, password file and ACL on. */
export const RELOAD_COMMAND = "kill -HUP $(pidof mosquitto)";

/**
 * The exact reload step after a run that changed what a running broker reads: which files,
 * where they must go first when the broker reads a deployed copy, and the signal. Empty when
 * the broker needs nothing.
 */
export function reloadLines(result: BuildResult): string[] {
  const advice = result.reload;
  if (!advice) return [];
  const { spec } = result;
  const names = advice.changed.map((file) => path.relative(spec.out, file));
  const lines: string[] = [];
  const deployed = spec.deployDir !== spec.out;
  if (deployed)
    lines.push(
      `Copy ${[...names, ...(advice.restart ? ["mosquitto/mosquitto.conf"] : [])].join(", ")} from ${spec.out} to ${spec.deployDir} on the broker host, then:`,
    );
  if (advice.restart) {
    lines.push(
      "Restart mosquitto once (e.g. `systemctl restart mosquitto`): its conf now names crlfile, and mosquitto 2.0 applies a newly added crlfile only on a restart, not on SIGHUP.",
    );
    lines.push("From then on every revocation and CRL renewal needs only a reload (SIGHUP).");
  } else {
    lines.push(
      `Reload mosquitto so it applies the new ${names.join(", ")}: \`${RELOAD_COMMAND}\` (systemd: \`systemctl reload mosquitto\`).`,
    );
    lines.push(
      "Connections already open are not re-checked against the CRL; the reloaded ACL applies to them at once.",
    );
  }
  return lines;
}
