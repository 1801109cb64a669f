import "reflect-metadata";
import { createRequire } from "node:module";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type * as PeculiarWebcrypto from "@peculiar/webcrypto";

/**
 * Node's WebCrypto: what @peculiar/x509 parses and hashes with. Leaf certificates never go
 * through WebCrypto at all: the CA key signs them in-process with node:crypto (a fleet's hot
 * path, see signer.ts).
 */
export const defaultCrypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(defaultCrypto);

let caSide: Crypto | undefined;

/**
 * The provider of the CA's own WebCrypto work: signing its certificate and its CRLs, and
 * checking the signature of a device's CSR. That is @peculiar/webcrypto, the provider
 * @peculiar/x509 is built and tested with, and the same interface an HSM-backed provider
 * (node-webcrypto-p11) offers. It is loaded on first use (about 60 ms here), so a command that
 * signs nothing never pays for it. Loaded through require: its ES build is not plain ESM.
 */
export function caCrypto(): Crypto {
  if (!caSide) {
    const { Crypto: PeculiarCrypto } = createRequire(import.meta.url)(
      "@peculiar/webcrypto",
    ) as typeof PeculiarWebcrypto;
    caSide = new PeculiarCrypto() as unknown as Crypto;
  }
  return caSide;
}

export { x509 };
