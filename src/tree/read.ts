import { promises as fs } from "node:fs";
import { certFacts, type CertFacts } from "../crypto/facts.js";
import { exists, readIfExists } from "../io/files.js";
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
  servers: Map<string, StoredPair>;
  clients: Map<string, StoredPair>;
  /** Folders in the tree with no entry in the spec. */
  strayServers: string[];
  strayClients: string[];
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
    certPem, keyPem, csrPem,
    get facts() { return parse().facts; },
    get certError() { return parse().certError; },
  };
}

export async function readPair(certFile: string, keyFile: string): Promise<StoredPair> {
  const [cert, key] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  return storedPair(cert?.toString(), key?.toString());
}

async function readClient(certFile: string, keyFile: string, csrFile: string): Promise<StoredPair> {
  const [cert, key, csr] = await Promise.all([readIfExists(certFile), readIfExists(keyFile), readIfExists(csrFile)]);
  return storedPair(cert?.toString(), key?.toString(), csr?.toString());
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
