/** The mosquitto installed on this machine, if any: its version decides which known bugs apply. */
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { parseMosquittoVersion } from "./mosquittoVersion.js";

function findMosquittoBinary(): string | undefined {
  const dirs = ["/usr/sbin", ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean)];
  return dirs
    .map((dir) => path.join(dir, "mosquitto"))
    .find((file) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** The installed mosquitto's version from `mosquitto -h` (which exits non-zero by design); undefined without a binary. */
export async function installedMosquittoVersion(): Promise<string | undefined> {
  const binary = findMosquittoBinary();
  if (!binary) return undefined;
  const output = await new Promise<string>((resolve) => {
    execFile(binary, ["-h"], { timeout: 5000 }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
  return parseMosquittoVersion(output);
}
