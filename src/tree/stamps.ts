import { sha256Hex } from "../crypto/hash.js";
import { lstatSync } from "node:fs";
import path from "node:path";
import { FILE_STAT_NUMBERS, fileStatNumbers, type FileStat } from "../io/files.js";
import type { TreeLayout } from "./layout.js";
import { activeClientRecords, type IssuedRecord, type Ledger } from "../state/ledger.js";
import type { ClientSpec, Spec } from "../spec/types.js";
import type { ClientStamps, StampIndex } from "./stampIndex.js";

export {
  formatStampIndex,
  parseStampIndex,
  readStampIndex,
  writeStampIndex,
  type ClientStamps,
  type StampIndex,
} from "./stampIndex.js";

/** What the accepted-or-not decision needs to know beyond the index and the files. */
export interface SettleContext {
  rotating: boolean;
  /** The digest of the code that renders client files (render/fingerprint.ts): other code, other files. */
  renderer: string;
  /** Fingerprints of the CAs on disk whose certificates stay acceptable. */
  acceptedCas: string[];
  ledger?: Ledger;
  now: Date;
  /** Clients the command wants renewed whatever their stamps say. */
  exclude?: ReadonlySet<string>;
}

/** What a build stamps its clients' files with: the spec, where the tree is, the ledger it wrote, and its context. */
export interface StampRun {
  spec: Spec;
  layout: TreeLayout;
  ledger: Ledger;
  rotating: boolean;
  renderer: string;
}

/** A stamp written less than this long before it was taken may share its time with a later change (timestamps are coarse). */
const RACY_MS = 20;

/** Looks up a file's stat without following links; undefined when it is missing. */
export type StatOf = (file: string) => FileStat | undefined;
const lstatOf: StatOf = (file) => lstatSync(file, { throwIfNoEntry: false });

/** The files the build keeps in a client's folder, by name: one of four shared lists (the layout's own names). */
export function clientFileNames(layout: TreeLayout, client: ClientSpec): readonly string[] {
  return fileSetOf(layout, client).names;
}

interface FileSet {
  names: readonly string[];
  /** The names joined, to compare with a set read from the index. */
  key: string;
}

let knownFileSets: FileSet[] | undefined;
/** Worked out once per process: key or CSR, with or without a password file. */
function fileSetOf(layout: TreeLayout, client: ClientSpec): FileSet {
  knownFileSets ??= ((name: (file: (client: string) => string) => string) => {
    const scripts = [name(layout.clientCommands)];
    return [name(layout.clientKey), name(layout.clientCsr)]
      .flatMap((key) => [
        [name(layout.clientCert), key, ...scripts],
        [name(layout.clientCert), key, name(layout.clientPassword), ...scripts],
      ])
      .map((names) => ({ names, key: names.join("/") }));
  })((file) => path.basename(file("client")));
  return knownFileSets[(client.deviceKey ? 2 : 0) + (client.password ? 1 : 0)];
}

/** The client's folder by concatenation: names are file-safe, and normalizing 10,000 joined paths is measurable. */
const clientDir = (layout: TreeLayout, client: ClientSpec) => `${layout.clientsDir}/${client.name}`;

/** Whether every file still has the stamp recorded for it (fields compared in fileStatNumbers' order, without an array per file). */
function stampsHold(dir: string, names: readonly string[], recorded: string): boolean {
  const numbers = recorded.split(",");
  if (numbers.length !== names.length * FILE_STAT_NUMBERS) return false;
  for (let i = 0; i < names.length; i++) {
    const stat = lstatSync(`${dir}/${names[i]}`, { throwIfNoEntry: false });
    const at = i * FILE_STAT_NUMBERS;
    if (
      !stat?.isFile() ||
      stat.ino !== Number(numbers[at]) ||
      stat.size !== Number(numbers[at + 1]) ||
      stat.mtimeMs !== Number(numbers[at + 2]) ||
      stat.ctimeMs !== Number(numbers[at + 3]) ||
      stat.mode !== Number(numbers[at + 4]) ||
      stat.uid !== Number(numbers[at + 5]) ||
      stat.gid !== Number(numbers[at + 6])
    )
      return false;
  }
  return true;
}

const sha256 = (value: unknown) => sha256Hex(JSON.stringify(value));

/** The spec apart from its clients, whether a CA rotation is under way, and the code that renders files. */
export function contextDigest(spec: Spec, rotating: boolean, renderer: string): string {
  return sha256({ renderer, spec: { ...spec, clients: undefined }, rotating });
}

