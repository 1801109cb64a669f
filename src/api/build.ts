import { converge, type ConvergeOptions } from "../build/converge.js";
import type { BuildResult } from "../build/result.js";

export type BuildOptions = ConvergeOptions;
export type { BuildResult, ReloadAdvice } from "../build/result.js";
export { converge, againIfSpecReplaced, type CommandInput } from "../build/converge.js";

/** Converges the output tree to the spec: plans, issues what is missing or stale, writes. */
export function build(options: BuildOptions = {}): Promise<BuildResult> {
  return converge(options, { prune: options.prune });
}
