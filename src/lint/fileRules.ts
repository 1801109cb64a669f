import path from "node:path";
import { readObstacle } from "../verify/access.js";
import { fileLines, type EffectiveConf, type LocatedOption } from "./effectiveConf.js";
import { error, warning, type Finding } from "./findings.js";
import { includedConfNames, resolveConfPath } from "./paths.js";
import type { LintSnapshot } from "./snapshot.js";

/** Options naming a file (capath: a folder) that mosquitto opens. */
export const FILE_OPTIONS = [
  "cafile",
  "capath",
  "certfile",
  "keyfile",
  "crlfile",
  "password_file",
  "acl_file",
] as const;
type FileOption = (typeof FILE_OPTIONS)[number];

/** What mosquitto 2.0.11 does when it cannot use the file (measured), after "mosquitto …". */
const CONSEQUENCE: Record<FileOption, string> = {
  cafile: 'exits with "Unable to load CA certificates"',
  capath: 'loads no CA from it and rejects every client certificate ("certificate verify failed")',
  certfile: 'exits with "Unable to load server certificate"',
  keyfile: 'exits with "Unable to load server key file"',
  crlfile: 'exits with "Unable to load certificate revocation file"',
  password_file: 'exits with "Unable to open pwfile"',
  acl_file: 'exits with "Unable to open acl_file"',
};

/** Files that must stay away from other users: a private key, password hashes, the ACL. */
const PRIVATE: ReadonlySet<FileOption> = new Set(["keyfile", "password_file", "acl_file"]);

function isFileOption(name: string): name is FileOption {
  return (FILE_OPTIONS as readonly string[]).includes(name);
}

/** A relative path: mosquitto opens it from its working directory, not from the conf's folder. */
function relativeWarning(option: LocatedOption, resolved: string): Finding[] {
  if (path.isAbsolute(option.value)) return [];
  return [
    warning(
      option,
      `${option.name} ${option.value} is a relative path: mosquitto opens it from its working directory (/ when started as a service), not from the conf's folder; lint read ${resolved}`,
      `write the absolute path: \`${option.name} ${resolved}\``,
    ),
  ];
}

