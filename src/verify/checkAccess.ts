import { passwdLineMatches } from "../crypto/mosquittoPasswd.js";
import { clientRules, PASSWORD_MODE_UNBOUND, usesAcl, usesPasswords } from "../render/access.js";
import { topicMatches } from "../spec/rules.js";
import { treeLayout } from "../tree/layout.js";
import { identityDenials } from "../state/revokedIdentities.js";
import type { Checklist } from "./result.js";
import type { ClientView, TreeSnapshot } from "./snapshot.js";
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

/** The revoked identities (CNs) of the ledger in the snapshot: the password and ACL checks both ask. */
export function deniedCns(snapshot: TreeSnapshot, now: Date): Set<string> {
  return new Set(identityDenials(snapshot.ledger, now).denied.map((identity) => identity.cn));
}

/** password_file in the conf, when clients log in with passwords. */
export function checkPasswordFile(snapshot: TreeSnapshot, list: Checklist): void {
  const { spec, conf } = snapshot;
  if (!usesPasswords(spec)) return;
  list.check(
    conf?.global.get("password_file") !== undefined,
    "mosquitto.conf",
    "password_file set",
    "password_file is missing although clients log in with passwords",
    REBUILD,
  );
  if (spec.servers.some((server) => !server.identityAsUsername))
    list.warn(
      "mosquitto.conf",
      PASSWORD_MODE_UNBOUND,
      "keep device identity in the certificate (`identityAsUsername: true`) wherever a device can do without a password; treat each password as a credential of its own",
    );
}

/** The password file against each password client's login (and no login for a revoked one). */
export function checkClientPasswords(view: ClientView, list: Checklist, denied: ReadonlySet<string>): void {
  const { spec } = view;
  if (!usesPasswords(spec)) return;
  const layout = treeLayout(spec.out);
  const lines = (view.files.get(layout.passwdFile)?.content?.toString() ?? "").split("\n").filter(Boolean);
  for (const client of view.clients.filter((c) => c.password)) {
    if (denied.has(client.cn)) {
      const kept = lines.some((line) => line.startsWith(`${client.cn}:`));
      list.check(
        !kept,
        `client ${client.name}`,
        "revoked: no login in the password file",
        `revoked, but mosquitto's password file still has a line for user "${client.cn}": its password still logs in over websockets`,
        REBUILD,
      );
      continue;
    }
    const password = view.files.get(layout.clientPassword(client.name))?.content?.toString().trim();
    const subject = `client ${client.name}`;
    if (!password) {
      list.fail(subject, `its password file ${layout.clientPassword(client.name)} is missing`, REBUILD);
      continue;
    }
    list.check(
      lines.some((line) => passwdLineMatches(line, client.cn, password)),
      subject,
      "password file holds its login",
      `mosquitto's password file has no valid line for user "${client.cn}"`,
      REBUILD,
    );
    const calls = view.commands.get(client.name) ?? [];
    const bad = calls.filter((call) => call.username !== client.cn || call.password !== password);
    list.check(
      bad.length === 0,
      subject,
      "commands log in with its username and password",
      `commands.sh lines ${bad.map((c) => c.line).join(", ")} lack the client's -u/-P`,
      REBUILD,
    );
  }
}

/** acl_file in the conf, and every revoked identity denied every topic in it. */
export function checkAclFile(snapshot: TreeSnapshot, list: Checklist, denied: ReadonlySet<string>): void {
  const { spec, conf } = snapshot;
  if (!usesAcl(spec) && denied.size === 0) return;
  list.check(
    conf?.global.get("acl_file") !== undefined,
    "mosquitto.conf",
    "acl_file set",
    `acl_file is missing although ${usesAcl(spec) ? "the spec has ACLs" : "revoked devices must be denied every topic"}`,
    REBUILD,
  );
  const aclText = snapshot.files.get(treeLayout(spec.out).aclFile)?.content?.toString() ?? "";
  for (const cn of denied) {
    list.check(
      deniesEverything(aclText, cn),
      `revoked ${cn}`,
      "the ACL denies it every topic (websockets listeners check no CRL)",
      `the ACL does not deny user "${cn}" every topic: over websockets the revoked device still publishes and subscribes`,
      REBUILD,
    );
  }
}

/** Each client's ACL against its round-trip topic (a revoked identity's is denied on purpose). */
export function checkClientAcl(view: ClientView, list: Checklist, denied: ReadonlySet<string>): void {
  const { spec } = view;
  if (!usesAcl(spec)) return;
  for (const client of view.clients.filter((c) => !denied.has(c.cn))) {
    const allowed = topicAllowed(clientRules(spec, client), client.topic);
    list.check(
      allowed.read && allowed.write,
      `client ${client.name}`,
      `ACL allows its round-trip topic ${client.topic}`,
      `the ACL does not let it ${!allowed.write ? "publish" : "subscribe"} on its round-trip topic ${client.topic}, so commands.sh cannot work`,
      `give the client a \`topic:\` its ACL allows (e.g. under devices/${client.cn}/), or add a rule for it`,
    );
  }
}

/** Whether the ACL file has a `user CN` section that denies `#` and `$SYS/#` (what build writes for a revoked identity). */
function deniesEverything(aclText: string, cn: string): boolean {
  const lines = aclText.split("\n").map((line) => line.trim());
  const start = lines.indexOf(`user ${cn}`);
  if (start < 0) return false;
  const end = lines.findIndex((line, i) => i > start && line.startsWith("user "));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  return section.includes("topic deny #") && section.includes("topic deny $SYS/#");
}
