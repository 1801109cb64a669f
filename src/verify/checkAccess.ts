import { passwdLineMatches } from "../crypto/mosquittoPasswd.js";
import { clientRules, usesAcl, usesPasswords } from "../render/access.js";
import { topicMatches } from "../spec/rules.js";
import { treeLayout } from "../tree/layout.js";
import type { Checklist } from "./result.js";
import type { TreeSnapshot } from "./snapshot.js";
import type { AclRule } from "../spec/types.js";

const REBUILD = "run `mqtt-pki build` to regenerate it";

/** Whether the rules let a client both subscribe to and publish on `topic` (deny wins). */
export function topicAllowed(rules: AclRule[], topic: string): { read: boolean; write: boolean } {
  const matching = rules.filter((rule) => topicMatches(rule.topic, topic));
  if (matching.some((rule) => rule.access === "deny")) return { read: false, write: false };
  return {
    read: matching.some((rule) => rule.access === "read" || rule.access === "readwrite"),
    write: matching.some((rule) => rule.access === "write" || rule.access === "readwrite"),
  };
}

/** Password file, logins in the commands, and ACLs against the round-trip topic of every client. */
export function checkAccess(snapshot: TreeSnapshot, list: Checklist): void {
  checkPasswords(snapshot, list);
  checkAcl(snapshot, list);
}

/** The password file against each password client's login; client results go to `clientList`. */
export function checkPasswords(snapshot: TreeSnapshot, list: Checklist, clientList = list): void {
  const { spec, conf } = snapshot;
  if (!usesPasswords(spec)) return;
  const layout = treeLayout(spec.out);
  list.check(conf?.global.get("password_file") !== undefined, "mosquitto.conf", "password_file set", "password_file is missing although clients log in with passwords", REBUILD);
  const lines = (snapshot.files.get(layout.passwdFile)?.content?.toString() ?? "").split("\n").filter(Boolean);
  for (const client of snapshot.clients.filter((c) => c.password)) {
    const password = snapshot.files.get(layout.clientPassword(client.name))?.content?.toString().trim();
    const subject = `client ${client.name}`;
    if (!password) {
      clientList.fail(subject, `its password file ${layout.clientPassword(client.name)} is missing`, REBUILD);
      continue;
    }
    clientList.check(lines.some((line) => passwdLineMatches(line, client.cn, password)), subject, "password file holds its login", `mosquitto's password file has no valid line for user "${client.cn}"`, REBUILD);
    const calls = snapshot.commands.get(client.name) ?? [];
    const bad = calls.filter((call) => call.username !== client.cn || call.password !== password);
    clientList.check(bad.length === 0, subject, "commands log in with its username and password", `commands.sh lines ${bad.map((c) => c.line).join(", ")} lack the client's -u/-P`, REBUILD);
  }
}

/** Each client's ACL against its round-trip topic; client results go to `clientList`. */
export function checkAcl(snapshot: TreeSnapshot, list: Checklist, clientList = list): void {
  const { spec, conf } = snapshot;
  if (!usesAcl(spec)) return;
  list.check(conf?.global.get("acl_file") !== undefined, "mosquitto.conf", "acl_file set", "acl_file is missing although the spec has ACLs", REBUILD);
  for (const client of snapshot.clients) {
    const allowed = topicAllowed(clientRules(spec, client), client.topic);
    clientList.check(allowed.read && allowed.write, `client ${client.name}`, `ACL allows its round-trip topic ${client.topic}`,
      `the ACL does not let it ${!allowed.write ? "publish" : "subscribe"} on its round-trip topic ${client.topic}, so commands.sh cannot work`,
      `give the client a \`topic:\` its ACL allows (e.g. under devices/${client.cn}/), or add a rule for it`);
  }
}
