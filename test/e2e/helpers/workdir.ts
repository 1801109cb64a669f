/** Throwaway directories that the mosquitto broker can read from. */
import { mkdtemp, chmod, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * Create a fresh directory under os.tmpdir() with mode 0755.
 * fs.mkdtemp makes it 0700 (owned by root here); mosquitto starts as root
 * but drops to user `mosquitto` before loading certs, and that user must be
 * able to traverse every directory on the way to its cert/key/CA files.
 */
export async function makeWorkDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

/** Remove a directory made by makeWorkDir; missing dirs are fine. */
export async function removeWorkDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
