import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

/**
 * The WebCrypto provider used when a caller brings none. Node's own is the fastest here;
 * every signing call still passes its signer's provider explicitly, so a key from another
 * provider (an HSM-backed one, or @peculiar/webcrypto) works without touching this.
 */
export const defaultCrypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(defaultCrypto);

export { x509 };
