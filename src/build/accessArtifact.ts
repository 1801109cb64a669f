import { newPassword, passwdLine, passwdLineMatches } from "../crypto/mosquittoPasswd.js";
import { needsAclFile, renderAclFile, usesPasswords } from "../render/access.js";
import { treePermissions } from "../tree/permissions.js";
import type { TreeLayout } from "../tree/layout.js";
import type { TreeState } from "../tree/read.js";
import type { RevokedIdentity } from "../state/revokedIdentities.js";
import type { FileSink } from "./plannedFiles.js";
import type { Spec } from "../spec/types.js";

/** Resolves a broker account to the group its key file is shared with (undefined: no such account here). */
export type GroupLookup = (user: string) => number | undefined;

const perms = treePermissions(undefined);

/**
 * Each password client's MQTT password: the one kept in its folder, or a new one. A revoked
 * identity gets none: its login must not work, and a later fresh certificate comes with a new
 * password (the old one went with the stolen device).
 */
export function clientPasswords(spec: Spec, tree: TreeState, denied: readonly RevokedIdentity[]): Map<string, string> {
  const passwords = new Map<string, string>();
  if (!usesPasswords(spec)) return passwords;
  const deniedCns = new Set(denied.map((identity) => identity.cn));
  for (const client of spec.clients.filter((c) => c.password && !deniedCns.has(c.cn)))
    passwords.set(client.name, tree.passwords?.get(client.name) ?? newPassword());
  return passwords;
}

export interface AccessFiles {
  spec: Spec;
  tree: TreeState;
  layout: TreeLayout;
  sink: FileSink;
  removals: string[];
  brokerGroup: GroupLookup;
  passwords: Map<string, string>;
  denied: readonly RevokedIdentity[];
}

/**
 * The password files (kept in each client's folder), the mosquitto password file (a line is
 * kept byte for byte while it still matches, so rebuilds change nothing) and the ACL file.
 * A revoked identity has no line in the password file and is denied every topic in the ACL.
 */
export function writeAccessFiles(files: AccessFiles): void {
  const { spec, tree, layout, sink, passwords } = files;
  if (usesPasswords(spec)) {
    const existing = new Map(
      (tree.passwdText ?? "")
        .split("\n")
        .filter(Boolean)
        .map((line) => [line.slice(0, line.lastIndexOf(":$7$")), line]),
    );
    const lines: string[] = [];
    for (const client of spec.clients.filter((c) => passwords.has(c.name))) {
      const password = passwords.get(client.name)!;
      sink.file({
        path: layout.clientPassword(client.name),
        content: `${password}\n`,
        own: perms.privateKey,
        isKey: true,
      });
      const kept = existing.get(client.cn);
      lines.push(kept && passwdLineMatches(kept, client.cn, password) ? kept : passwdLine(client.cn, password));
    }
    // Read by the broker after it drops root, like its key.
    sink.file({
      path: layout.passwdFile,
      content: `${lines.join("\n")}\n`,
      own: treePermissions(files.brokerGroup(spec.servers[0]?.user ?? "mosquitto")).serverKey,
      isKey: false,
    });
  } else if (tree.passwdText !== undefined) files.removals.push(layout.passwdFile);
  if (needsAclFile(spec, files.denied))
    sink.file({
      path: layout.aclFile,
      content: renderAclFile(spec, files.denied),
      own: perms.publicFile,
      isKey: false,
    });
  else if (tree.files.before(layout.aclFile)) files.removals.push(layout.aclFile);
}
