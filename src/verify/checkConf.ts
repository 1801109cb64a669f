import { issuedBy } from "../crypto/facts.js";
import type { TrustedCas } from "./checkCertificates.js";
import { checkLedgerAgainstCrl, checkListenerRevocation } from "./checkRevocation.js";
import { treeLayout } from "../tree/layout.js";
import { readObstacle } from "./access.js";
import { listenerOption, type ConfListener, type ParsedConf } from "./parseConf.js";
import { localPath, type ClientView, type TreeSnapshot } from "./snapshot.js";
import type { Checklist } from "./result.js";
import type { ListenerSpec, ServerSpec } from "../spec/types.js";

const REBUILD = "run `mqtt-pki build` to regenerate mosquitto.conf";

/** mosquitto.conf against the spec and the tree: listeners, files, flags, broker access. */
/** Whether a trust file holds exactly the CAs the tree trusts (old + new during a rotation). */
export function sameTrust(snapshot: ClientView, file: string | undefined, trusted: TrustedCas): boolean {
  return (
    snapshot.parsed.trustSet(file) ===
    trusted.all
      .map((c) => c.fingerprint256)
      .sort()
      .join(",")
  );
}

export function checkConf(snapshot: TreeSnapshot, list: Checklist, trusted: TrustedCas, now: Date): void {
  const { spec, conf } = snapshot;
  const confFile = treeLayout(spec.out).mosquittoConf;
  if (!conf) {
    list.fail("mosquitto.conf", `${confFile} is missing`, "run `mqtt-pki build` to write it");
    return;
  }
  const where = (line: number) => `mosquitto.conf:${line}`;
  const anonymous = conf.global.get("allow_anonymous");
  list.check(
    anonymous?.value === "false",
    "mosquitto.conf",
    "allow_anonymous false",
    "allow_anonymous is not false: clients without a certificate may connect",
    REBUILD,
  );
  list.check(
    conf.listeners.some((l) => (listenerOption(conf, l, "protocol")?.value ?? "mqtt") === "mqtt"),
    "mosquitto.conf",
    "has an MQTT-over-TLS listener",
    'every listener is websockets: mosquitto 2.0.11 exits with "Unable to start any listening sockets"',
    "add an MQTT-over-TLS listener to the spec and rebuild",
  );

  const expected = new Map<number, { server: ServerSpec; listener: ListenerSpec }>();
  for (const server of spec.servers)
    for (const listener of server.listeners) expected.set(listener.port, { server, listener });
  for (const listener of conf.listeners) {
    if (!expected.has(listener.port))
      list.fail(
        where(listener.line),
        `listener on port ${listener.port} is not in the spec`,
        `the conf was edited by hand or the spec changed: ${REBUILD}`,
      );
  }
  for (const { server, listener } of expected.values()) {
    const found = conf.listeners.find((l) => l.port === listener.port);
    const subject = `listener ${server.name}:${listener.port}`;
    if (!found) {
      list.fail(subject, `mosquitto.conf has no listener on port ${listener.port}`, REBUILD);
      continue;
    }
    checkListener({
      snapshot,
      list,
      conf,
      found,
      server,
      listener,
      trusted,
      now,
      subject: `${subject} (${where(found.line)})`,
    });
  }
  checkLedgerAgainstCrl(snapshot, list);
}

interface ListenerCheck {
  snapshot: TreeSnapshot;
  list: Checklist;
  conf: ParsedConf;
  found: ConfListener;
  server: ServerSpec;
  listener: ListenerSpec;
  trusted: TrustedCas;
  now: Date;
  subject: string;
}

