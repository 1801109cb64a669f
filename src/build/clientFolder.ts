import path from "node:path";
import { renderClientCommands } from "../render/commands.js";
import { ShapeRenderer } from "../render/byShape.js";
import type { TreeLayout } from "../tree/layout.js";
import { readPair, type StoredPair, type TreeState } from "../tree/read.js";
import type { BuildPlan } from "../plan/planBuild.js";
import type { ClientSpec, Spec } from "../spec/types.js";
import type { LeafPair } from "./leafArtifact.js";
import { perms, type TreeWriter } from "./treeWriter.js";

/** The scripts older versions wrote into every client folder: only removed, never written. */
const legacyScripts = (layout: TreeLayout, name: string) => [layout.clientMqttJs(name), layout.clientPaho(name)];

/**
 * A client's folder: what the device needs and nothing else: its key (or CSR), its
 * certificate and commands.sh. Settled clients are left alone.
 */
export function clientFolderWriter(
  spec: Spec,
  plan: BuildPlan,
  tree: TreeState,
  out: TreeWriter,
  passwords: Map<string, string>,
): (client: ClientSpec, pair: LeafPair) => void {
  const { layout } = out;
  const shapes = new ShapeRenderer(JSON.stringify({ ...spec, clients: undefined, rotating: plan.rotating }));
  return (client, { keyPem, certPem, unchanged }) => {
    if (tree.clients.get(client.name)?.untouched) return;
    out.dir(layout.clientDir(client.name), perms.privateDir);
    if (client.deviceKey) {
      // As read from the tree, or handed in by `sign` (then it is written with the certificate).
      const csrPem = tree.clients.get(client.name)!.csrPem!;
      out.file(
        layout.clientCsr(client.name),
        csrPem,
        perms.publicFile,
        false,
        tree.files.before(layout.clientCsr(client.name))?.content.toString() === csrPem,
      );
    } else out.file(layout.clientKey(client.name), keyPem, perms.privateKey, true, unchanged);
    out.file(layout.clientCert(client.name), certPem, perms.publicFile, false, unchanged);
    const password = passwords.get(client.name);
    // A password is the client's own: those scripts are rendered one by one.
    const render = (kind: string, text: (client: ClientSpec) => string) => () =>
      password === undefined ? shapes.render(kind, client, text) : text(client);
    out.file(
      layout.clientCommands(client.name),
      render("commands", (c) => renderClientCommands(spec, c, plan.rotating, password)),
      perms.script,
    );
    // Older trees kept an MQTT.js and a paho script in every folder; `mqtt-pki snippets` prints them now.
    if (!tree.files.absentDir(layout.clientDir(client.name))) out.removals.push(...legacyScripts(layout, client.name));
  };
}

/**
 * A revoked client's password leaves its folder for the archive (it went with the device): the
 * password file no longer has its line, and a fresh certificate later comes with a new password.
 */
export function archivePassword(out: TreeWriter, tree: TreeState, name: string): void {
  const password = tree.passwords?.get(name);
  if (password === undefined) return;
  const folder = out.archiveFolder(`clients/${name}`, tree.clients.get(name)?.facts?.serial);
  out.file({
    path: path.join(folder, "password"),
    content: `${password}\n`,
    own: perms.privateKey,
    isKey: true,
    archive: true,
  });
  out.removals.push(out.layout.clientPassword(name));
}

export function readStray(layout: TreeLayout, name: string): StoredPair {
  return readPair(layout.clientCert(name), layout.clientKey(name));
}
