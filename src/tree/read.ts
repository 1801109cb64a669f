import { promises as fs } from "node:fs";
import { certFacts, type CertFacts } from "../crypto/facts.js";
import { exists, readIfExists } from "../io/files.js";
import { treeLayout } from "./layout.js";
import { readLedger } from "../state/stateFile.js";
import type { Ledger } from "../state/ledger.js";
import type { Spec } from "../spec/types.js";

/** A certificate and key as found on disk; any of them may be missing or unreadable. */
export interface StoredPair {
  certPem?: string;
  keyPem?: string;
  /** A device's CSR (clients with deviceKey). */
  csrPem?: string;
  facts?: CertFacts;
  /** Why the certificate on disk could not be parsed. */
  certError?: string;
}

export interface TreeState {
  exists: boolean;
  ca: StoredPair;
  /** The CA being retired while a CA rotation is under way (absent otherwise). */
  previousCa: StoredPair;
  /** state.json, or undefined when there is none yet (or it was lost). */
  ledger?: Ledger;
  crlPem?: string;
  servers: Map<string, StoredPair>;
  clients: Map<string, StoredPair>;
  /** Folders in the tree with no entry in the spec. */
  strayServers: string[];
  strayClients: string[];
}

export async function readPair(certFile: string, keyFile: string): Promise<StoredPair> {
  const [cert, key] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  const pair: StoredPair = { certPem: cert?.toString(), keyPem: key?.toString() };
  if (pair.certPem !== undefined) {
    try {
      pair.facts = certFacts(pair.certPem);
    } catch (error) {
      pair.certError = (error as Error).message;
    }
  }
  return pair;
}

async function readClient(certFile: string, keyFile: string, csrFile: string): Promise<StoredPair> {
  const [pair, csr] = await Promise.all([readPair(certFile, keyFile), readIfExists(csrFile)]);
  return { ...pair, csrPem: csr?.toString() };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** Reads every certificate and key the spec mentions from the output tree. */
export async function readTree(spec: Spec): Promise<TreeState> {
  const layout = treeLayout(spec.out);
  const [ca, previousCa, ledger, crl, servers, clients, serverDirs, clientDirs] = await Promise.all([
    readPair(layout.caCert, layout.caKey),
    readPair(layout.previousCaCert, layout.previousCaKey),
    readLedger(layout.state),
    readIfExists(layout.crl),
    Promise.all(spec.servers.map(async (server) => [server.name, await readPair(layout.serverCert(server.name), layout.serverKey(server.name))] as const)),
    Promise.all(spec.clients.map(async (client) => [client.name, await readClient(layout.clientCert(client.name), layout.clientKey(client.name), layout.clientCsr(client.name))] as const)),
    listDir(layout.serversDir),
    listDir(layout.clientsDir),
  ]);
  const serverNames = new Set(spec.servers.map((server) => server.name));
  const clientNames = new Set(spec.clients.map((client) => client.name));
  return {
    exists: await exists(spec.out),
    ca,
    previousCa,
    ledger,
    crlPem: crl?.toString(),
    servers: new Map(servers),
    clients: new Map(clients),
    strayServers: serverDirs.filter((name) => !serverNames.has(name)),
    strayClients: clientDirs.filter((name) => !clientNames.has(name)),
  };
}
