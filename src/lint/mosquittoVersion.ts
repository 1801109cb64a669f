/** mosquitto versions: read from `mosquitto -h` and compared, for behaviour that changed between releases. */

/** The version in `mosquitto -h` output ("mosquitto version 2.0.11" on its first line). */
export function parseMosquittoVersion(helpText: string): string | undefined {
  return /^mosquitto version (\d+(?:\.\d+)*)/.exec(helpText.trimStart())?.[1];
}

/** Whether dotted version `version` is older than `than` ("2.0.11" < "2.0.12" < "2.1"). */
export function versionBefore(version: string, than: string): boolean {
  const a = version.split(".").map(Number);
  const b = than.split(".").map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff < 0;
  }
  return false;
}

/** The first release that starts with websockets-only listeners (2.0.11 exits "Unable to start any listening sockets"). */
export const WEBSOCKETS_ONLY_FIXED_IN = "2.0.12";
