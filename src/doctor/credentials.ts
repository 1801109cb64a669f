import { createPrivateKey } from "node:crypto";
import path from "node:path";
import { certFacts } from "../crypto/facts.js";
import { PkiError } from "../errors.js";
import { readPath } from "../io/read.js";
import { DEFAULT_SPEC_FILE } from "../spec/load.js";
import type { Spec } from "../spec/types.js";
import { treeLayout } from "../tree/layout.js";
import type { CrlPlaces } from "./crlCauses.js";
import { checkClientFiles, pemCertificates, type ClientFileFacts } from "./localChecks.js";
import type { TlsMaterial } from "./probe.js";

/**
 * What doctor reads before it dials: the files a client presents and trusts, from a client of
 * the spec's tree or as given, each checked to be what it claims, so a bad file is said as
 * such rather than as a handshake failure.
 */

/** What the client presents and trusts, read and checked before connecting. */
export interface Credentials {
  material: TlsMaterial;
  caPems: string[];
  client?: ClientFileFacts;
  clientName?: string;
  crlPlaces?: CrlPlaces;
}

export interface CredentialsRequest {
  /** The spec, when the files come from its tree or its CRL is the broker's. */
  spec?: Spec;
  /** The spec file as the user named it (for the CRL's fix). */
  specFile?: string;
  /** A client of the spec whose certificate, key and CA are used where no file is given. */
  clientName?: string;
  cafile?: string;
  cert?: string;
  key?: string;
}

export function loadCredentials(request: CredentialsRequest): Credentials {
  const { spec, clientName } = request;
  const files = spec && clientName ? clientFilesOf(spec, clientName, request) : request;
  const { cafile, cert, key } = files;
  // With a spec, its tree's CRL is the one the broker was given; a tree also keeps its CRL
  // beside the CA (ca/crl.pem), so without one the file beside --cafile is used when it is there.
  const crlFile = spec ? treeLayout(spec.out).crl : cafile ? path.join(path.dirname(cafile), "crl.pem") : undefined;
  const crlPlaces = crlFile === undefined ? undefined : crlPlacesOf(crlFile, spec, request.specFile);
  if ((cert === undefined) !== (key === undefined)) {
    throw new PkiError("--cert and --key go together", {
      hint: "pass both (the client's certificate and its private key), or neither",
    });
  }
  const { caText, caPems } = readTrustedCas(cafile);
  const material: TlsMaterial = { ca: caText };
  if (cert === undefined || key === undefined) return { material, caPems, clientName, crlPlaces };
  const certPem = readRequired(cert, "client certificate");
  const keyPem = readRequired(key, "client key");
  parseCertificate(certPem, cert);
  parseKey(keyPem, key);
  const crlPem = crlFile === undefined ? undefined : readOptional(crlFile);
  return {
    material: { ...material, cert: certPem, key: keyPem },
    caPems,
    client: checkClientFiles({ certPem, keyPem, crlPem }),
    clientName,
    crlPlaces,
  };
}

type ClientFiles = Pick<CredentialsRequest, "cafile" | "cert" | "key">;

/** The tree's files of a spec client, where the caller gave none of its own. */
function clientFilesOf(spec: Spec, clientName: string, given: ClientFiles): ClientFiles {
  const client = spec.clients.find((candidate) => candidate.name === clientName);
  if (!client)
    throw new PkiError(`no client named \`${clientName}\` in the spec`, {
      hint: `clients: ${spec.clients.map((c) => c.name).join(", ") || "(none)"}`,
    });
  const layout = treeLayout(spec.out);
  if (!given.key && client.deviceKey) {
    throw new PkiError(`the key of \`${clientName}\` lives on the device, not in the tree`, {
      hint: "run doctor on the device, or pass --cert and --key",
    });
  }
  return {
    cert: given.cert ?? layout.clientCert(clientName),
    key: given.key ?? layout.clientKey(clientName),
    // During a CA rotation the clients trust the bundle of the old and the new CA.
    cafile: given.cafile ?? (exists(layout.caBundle) ? layout.caBundle : layout.caCert),
  };
}

/** The CA file's text and each certificate in it; none when no CA file is given. */
function readTrustedCas(cafile: string | undefined): { caText?: string; caPems: string[] } {
  if (cafile === undefined) return { caPems: [] };
  const caText = readRequired(cafile, "CA file");
  const caPems = pemCertificates(caText);
  if (caPems.length === 0)
    throw new PkiError(`${cafile} holds no PEM certificate`, {
      hint: "pass the CA certificate (ca.crt), not a key or a DER file",
    });
  for (const pem of caPems) parseCertificate(pem, cafile);
  return { caText, caPems };
}

/** Where the CRL was read, and where the broker reads its own when deploy.dir moves the tree. */
function crlPlacesOf(localFile: string, spec: Spec | undefined, specFile: string | undefined): CrlPlaces {
  if (!spec) return { localFile };
  const brokerFile = spec.deployDir === spec.out ? undefined : treeLayout(spec.deployDir).crl;
  return { localFile, specFile: specFile ?? DEFAULT_SPEC_FILE, brokerFile };
}

/** Links are followed: the files doctor reads are the ones a client would be given, and TLS clients follow links. */
function readRequired(file: string, what: string): string {
  let content: Buffer | undefined;
  let code = "ENOENT";
  try {
    content = readPath(file, { followLinks: true })?.content;
  } catch (error) {
    code = (error as NodeJS.ErrnoException).code ?? String(error);
  }
  if (content) return content.toString("utf8");
  throw new PkiError(`cannot read the ${what} ${file}: ${READ_FAILURES[code]?.said ?? code}`, {
    hint: READ_FAILURES[code]?.hint ?? "check the file's permissions",
  });
}

/** What a failed read means, said plainly, and what to do instead. */
const READ_FAILURES: Record<string, { said: string; hint: string }> = {
  ENOENT: { said: "no such file", hint: "check the path (run `mqtt-pki build` first if it belongs to the tree)" },
  EISDIR: {
    said: "it is a folder, not a file",
    hint: "name the PEM file itself (e.g. pki/ca/ca.crt); a folder of hashed CA certificates is what mosquitto's --capath takes",
  },
  EACCES: { said: "permission denied", hint: "check the file's permissions, or run doctor as a user who may read it" },
};

function readOptional(file: string): string | undefined {
  try {
    return readPath(file, { followLinks: true })?.content?.toString("utf8");
  } catch {
    return undefined;
  }
}

/** Through links, as a client opening the file would go; anything that cannot be looked at counts as absent. */
function exists(file: string): boolean {
  try {
    return readPath(file, { followLinks: true, content: "never" }) !== undefined;
  } catch {
    return false;
  }
}

function parseCertificate(pem: string, file: string): void {
  try {
    certFacts(pem);
  } catch {
    throw new PkiError(`${file} is not a PEM certificate`, {
      hint: "pass the certificate file (-----BEGIN CERTIFICATE-----)",
    });
  }
}

function parseKey(pem: string, file: string): void {
  try {
    createPrivateKey(pem);
  } catch {
    throw new PkiError(`${file} is not an unencrypted PEM private key`, {
      hint: "pass the client's private key (client.key); encrypted keys cannot be used by mosquitto clients either",
    });
  }
}