export function clientInputs(client: ClientSpec): string {
  return sha256(client);
}

/**
 * Clients whose files are known right without reading them: same shared context, same spec
 * entry, the certificate the ledger still holds active, from an accepted CA, not expired, and
 * every file's stamp unchanged.
 */
export function settledClients(
  index: StampIndex | undefined,
  spec: Spec,
  layout: TreeLayout,
  context: SettleContext,
  /** Take every stamp as holding without comparing it (status reports from the ledger; verify reads all). */
  trusted = false,
): Set<string> {
  const settled = new Set<string>();
  if (!index || index.context !== contextDigest(spec, context.rotating, context.renderer)) return settled;
  const active = activeClientRecords(context.ledger);
  const sets = index.fileSets.map((names) => names.join("/"));
  for (const client of spec.clients) {
    const entry = index.clients.get(client.name);
    const record = active.get(client.name);
    if (!entry || !record || context.exclude?.has(client.name) || !stillValid(record, entry, context)) continue;
    if (sets[entry.set] !== fileSetOf(layout, client).key || entry.inputs !== clientInputs(client)) continue;
    if (trusted || stampsHold(clientDir(layout, client), index.fileSets[entry.set], entry.files))
      settled.add(client.name);
  }
  return settled;
}

function stillValid(record: IssuedRecord, entry: ClientStamps, context: SettleContext): boolean {
  return (
    record.fingerprint256 === entry.certificate &&
    context.acceptedCas.includes(record.issuer) &&
    Date.parse(record.notAfter) > context.now.getTime()
  );
}

/**
 * The index after a build: settled clients keep their entries, every other client whose files
 * are all there is stamped anew. A stamp taken within RACY_MS of its file's last change is
 * taken again once that much time has passed, so a later change cannot hide behind it.
 */
export async function stampClients(
  run: StampRun,
  previous: StampIndex | undefined,
  settled: ReadonlySet<string>,
  statOf = lstatOf,
): Promise<StampIndex> {
  const { spec, layout, ledger } = run;
  const active = activeClientRecords(ledger);
  const clients = new Map<string, ClientStamps>();
  const fileSets: (readonly string[])[] = [];
  const setOf = new Map<string, number>();
  const setIndex = (names: readonly string[]) => {
    const key = names.join("/");
    let at = setOf.get(key);
    if (at === undefined) setOf.set(key, (at = fileSets.push(names) - 1));
    return at;
  };
  const stampAll = (
    client: ClientSpec,
    record: IssuedRecord,
    since: number,
  ): { entry?: ClientStamps; racy: boolean } => {
    const dir = clientDir(layout, client);
    const files: number[] = [];
    const names = clientFileNames(layout, client);
    let racy = false;
    for (const name of names) {
      const stat = statOf(`${dir}/${name}`);
      if (!stat?.isFile()) return { racy: false };
      files.push(...fileStatNumbers(stat));
      racy ||= stat.ctimeMs >= since - RACY_MS;
    }
    return {
      entry: {
        inputs: clientInputs(client),
        certificate: record.fingerprint256,
        set: setIndex(names),
        files: files.join(","),
      },
      racy,
    };
  };
  let since = Date.now();
  const racy: ClientSpec[] = [];
  const renumbered = new Map<number, number>();
  for (const client of spec.clients) {
    const kept = settled.has(client.name) ? previous?.clients.get(client.name) : undefined;
    const record = active.get(client.name);
    if (kept && previous) {
      // A kept entry's set is numbered anew in this index's table (almost always the same number).
      let set = renumbered.get(kept.set);
      if (set === undefined) renumbered.set(kept.set, (set = setIndex(previous.fileSets[kept.set])));
      clients.set(client.name, set === kept.set ? kept : { ...kept, set });
    } else if (record) {
      const stamped = stampAll(client, record, since);
      if (stamped.racy) racy.push(client);
      else if (stamped.entry) clients.set(client.name, stamped.entry);
    }
  }
  if (racy.length > 0) {
    await new Promise((resolve) => setTimeout(resolve, RACY_MS + 1));
    since = Date.now();
    for (const client of racy) {
      const stamped = stampAll(client, active.get(client.name)!, since);
      if (stamped.entry && !stamped.racy) clients.set(client.name, stamped.entry);
    }
  }
  return { context: contextDigest(spec, run.rotating, run.renderer), fileSets, clients };
}
