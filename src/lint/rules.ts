import { certificateRules } from "./certRules.js";
import { crlRules } from "./crlRules.js";
import { effectiveConf } from "./effectiveConf.js";
import { includeRules, referencedFileRules } from "./fileRules.js";
import { sortFindings, type Finding } from "./findings.js";
import {
  defaultListenerRules,
  portRules,
  repeatRules,
  tlsPairRules,
  tlsVersionRules,
  websocketsOnlyRules,
} from "./listenerRules.js";
import type { LintSnapshot } from "./snapshot.js";

/** Every lint rule over a snapshot already read from disk, ordered by file (mosquitto's load order) and line. */
export function lintRules(snapshot: LintSnapshot, now: Date): Finding[] {
  const conf = effectiveConf(snapshot.confs);
  const findings = [
    ...includeRules(snapshot),
    ...portRules(conf),
    ...repeatRules(conf),
    ...defaultListenerRules(conf),
    ...tlsPairRules(conf),
    ...tlsVersionRules(conf),
    ...websocketsOnlyRules(conf, snapshot.mosquittoVersion),
    ...referencedFileRules(snapshot, conf),
    ...certificateRules(snapshot, conf, now),
    ...crlRules(snapshot, conf, now),
  ];
  return sortFindings(
    findings,
    snapshot.confs.map((c) => c.file),
  );
}
