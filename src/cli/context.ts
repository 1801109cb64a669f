import type { Output } from "./report.js";

/** Options every command accepts. */
export interface CommonArgs {
  file: string;
  json: boolean;
  now?: string;
  "issue-in-the-future"?: boolean;
}

/** What a command handler may touch besides the API: where to print and the exit code. */
export interface CommandContext {
  output: Output;
  exitCode: number;
}
