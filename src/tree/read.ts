import { promises as fs } from "node:fs";
import { certFacts, type CertFacts } from "../crypto/facts.js";
import { exists, readSeen, type SeenFile } from "../io/files.js";
import { treeLayout } from "./layout.js";
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
  /** Clients whose files the stamp index vouches for: neither read nor planned (see tree/stamps.ts). */
  settled?: ReadonlySet<string>;
  /** Client folders that do not exist: none of their files needs opening to know it is absent. */
  absentDirs?: ReadonlySet<string>;
  /** Every file read, with its mode: lets the writer skip files that are already right. */
  seen?: Map<string, SeenFile | null>;
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

/** Reads files, remembering each (or its absence) in `seen`. */
async function readAll(
  seen: Map<string, SeenFile | null>,
  files: (string | undefined)[],
): Promise<(Buffer | undefined)[]> {
  return Promise.all(
    files.map(async (file) => {
      if (file === undefined) return undefined;
      const found = await readSeen(file);
      seen.set(file, found ?? null);
      return found?.content;
    }),
  );
}

export async function readPair(
  certFile: string,
  keyFile: string,
  seen = new Map<string, SeenFile | null>(),
): Promise<StoredPair> {
  const [cert, key] = await readAll(seen, [certFile, keyFile]);
  return storedPair(cert?.toString(), key?.toString());
}

async function readClient(
  seen: Map<string, SeenFile | null>,
  certFile: string,
  keyFile: string,
  csrFile: string | undefined,
): Promise<StoredPair> {
  const [cert, key, csr] = await readAll(seen, [certFile, keyFile, csrFile]);
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

/** What a settled or absent client's entry holds: nothing read, nothing to parse. */
const NOTHING_READ: StoredPair = Object.freeze({});

/** Given the CAs and the ledger, names the clients whose files need not be read (the stamp index's verdict). */
export type Settle = (head: {
  ca: StoredPair;
  previousCa: StoredPair;
  ledger?: Ledger;
}) => Set<string> | Promise<Set<string>>;

/** Reads every certificate and key the spec mentions from the output tree, except those of settled clients. */
export async function readTree(spec: Spec, settle?: Settle): Promise<TreeState> {
  const layout = treeLayout(spec.out);
  const seen = new Map<string, SeenFile | null>();
  const [serverDirs, clientDirs] = await Promise.all([listDir(layout.serversDir), listDir(layout.clientsDir)]);
  // A client without a folder has no files: known absent without trying each (a first build, an added device).
  const present = new Set(clientDirs);
  const absentDirs = new Set<string>();
  const absentClient = (name: string): StoredPair => {
    absentDirs.add(layout.clientDir(name));
    return NOTHING_READ;
  };
  // The scripts are not read here: the writer compares them one at a time, so they are never all in memory.
  const clientFiles = (client: Spec["clients"][number]) =>
    [
      layout.clientCert(client.name),
      layout.clientKey(client.name),
      client.deviceKey ? layout.clientCsr(client.name) : undefined,
    ] as const;
  const [ca, previousCa, ledger, [crl], servers, archivedCrlNumber] = await Promise.all([
    readPair(layout.caCert, layout.caKey, seen),
    readPair(layout.previousCaCert, layout.previousCaKey, seen),
    readLedger(layout.state),
    readAll(seen, [layout.crl, layout.mosquittoConf, ...spec.servers.map((server) => layout.serverConfD(server.name))]),
    Promise.all(
      spec.servers.map(
        async (server) =>
          [server.name, await readPair(layout.serverCert(server.name), layout.serverKey(server.name), seen)] as const,
      ),
    ),
    highestArchivedCrlNumber(layout.archiveDir),
  ]);
  const settled = (await settle?.({ ca, previousCa, ledger })) ?? new Set<string>();
  // Only the clients actually read get a promise (a fleet's rebuild settles 10,000 of them).
  const clients: (readonly [string, StoredPair])[] = [];
  const reads: Promise<void>[] = [];
  spec.clients.forEach((client, i) => {
    if (settled.has(client.name)) clients[i] = [client.name, NOTHING_READ];
    else if (!present.has(client.name)) clients[i] = [client.name, absentClient(client.name)];
    else reads.push(readClient(seen, ...clientFiles(client)).then((pair) => void (clients[i] = [client.name, pair])));
  });
  await Promise.all(reads);
  const [passwdText, ...passwordTexts] = await readAll(seen, [
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
    settled,
    absentDirs,
    seen,
    passwords,
    passwdText: passwdText?.toString(),
  };
}
