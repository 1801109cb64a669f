import { promises as fs } from "node:fs";
import { certFacts, type CertFacts } from "../crypto/facts.js";
import { exists } from "../io/files.js";
import { FileMemory, type TreeFiles } from "./fileMemory.js";
import { treeLayout } from "./layout.js";
import type { TreeCache, SettleOptions } from "./cache.js";
import { readLedger } from "../state/stateFile.js";
import type { Ledger } from "../state/ledger.js";
import type { Spec } from "../spec/types.js";

/** A certificate and key as found on disk; any of them may be missing or unreadable. */
export interface StoredPair {
  readonly certPem?: string;
  readonly keyPem?: string;
  /** A device's CSR (clients with deviceKey). */
  readonly csrPem?: string;
  readonly facts?: CertFacts;
  /** Why the certificate on disk could not be parsed. */
  readonly certError?: string;
  /**
   * The client's files are as the last build left them, for this very spec entry, with the
   * certificate the ledger holds active: nothing was read, there is nothing to redo.
   */
  readonly untouched?: boolean;
}

export interface TreeState {
  exists: boolean;
  ca: StoredPair;
  /** The CA being retired while a CA rotation is under way (absent otherwise). */
  previousCa: StoredPair;
  /** state.json, or undefined when there is none yet (or it was lost). */
  ledger?: Ledger;
  crlPem?: string;
  /** The highest number among the CRLs kept in archive/crl/ (named <number>.pem); 0 when none. */
  archivedCrlNumber?: number;
  servers: Map<string, StoredPair>;
  clients: Map<string, StoredPair>;
  /** Folders in the tree with no entry in the spec. */
  strayServers: string[];
  strayClients: string[];
  /** Generated MQTT passwords of clients with `password: true`, and the password file's text. */
  passwords?: Map<string, string>;
  passwdText?: string;
  /** What the tree holds at a path, as this run knows it (the writer skips what is already right). */
  files: TreeFiles;
}

/**
 * A stored pair whose certificate is parsed only when someone looks at `facts` (parsing
 * costs ~0.1 ms; a no-op rebuild of a large fleet never needs to).
 */
export function storedPair(certPem: string | undefined, keyPem: string | undefined, csrPem?: string): StoredPair {
  let parsed: { facts?: CertFacts; certError?: string } | undefined;
  const parse = () => {
    if (!parsed) {
      parsed = {};
      if (certPem !== undefined) {
        try {
          parsed.facts = certFacts(certPem);
        } catch (error) {
          parsed.certError = (error as Error).message;
        }
      }
    }
    return parsed;
  };
  return {
    certPem,
    keyPem,
    csrPem,
    get facts() {
      return parse().facts;
    },
    get certError() {
      return parse().certError;
    },
  };
}

/** Reads files, remembering each (or its absence). */
function readAll(memory: FileMemory, files: (string | undefined)[]): (Buffer | undefined)[] {
  return files.map((file) => (file === undefined ? undefined : (memory.remember(file)?.content ?? undefined)));
}

export function readPair(certFile: string, keyFile: string, memory = new FileMemory()): StoredPair {
  const [cert, key] = readAll(memory, [certFile, keyFile]);
  return storedPair(cert?.toString(), key?.toString());
}

function readClient(memory: FileMemory, files: readonly (string | undefined)[]): StoredPair {
  const [cert, key, csr] = readAll(memory, [...files]);
  return storedPair(cert?.toString(), key?.toString(), csr?.toString());
}

