import type { BuildPlan } from "../plan/planBuild.js";
import type { Spec } from "../spec/types.js";

/** What a build (and every command on its pipeline) returns. */
export interface BuildResult {
  spec: Spec;
  plan: BuildPlan;
  warnings: string[];
  /** Files written or removed (empty for a dry run or when nothing changed). */
  written: string[];
  confPath: string;
  /** Set when the running broker must reload (or, once, restart) to apply what was written. */
  reload?: ReloadAdvice;
}

/** What mosquitto must be told after a run changed files it reads. */
export interface ReloadAdvice {
  /** Files it reloads on SIGHUP that this run changed (the CRL, the password file, the ACL). */
  changed: string[];
  /** The conf gained crlfile: mosquitto 2.0 applies that only on a restart, once. */
  restart: boolean;
}
