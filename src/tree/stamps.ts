import { createHash } from "node:crypto";
import { lstatSync } from "node:fs";
import path from "node:path";
import { readSeen, writeFileAtomic, type FileStat } from "../io/files.js";
import { rendererFingerprint } from "../render/fingerprint.js";
import type { TreeLayout } from "./layout.js";
import type { IssuedRecord, Ledger } from "../state/ledger.js";
import type { ClientSpec, Spec } from "../spec/types.js";

/**
 * The stamp index (`.<out>.stamps.json` beside the tree), like git's index: for each client, the stat
 * stamp of every file in its folder as the last build left it, the spec entry it was made
 * from and its certificate's fingerprint. A rebuild that finds all of that unchanged knows
 * the client's files are right without reading or rendering them. It is only a cache: a
 * missing, stale or unreadable index just means the full comparison runs.
 */
export interface StampIndex {
  version: 1;
  /** Digest of everything shared by every client's files (see contextDigest). */
  context: string;
  clients: Record<string, ClientStamps>;
}

export interface ClientStamps {
  /** Digest of the client's spec entry. */
  inputs: string;
  /** Fingerprint of the certificate the ledger recorded for it. */
  certificate: string;
  /** STAMP_FIELDS numbers per file of clientFileNames, in that order. */
  files: number[];
}

/** What the accepted-or-not decision needs to know beyond the index and the files. */
export interface SettleContext {
  rotating: boolean;
  /** Fingerprints of the CAs on disk whose certificates stay acceptable. */
  acceptedCas: string[];
  ledger?: Ledger;
  now: Date;
  /** Clients the command wants renewed whatever their stamps say. */
  exclude?: ReadonlySet<string>;
}

/** A stamp written less than this long before it was taken may share its time with a later change (timestamps are coarse). */
const RACY_MS = 20;

/** Looks up a file's stat without following links; undefined when it is missing. */
export type StatOf = (file: string) => FileStat | undefined;
const lstatOf: StatOf = (file) => lstatSync(file, { throwIfNoEntry: false });

/** lstat fields that change whenever a file is written, replaced, renamed over, chmod-ed or chown-ed. */
const STAMP_FIELDS = 7;
const stampFields = (stat: FileStat) => [stat.ino, stat.size, stat.mtimeMs, stat.ctimeMs, stat.mode, stat.uid, stat.gid];

/** The files the build keeps in a client's folder, by name (the layout's own names, worked out once). */
export function clientFileNames(layout: TreeLayout, client: ClientSpec): string[] {
  const names = (fileNames ??= fileNamesOf(layout));
  const key = client.deviceKey ? names.csr : names.key;
  return client.password ? [names.cert, key, names.password, ...names.scripts] : [names.cert, key, ...names.scripts];
}

let fileNames: ReturnType<typeof fileNamesOf> | undefined;
function fileNamesOf(layout: TreeLayout) {
  const name = (file: (client: string) => string) => path.basename(file("client"));
  return {
    cert: name(layout.clientCert),
    key: name(layout.clientKey),
    csr: name(layout.clientCsr),
    password: name(layout.clientPassword),
    scripts: [name(layout.clientCommands), name(layout.clientMqttJs), name(layout.clientPaho)],
  };
}

/** The client's folder by concatenation: names are file-safe, and normalizing 10,000 joined paths is measurable. */
const clientDir = (layout: TreeLayout, client: ClientSpec) => `${layout.clientsDir}/${client.name}`;

/** Whether every file still has the stamp recorded for it (numbers compared as they are: a fleet has 50,000 of them). */
function stampsHold(dir: string, names: string[], recorded: number[]): boolean {
  if (recorded.length !== names.length * STAMP_FIELDS) return false;
  for (let i = 0; i < names.length; i++) {
    const stat = lstatSync(`${dir}/${names[i]}`, { throwIfNoEntry: false });
    const at = i * STAMP_FIELDS;
    // Field by field, in stampFields' order, without an array per file.
    if (!stat?.isFile() || stat.ino !== recorded[at] || stat.size !== recorded[at + 1] || stat.mtimeMs !== recorded[at + 2] || stat.ctimeMs !== recorded[at + 3]
      || stat.mode !== recorded[at + 4] || stat.uid !== recorded[at + 5] || stat.gid !== recorded[at + 6]) return false;
  }
  return true;
}

const sha256 = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");