/** archive/crl/ holds replaced CRLs under their highest CRL number: only the names are read. */
async function highestArchivedCrlNumber(archiveDir: string): Promise<number> {
  try {
    const names = await fs.readdir(`${archiveDir}/crl`);
    return names.reduce((high, name) => Math.max(high, /^\d+\.pem$/.test(name) ? Number.parseInt(name, 10) : 0), 0);
  } catch {
    return 0;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** What an absent client's entry holds: nothing read, nothing to parse. */
const NOTHING_READ: StoredPair = Object.freeze({});
/** What a client the cache vouches for holds: nothing read, nothing to redo. */
const UNTOUCHED: StoredPair = Object.freeze({ untouched: true });

/** How a run reads the tree: through its cache, which may vouch for clients nothing touched. */
export interface TreeReading {
  cache?: TreeCache;
  settle?: SettleOptions;
  /** Nothing will be written (status, a dry run): the ledger need not keep its text for rewriting. */
  readOnly?: boolean;
}

/**
 * Reads every certificate and key the spec mentions from the output tree, except those of the
 * clients the cache vouches for (marked `untouched`).
 */
export async function readTree(spec: Spec, reading: TreeReading = {}): Promise<TreeState> {
  const layout = treeLayout(spec.out);
  const memory = reading.cache?.files ?? new FileMemory();
  const settle = reading.settle && reading.cache?.settler(spec, reading.settle);
  const [serverDirs, clientDirs] = await Promise.all([listDir(layout.serversDir), listDir(layout.clientsDir)]);
  // A client without a folder has no files: known absent without trying each (a first build, an added device).
  const present = new Set(clientDirs);
  const absentClient = (name: string): StoredPair => {
    memory.markAbsentDir(layout.clientDir(name));
    return NOTHING_READ;
  };
  // The scripts are not read here: the writer compares them one at a time, so they are never all in memory.
  const clientFiles = (client: Spec["clients"][number]) =>
    [
      layout.clientCert(client.name),
      layout.clientKey(client.name),
      client.deviceKey ? layout.clientCsr(client.name) : undefined,
    ] as const;
  const ledgerRead = readLedger(layout.state, !reading.readOnly);
  const ca = readPair(layout.caCert, layout.caKey, memory);
  const previousCa = readPair(layout.previousCaCert, layout.previousCaKey, memory);
  const [crl] = readAll(memory, [
    layout.crl,
    layout.mosquittoConf,
    ...spec.servers.map((server) => layout.serverConfD(server.name)),
  ]);
  const servers = spec.servers.map(
    (server) => [server.name, readPair(layout.serverCert(server.name), layout.serverKey(server.name), memory)] as const,
  );
  const [ledger, archivedCrlNumber] = await Promise.all([ledgerRead, highestArchivedCrlNumber(layout.archiveDir)]);
  const settled: ReadonlySet<string> = settle?.({ ca, previousCa, ledger }) ?? new Set<string>();
  const clients = spec.clients.map((client) => {
    if (settled.has(client.name)) return [client.name, UNTOUCHED] as const;
    if (!present.has(client.name)) return [client.name, absentClient(client.name)] as const;
    return [client.name, readClient(memory, clientFiles(client))] as const;
  });
  const [passwdText, ...passwordTexts] = readAll(memory, [
    layout.passwdFile,
    layout.aclFile,
    ...spec.clients.filter((c) => c.password).map((c) => layout.clientPassword(c.name)),
  ]);
  const passwords = new Map(
    spec.clients
      .filter((c) => c.password)
      .map((c, i) => [c.name, passwordTexts[i + 1]?.toString().trim()] as const)
      .filter((entry): entry is [string, string] => !!entry[1]),
  );
  const serverNames = new Set(spec.servers.map((server) => server.name));
  const clientNames = new Set(spec.clients.map((client) => client.name));
  return {
    exists: await exists(spec.out),
    ca,
    previousCa,
    ledger,
    crlPem: crl?.toString(),
    archivedCrlNumber,
    servers: new Map(servers),
    clients: new Map(clients),
    strayServers: serverDirs.filter((name) => !serverNames.has(name)),
    strayClients: clientDirs.filter((name) => !clientNames.has(name)),
    files: memory,
    passwords,
    passwdText: passwdText?.toString(),
  };
}
