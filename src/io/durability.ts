import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import pLimit from "p-limit";

const FEW_FILES = 16;

/**
 * Makes freshly written files durable before they are renamed into place. One syncfs(2) for
 * the whole filesystem (coreutils `sync -f`) instead of an fsync per file: a fleet's build
 * writes tens of thousands of small files, and 30,000 fsyncs cost ~5 s here. Falls back to
 * fsyncing each file where `sync -f` is not available. The flush runs in a child process, so
 * the caller may go on with other work meanwhile.
 */
export async function makeDurable(anyPathOnFs: string, files: readonly string[]): Promise<void> {
  if (files.length === 0) return;
  // A handful (a device added to a fleet): fsyncs cost less than starting a process, which
  // from a process holding a fleet in memory alone takes ~20 ms here.
  if (files.length > FEW_FILES && (await syncFilesystem(anyPathOnFs))) return;
  const limit = pLimit(16);
  await Promise.all(
    files.map((file) =>
      limit(async () => {
        const handle = await fs.open(file, "r");
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }),
    ),
  );
}

/** coreutils `sync -f PATH` (syncfs(2)); false when it is missing or fails. */
function syncFilesystem(anyPathOnFs: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("sync", ["-f", anyPathOnFs], { stdio: "ignore" });
    child.on("error", () => resolve(false));
    child.on("close", (code) => resolve(code === 0));
  });
}