function checkListener(check: ListenerCheck): void {
  const { snapshot, list, conf, found, server, listener, trusted, subject } = check;
  const { spec } = snapshot;
  const option = (name: string) => listenerOption(conf, found, name)?.value;
  const protocol = option("protocol") ?? "mqtt";
  list.check(
    protocol === listener.protocol,
    subject,
    `protocol ${protocol}`,
    `protocol is ${protocol}, the spec says ${listener.protocol}`,
    REBUILD,
  );
  list.check(
    (found.bind ?? undefined) === listener.bind,
    subject,
    `bound to ${found.bind ?? "every interface"}`,
    `bound to ${found.bind ?? "every interface"}, the spec says ${listener.bind ?? "every interface"}`,
    REBUILD,
  );
  const flag = (name: string, wanted: string | undefined) => {
    const actual = option(name);
    list.check(
      actual === wanted,
      subject,
      `${name} ${actual ?? "(unset)"}`,
      `${name} is ${actual ?? "unset"}, the spec says ${wanted ?? "unset"}`,
      REBUILD,
    );
  };
  flag("require_certificate", String(server.requireCertificate));
  flag("use_identity_as_username", String(server.identityAsUsername));
  flag("tls_version", server.tlsVersion);

  const files: Record<string, string | undefined> = {};
  for (const name of ["cafile", "certfile", "keyfile"]) {
    const value = option(name);
    if (!value) {
      list.fail(subject, `${name} is not set`, REBUILD);
      continue;
    }
    const local = localPath(spec, value);
    const info = snapshot.files.get(local);
    if (!info) list.fail(subject, `${name} ${value} does not exist`, `${REBUILD}, or restore the file`);
    else if (info.isDirectory)
      list.fail(
        subject,
        `${name} ${value} is a directory`,
        name === "cafile"
          ? "cafile takes the CA certificate file; a directory of hashed CA files goes in capath"
          : "point it at the file itself",
      );
    else files[name] = local;
  }
  const cafile = snapshot.parsed.certificates(files.cafile);
  const certfile = snapshot.parsed.certificate(files.certfile);
  if (files.cafile && trusted.current)
    list.check(
      sameTrust(snapshot, files.cafile, trusted),
      subject,
      trusted.previous ? "cafile is the old + new CA bundle" : "cafile is the CA that issued the clients",
      `cafile ${files.cafile} is not ${trusted.previous ? "the old + new CA bundle" : "the CA in ca/ca.crt"}, so the broker rejects clients ("unknown ca")`,
      "rebuild, or point cafile at the tree's CA file",
    );
  if (files.certfile && cafile.length > 0 && certfile)
    list.check(
      cafile.some((c) => issuedBy(certfile, c)),
      subject,
      "certfile issued by cafile's CA",
      `certfile ${files.certfile} was not issued by the cafile's CA; clients will see "unknown ca"`,
      "rebuild, or restore the server certificate",
    );
  if (certfile)
    list.check(
      certfile.cn === server.cn,
      subject,
      `certfile is server ${server.name}'s`,
      `certfile has CN "${certfile.cn}", server ${server.name} has "${server.cn}"`,
      REBUILD,
    );
  if (files.keyfile && certfile) {
    list.check(
      snapshot.parsed.keyMatches(certfile, files.keyfile),
      subject,
      "keyfile matches certfile",
      `keyfile ${files.keyfile} does not match certfile ${files.certfile}`,
      "the broker will refuse to start: restore the matching pair or rebuild",
    );
  }
  checkListenerRevocation({
    snapshot,
    list,
    subject,
    crlfile: option("crlfile"),
    cafile: option("cafile"),
    trusted,
    protocol,
    now: check.now,
  });
  checkBrokerAccess(snapshot, list, subject, server, files);
}

function checkBrokerAccess(
  snapshot: TreeSnapshot,
  list: Checklist,
  subject: string,
  server: ServerSpec,
  files: Record<string, string | undefined>,
): void {
  const account = snapshot.accounts.get(server.user);
  if (!account || snapshot.spec.deployDir !== snapshot.spec.out) return;
  for (const [name, file] of Object.entries(files)) {
    if (!file) continue;
    const obstacle = readObstacle(account, file, snapshot.files);
    list.check(
      obstacle === undefined,
      subject,
      `broker user ${server.user} can read its ${name}`,
      `broker user ${server.user} ${obstacle}`,
      name === "keyfile"
        ? `mosquitto drops to \`${server.user}\` after start and then fails with "Unable to load server key file": run \`mqtt-pki build\` (it gives the key to group ${server.user}, mode 640) and make every folder above it traversable (chmod o+x)`
        : `make the file readable and every folder above it traversable for ${server.user} (chmod o+x on folders)`,
    );
  }
}