/** The fix for what readObstacle found in the broker user's way. */
function accessFix(obstacle: string, name: FileOption, file: string, user: string): string {
  const dir = /^cannot enter (.+) \(mode /.exec(obstacle)?.[1];
  if (dir) return `let ${user} through the folder: \`chmod o+x ${dir}\` (or give it group ${user} with g+x)`;
  return PRIVATE.has(name)
    ? `\`chgrp ${user} ${file} && chmod 640 ${file}\` (readable by the broker, no one else)`
    : `\`chmod 644 ${file}\``;
}

/** One file option: exists, is the right kind of thing, is readable by lint and by the broker, a key is private. */
function fileOptionRules(snapshot: LintSnapshot, option: LocatedOption & { name: FileOption }): Finding[] {
  const { name, value } = option;
  if (value === "")
    return [
      error(
        option,
        `${name} has no value: mosquitto refuses the conf ("Empty ${name} value")`,
        `write the path after \`${name}\`, or remove the line`,
      ),
    ];
  const file = resolveConfPath(path.dirname(snapshot.confFile), value);
  const findings = relativeWarning(option, file);
  const info = snapshot.paths.get(file);
  const unseen = snapshot.unseen.get(file);
  if (unseen)
    return [
      ...findings,
      warning(option, `lint cannot see ${name} ${value} (${unseen}), so it was not checked`, "run lint as root"),
    ];
  if (!info)
    return [
      ...findings,
      error(
        option,
        `${name} ${value} does not exist: mosquitto ${CONSEQUENCE[name]}`,
        "correct the path, or put the file there",
      ),
    ];
  if (name === "capath" && !info.isDirectory) {
    return [
      ...findings,
      error(
        option,
        `capath ${value} is a file, not a folder: mosquitto ${CONSEQUENCE.capath}`,
        `write \`cafile ${value}\` for a single CA file; capath takes a folder of hashed CA files (c_rehash)`,
      ),
    ];
  }
  if (name !== "capath" && info.isDirectory) {
    const fix =
      name === "cafile"
        ? `point cafile at the CA certificate file; for a folder of hashed CA files write \`capath ${value}\``
        : "point it at the file itself";
    return [
      ...findings,
      error(option, `${name} ${value} is a folder, not a file: mosquitto ${CONSEQUENCE[name]}`, fix),
    ];
  }
  if (info.readError)
    findings.push(
      warning(
        option,
        `lint cannot read ${name} ${value} (${info.readError}), so its contents were not checked`,
        "run lint as root, or as the broker's user",
      ),
    );
  const account = snapshot.brokerAccount;
  const obstacle = account && readObstacle(account, file, snapshot.paths);
  if (obstacle) {
    findings.push(
      error(
        option,
        `the broker's user ${snapshot.brokerUser} ${obstacle}: mosquitto drops to ${snapshot.brokerUser} after start, then ${CONSEQUENCE[name]}`,
        accessFix(obstacle, name, file, snapshot.brokerUser),
      ),
    );
  }
  if (name === "keyfile" && (info.mode & 0o004) !== 0) {
    const ownedByBroker = account !== undefined && info.uid === account.uid;
    findings.push(
      error(
        option,
        `keyfile ${value} is readable by every user on this machine (mode ${info.mode.toString(8)})`,
        ownedByBroker
          ? `\`chmod 600 ${file}\``
          : `\`chgrp ${snapshot.brokerUser} ${file} && chmod 640 ${file}\` (readable by the broker, no one else)`,
      ),
    );
  }
  return findings;
}

/** Every cafile, capath, certfile, keyfile, crlfile, password_file and acl_file line of every conf file. */
export function referencedFileRules(snapshot: LintSnapshot, conf: EffectiveConf): Finding[] {
  return conf.occurrences.flatMap(({ option }) =>
    isFileOption(option.name) ? fileOptionRules(snapshot, option as LocatedOption & { name: FileOption }) : [],
  );
}

/**
 * include_dir: mosquitto follows it in the main conf only, exits when the folder cannot be
 * opened, and exits when one of its *.conf names is a folder.
 */
export function includeRules(snapshot: LintSnapshot): Finding[] {
  const findings: Finding[] = [];
  const [main, ...included] = snapshot.confs;
  for (const conf of included) {
    for (const { option } of fileLines(conf)) {
      if (option.name === "include_dir")
        findings.push(
          warning(
            option,
            "include_dir in an included file: mosquitto follows include_dir only in the main conf and ignores this line",
            `move it to ${snapshot.confFile}`,
          ),
        );
    }
  }
  for (const { option } of main ? fileLines(main) : []) {
    if (option.name !== "include_dir") continue;
    if (option.value === "") {
      findings.push(
        error(
          option,
          "include_dir has no value: mosquitto refuses the conf",
          "write the folder after `include_dir`, or remove the line",
        ),
      );
      continue;
    }
    const dir = resolveConfPath(path.dirname(snapshot.confFile), option.value);
    findings.push(...relativeWarning(option, dir));
    const info = snapshot.paths.get(dir);
    const unseen = snapshot.unseen.get(dir);
    if (unseen) {
      findings.push(
        warning(
          option,
          `lint cannot see include_dir ${option.value} (${unseen}), so the files in it were not checked`,
          "run lint as root",
        ),
      );
      continue;
    }
    if (!info?.isDirectory) {
      findings.push(
        error(
          option,
          `include_dir ${option.value} ${info ? "is a file, not a folder" : "does not exist"}: mosquitto exits with "Unable to open include_dir"`,
          "create the folder, or correct the path",
        ),
      );
      continue;
    }
    if (!info.entries) {
      findings.push(
        warning(
          option,
          `lint cannot list include_dir ${option.value} (${info.readError ?? "unreadable"}), so the files in it were not checked`,
          "run lint as root",
        ),
      );
      continue;
    }
    for (const name of includedConfNames(info.entries)) {
      const file = path.join(dir, name);
      if (snapshot.confs.some((c) => c.file === file)) continue;
      const entry = snapshot.paths.get(file);
      if (entry?.isDirectory) {
        findings.push(
          error(
            option,
            `${file} ends in .conf but is a folder: mosquitto exits with "Config file ${file} is a directory"`,
            `rename it so it does not end in .conf, or move it out of ${dir}`,
          ),
        );
      } else {
        // mosquitto reads its conf files as root, before it drops privileges: only lint is blocked here.
        findings.push(
          warning(
            option,
            `lint cannot read ${file} (${entry?.readError ?? "it vanished"}), included from here, so its settings were not checked`,
            "run lint as root",
          ),
        );
      }
    }
  }
  return findings;
}
