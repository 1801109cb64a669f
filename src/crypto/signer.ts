import { createPrivateKey, type KeyObject } from "node:crypto";
import type { KeyAlgorithm } from "../spec/types.js";
import { caCrypto } from "./provider.js";
import { fromPrivateKeyObject } from "./keys.js";

/**
 * The one interface the CA signing key hides behind: a WebCrypto key pair plus the provider
 * that owns it. A key held in an HSM (a PKCS#11-backed WebCrypto such as graphene's) fits here
 * without any other module knowing.
 */
export interface Signer {
  readonly crypto: Crypto;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** Passed to the certificate and CRL generators. */
  readonly signingAlgorithm: Algorithm | EcdsaParams;
  /**
   * Optional, for keys held in this process: the same key as node:crypto holds it, with its
   * hash. Certificates are then signed synchronously, on worker threads too. A remote or HSM
   * key simply leaves it out and every signature goes through `crypto.subtle`.
   */
  readonly inProcess?: InProcessKey;
}

export interface InProcessKey {
  key: KeyObject;
  /** null for Ed25519, which hashes internally. */
  hash: string | null;
}

export function webCryptoParams(algorithm: KeyAlgorithm): {
  importParams: EcKeyImportParams | RsaHashedImportParams | Algorithm;
  signingAlgorithm: Algorithm | EcdsaParams;
} {
  switch (algorithm) {
    case "ec-p256":
      return {
        importParams: { name: "ECDSA", namedCurve: "P-256" },
        signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams,
      };
    case "ec-p384":
      return {
        importParams: { name: "ECDSA", namedCurve: "P-384" },
        signingAlgorithm: { name: "ECDSA", hash: "SHA-384" } as EcdsaParams,
      };
    case "rsa-2048":
    case "rsa-3072":
    case "rsa-4096":
      return {
        importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
        signingAlgorithm: { name: "RSASSA-PKCS1-v1_5" },
      };
    case "ed25519":
      return { importParams: { name: "Ed25519" }, signingAlgorithm: { name: "Ed25519" } };
  }
}

/**
 * A signer whose key lives in a PEM file on disk (the default, software key). Its WebCrypto
 * side (the CA certificate, CRLs) goes through `crypto`, by default the CA-side provider
 * (@peculiar/webcrypto); leaves are signed in-process by node:crypto.
 */
export async function softwareSigner(privateKeyPem: string, algorithm: KeyAlgorithm, crypto?: Crypto): Promise<Signer> {
  const provider = crypto ?? caCrypto();
  const keyObject = createPrivateKey(privateKeyPem);
  const material = fromPrivateKeyObject(algorithm, keyObject);
  const pkcs8 = keyObject.export({ type: "pkcs8", format: "der" });
  const { importParams, signingAlgorithm } = webCryptoParams(algorithm);
  const privateKey = await provider.subtle.importKey("pkcs8", new Uint8Array(pkcs8), importParams, false, ["sign"]);
  const publicKey = await provider.subtle.importKey("spki", new Uint8Array(material.spkiDer), importParams, true, [
    "verify",
  ]);
  const hash = algorithm === "ed25519" ? null : algorithm === "ec-p384" ? "sha384" : "sha256";
  // The same key through node:crypto: one synchronous call instead of a WebCrypto job per
  // certificate. Not when the caller chose a provider: that one must do all of the signing.
  return {
    crypto: provider,
    privateKey,
    publicKey,
    signingAlgorithm,
    ...(crypto === undefined ? { inProcess: { key: keyObject, hash } } : {}),
  };
}
