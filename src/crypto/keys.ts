import { createPrivateKey, createPublicKey, generateKeyPair as nodeGenerateKeyPair, generateKeyPairSync, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import type { KeyAlgorithm } from "../spec/types.js";

const generate = promisify(nodeGenerateKeyPair);

/** A freshly made or loaded key: the PKCS#8 PEM that goes to disk and the SPKI that goes into a certificate. */
export interface KeyMaterial {
  algorithm: KeyAlgorithm;
  privateKeyPem: string;
  spkiDer: Buffer;
}

/** Key generation runs through node:crypto (async: RSA uses libuv's thread pool, so both cores). */
export async function generateKey(algorithm: KeyAlgorithm): Promise<KeyMaterial> {
  // EC and Ed25519 keys take ~0.1 ms: a thread-pool round trip costs more than it saves.
  if (algorithm === "ec-p256" || algorithm === "ec-p384" || algorithm === "ed25519") {
    const { privateKey } = algorithm === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: algorithm === "ec-p256" ? "P-256" : "P-384" });
    return fromPrivateKeyObject(algorithm, privateKey);
  }
  const pair = await generateRsaKeyPair(algorithm);
  return fromPrivateKeyObject(algorithm, pair.privateKey);
}

/** RSA keys take hundreds of ms: generated on libuv's pool, so several at once use every core. */
function generateRsaKeyPair(algorithm: "rsa-2048" | "rsa-3072" | "rsa-4096"): Promise<{ privateKey: KeyObject }> {
  return generate("rsa", { modulusLength: Number(algorithm.slice(4)) });
}

export function fromPrivateKeyObject(algorithm: KeyAlgorithm, privateKey: KeyObject): KeyMaterial {
  return {
    algorithm,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    spkiDer: createPublicKey(privateKey).export({ type: "spki", format: "der" }),
  };
}

/** Reads a PEM private key back; the algorithm is read off the key, not trusted from the spec. */
export function loadPrivateKey(pem: string, passphrase?: string): KeyMaterial {
  const key = createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase });
  return fromPrivateKeyObject(algorithmOf(key), key);
}

export function isEncryptedPem(pem: string): boolean {
  return pem.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----");
}

/** Encrypted PKCS#8 (PBES2: PBKDF2-SHA256 + AES-256-CBC), readable by `openssl pkey -passin`. */
export function encryptPrivateKey(pem: string, passphrase: string): string {
  return createPrivateKey(pem).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }).toString();
}

export function algorithmOf(key: KeyObject): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "ec":
      if (details.namedCurve === "prime256v1" || details.namedCurve === "P-256") return "ec-p256";
      if (details.namedCurve === "secp384r1" || details.namedCurve === "P-384") return "ec-p384";
      break;
    case "rsa":
      if (details.modulusLength === 2048) return "rsa-2048";
      if (details.modulusLength === 3072) return "rsa-3072";
      if (details.modulusLength === 4096) return "rsa-4096";
      break;
    case "ed25519":
      return "ed25519";
  }
  throw new Error(`unsupported key: ${key.asymmetricKeyType} ${JSON.stringify(details)}`);
}