/** The spec apart from its clients, whether a CA rotation is under way, and the code that renders files. */
export function contextDigest(spec: Spec, rotating: boolean): string {
  return sha256({ renderer: rendererFingerprint(), spec: { ...spec, clients: undefined }, rotating });
}

export function clientInputs(client: ClientSpec): string {
  return sha256(client);
}

const activeClients = (ledger?: Ledger) => new Map((ledger?.certificates ?? []).filter((r) => r.role === "client" && r.status === "active").map((r) => [r.name, r] as const));

/**
 * Clients whose files are known right without reading them: same shared context, same spec
 * entry, the certificate the ledger still holds active, from an accepted CA, not expired, and
 * every file's stamp unchanged.
 */
export function settledClients(index: StampIndex | undefined, spec: Spec, layout: TreeLayout, context: SettleContext): Set<string> {
  const settled = new Set<string>();
  if (!index || index.context !== contextDigest(spec, context.rotating)) return settled;
  const active = activeClients(context.ledger);
  for (const client of spec.clients) {
    const entry = index.clients[client.name];
    const record = active.get(client.name);
    if (!entry || !record || context.exclude?.has(client.name) || !stillValid(record, entry, context)) continue;
    if (entry.inputs !== clientInputs(client)) continue;
    if (stampsHold(clientDir(layout, client), clientFileNames(layout, client), entry.files)) settled.add(client.name);
  }
  return settled;
}

function stillValid(record: IssuedRecord, entry: ClientStamps, context: SettleContext): boolean {
  return record.fingerprint256 === entry.certificate && context.acceptedCas.includes(record.issuer) && Date.parse(record.notAfter) > context.now.getTime();
}

/**
 * The index after a build: settled clients keep their entries, every other client whose files
 * are all there is stamped anew. A stamp taken within RACY_MS of its file's last change is
 * taken again once that much time has passed, so a later change cannot hide behind it.
 */
export async function stampClients(spec: Spec, layout: TreeLayout, ledger: Ledger, rotating: boolean, previous: StampIndex | undefined, settled: ReadonlySet<string>, statOf = lstatOf): Promise<StampIndex> {
  const active = activeClients(ledger);
  const clients: Record<string, ClientStamps> = {};
  const stampAll = (client: ClientSpec, record: IssuedRecord, since: number): { entry?: ClientStamps; racy: boolean } => {
    const dir = clientDir(layout, client);
    const files: number[] = [];
    let racy = false;
    for (const name of clientFileNames(layout, client)) {
      const stat = statOf(`${dir}/${name}`);
      if (!stat?.isFile()) return { racy: false };
      files.push(...stampFields(stat));
      racy ||= stat.ctimeMs >= since - RACY_MS;
    }
    return { entry: { inputs: clientInputs(client), certificate: record.fingerprint256, files }, racy };
  };
  let since = Date.now();
  const racy: ClientSpec[] = [];
  for (const client of spec.clients) {
    const kept = settled.has(client.name) ? previous?.clients[client.name] : undefined;
    const record = active.get(client.name);
    if (kept) clients[client.name] = kept;
    else if (record) {
      const stamped = stampAll(client, record, since);
      if (stamped.racy) racy.push(client);
      else if (stamped.entry) clients[client.name] = stamped.entry;
    }
  }
  if (racy.length > 0) {
    await new Promise((resolve) => setTimeout(resolve, RACY_MS + 1));
    since = Date.now();
    for (const client of racy) {
      const stamped = stampAll(client, active.get(client.name)!, since);
      if (stamped.entry && !stamped.racy) clients[client.name] = stamped.entry;
    }
  }
  return { version: 1, context: contextDigest(spec, rotating), clients };
}

/** The index as stored, with its text (to tell whether it needs writing); undefined when absent or unreadable. */
export function readStampIndex(file: string): { index?: StampIndex; text?: string } {
  try {
    const text = readSeen(file)?.content.toString();
    if (text === undefined) return {};
    const index = JSON.parse(text) as StampIndex;
    return index.version === 1 && typeof index.clients === "object" ? { index, text } : { text };
  } catch {
    return {};
  }
}

/** Writes the index when it changed: a rebuild that changed nothing writes nothing. */
export async function writeStampIndex(file: string, index: StampIndex, previousText: string | undefined): Promise<void> {
  const text = JSON.stringify(index);
  if (text !== previousText) await writeFileAtomic(file, text, { mode: 0o600 });
}
