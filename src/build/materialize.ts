import { issueCaCert, issueClientCert, issueServerCert, type IssuingCa } from "../crypto/issue.js";
import { generateKey, loadPrivateKey, type KeyMaterial } from "../crypto/keys.js";
import { x509 } from "../crypto/provider.js";
import { softwareSigner } from "../crypto/signer.js";
import { renderClientCommands } from "../render/commands.js";
import { renderConfD, renderMosquittoConf } from "../render/conf.js";
import { treeLayout } from "../tree/layout.js";
import { treePermissions } from "../tree/permissions.js";
import type { Ownership } from "../io/files.js";
import type { BuildPlan, EntityPlan } from "../plan/planBuild.js";
import type { StoredPair, TreeState } from "../tree/read.js";
import type { Spec } from "../spec/types.js";

/** One file the build wants on disk, with the mode and group it must have. */
export interface PlannedFile {
  path: string;
  content: string;
  own: Ownership;
  /** Keys are written before anything that depends on them. */
  isKey: boolean;
}

export interface PlannedDir {
  path: string;
  own: Ownership;
}

export interface TreeContent {
  dirs: PlannedDir[];
  files: PlannedFile[];
  /** Leaves whose lifetime was cut to end with the CA. */
  clamped: string[];
}

/** Resolves a broker account to the group its key file is shared with (undefined: no such account here). */
export type GroupLookup = (user: string) => number | undefined;

async function keyFor(plan: EntityPlan, stored: StoredPair, algorithm: Spec["ca"]["key"]): Promise<KeyMaterial> {
  return plan.newKey || stored.keyPem === undefined ? generateKey(algorithm) : loadPrivateKey(stored.keyPem);
}

/**
 * Makes the keys and certificates the plan asks for and renders every text file.
 * The only step with cryptography; it writes nothing.
 */
export async function materializeTree(spec: Spec, plan: BuildPlan, tree: TreeState, now: Date, brokerGroup: GroupLookup): Promise<TreeContent> {
  const layout = treeLayout(spec.out);
  const perms = treePermissions(undefined);
  const files: PlannedFile[] = [];
  const clamped: string[] = [];
  const add = (path: string, content: string, own: Ownership, isKey = false) => files.push({ path, content, own, isKey });

  const caKey = await keyFor(plan.ca, tree.ca, spec.ca.key);
  const signer = await softwareSigner(caKey.privateKeyPem, caKey.algorithm);
  let caPem = tree.ca.certPem ?? "";
  let caCert = plan.ca.action === "keep" ? new x509.X509Certificate(caPem) : undefined;
  if (!caCert) {
    const issued = await issueCaCert(signer, spec.ca, caKey.spkiDer, now);
    caCert = issued.certificate;
    caPem = issued.pem;
  }
  const ca: IssuingCa = { signer, certificate: caCert, keyAlgorithm: caKey.algorithm };
  add(layout.caKey, caKey.privateKeyPem, perms.caKey, true);
  add(layout.caCert, caPem, perms.publicFile);

  const dirs: PlannedDir[] = [
    { path: layout.root, own: perms.root },
    { path: layout.caDir, own: perms.caDir },
    { path: layout.serversDir, own: perms.publicDir },
    { path: layout.clientsDir, own: perms.privateDir },
    { path: layout.mosquittoDir, own: perms.publicDir },
    { path: layout.confDDir, own: perms.publicDir },
  ];

  for (const [index, server] of spec.servers.entries()) {
    const serverPerms = treePermissions(brokerGroup(server.user));
    const entry = plan.servers[index];
    const stored = tree.servers.get(server.name) ?? {};
    const key = await keyFor(entry, stored, server.key);
    let pem = stored.certPem ?? "";
    if (entry.action !== "keep") {
      const issued = await issueServerCert(ca, server, key.spkiDer, now);
      pem = issued.pem;
      if (issued.clamped) clamped.push(`server ${server.name}`);
    }
    dirs.push({ path: layout.serverDir(server.name), own: serverPerms.serverDir });
    add(layout.serverKey(server.name), key.privateKeyPem, serverPerms.serverKey, true);
    add(layout.serverCert(server.name), pem, perms.publicFile);
    add(layout.serverConfD(server.name), renderConfD(spec, server), perms.publicFile);
  }

  for (const [index, client] of spec.clients.entries()) {
    const entry = plan.clients[index];
    const stored = tree.clients.get(client.name) ?? {};
    const key = await keyFor(entry, stored, client.key);
    let pem = stored.certPem ?? "";
    if (entry.action !== "keep") {
      const issued = await issueClientCert(ca, client, key.spkiDer, now);
      pem = issued.pem;
      if (issued.clamped) clamped.push(`client ${client.name}`);
    }
    dirs.push({ path: layout.clientDir(client.name), own: perms.privateDir });
    add(layout.clientKey(client.name), key.privateKeyPem, perms.privateKey, true);
    add(layout.clientCert(client.name), pem, perms.publicFile);
    add(layout.clientCommands(client.name), renderClientCommands(spec, client), perms.script);
  }

  add(layout.mosquittoConf, renderMosquittoConf(spec), perms.publicFile);
  return { dirs, files, clamped };
}
