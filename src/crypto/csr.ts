import { createPublicKey } from "node:crypto";
import { PkiError } from "../errors.js";
import { algorithmOf } from "./keys.js";
import { caCrypto, x509 } from "./provider.js";
import type { KeyAlgorithm } from "../spec/types.js";

/** What a device's PKCS#10 request carries that matters to the client profile. */
export interface CsrFacts {
  pem: string;
  cn?: string;
  spkiDer: Buffer;
  keyAlgorithm: KeyAlgorithm;
  /** Extensions the device asked for; the profile decides, so these are only reported. */
  requestedExtensions: string[];
}

/** Parses a CSR without checking its signature (for CSRs already accepted into the tree). */
export function parseCsr(text: string | Buffer): CsrFacts {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(
      typeof text === "string" ? text : text.toString().includes("-----BEGIN") ? text.toString() : new Uint8Array(text),
    );
  } catch (error) {
    throw new PkiError(`not a PKCS#10 certificate request (${(error as Error).message})`, {
      hint: "make one on the device, e.g. `openssl req -new -key device.key -subj /CN=NAME -out device.csr`",
    });
  }
  const spkiDer = Buffer.from(csr.publicKey.rawData);
  let keyAlgorithm: KeyAlgorithm;
  try {
    keyAlgorithm = algorithmOf(createPublicKey({ key: spkiDer, format: "der", type: "spki" }));
  } catch {
    throw new PkiError("the CSR's key type is not one mqtt-pki issues for", {
      hint: "use an EC P-256/P-384, RSA 2048/3072/4096 or Ed25519 key on the device",
    });
  }
  const pem = typeof text === "string" && text.includes("-----BEGIN") ? text : `${csr.toString("pem")}\n`;
  return {
    pem: pem.endsWith("\n") ? pem : `${pem}\n`,
    cn: csr.subjectName.getField("CN")[0],
    spkiDer,
    keyAlgorithm,
    requestedExtensions: csr.extensions.map((extension) => extension.type),
  };
}

/** Parses a CSR from a device and checks that it was signed by the key it carries. */
export async function readCsr(text: string | Buffer): Promise<CsrFacts> {
  const facts = parseCsr(text);
  const csr = new x509.Pkcs10CertificateRequest(facts.pem);
  if (!(await csr.verify(caCrypto()))) {
    throw new PkiError("the CSR's signature does not verify: it was altered or not made with the key it carries", {
      hint: "make a fresh CSR on the device",
    });
  }
  return facts;
}
