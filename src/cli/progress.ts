import cliProgress from "cli-progress";
import type { ProgressListener } from "../build/materialize.js";

/** Work shorter than this shows no bar at all. */
const SHOW_AFTER_MS = 1000;

/**
 * A progress bar with rate and ETA for long builds, on a terminal only: nothing on a pipe
 * or with --json, and nothing for work that ends within a second.
 */
export function progressBar(json: boolean): { onProgress?: ProgressListener; stop(): void } {
  if (json || !process.stderr.isTTY) return { stop: () => undefined };
  let started: number | undefined;
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress: (done, total) => {
      // Timed from the first certificate: a passphrase prompt before it is not issuing time.
      started ??= Date.now();
      if (!bar && Date.now() - started < SHOW_AFTER_MS) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: "issuing [{bar}] {value}/{total} certificates | {rate}/s | ETA {eta_formatted}",
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { rate: "-" });
      }
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { rate: (done / Math.max(seconds, 0.001)).toFixed(0) });
    },
    stop: () => bar?.stop(),
  };
}
