import { createPrivateKey, createPublicKey, generateKeyPair as nodeGenerateKeyPair, type KeyObject } from "node:crypto";
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
  const pair = await generateNodeKeyPair(algorithm);
  return fromPrivateKeyObject(algorithm, pair.privateKey);
}

async function generateNodeKeyPair(algorithm: KeyAlgorithm): Promise<{ privateKey: KeyObject }> {
  switch (algorithm) {
    case "ec-p256": return generate("ec", { namedCurve: "P-256" });
    case "ec-p384": return generate("ec", { namedCurve: "P-384" });
    case "rsa-2048": return generate("rsa", { modulusLength: 2048 });
    case "rsa-3072": return generate("rsa", { modulusLength: 3072 });
    case "rsa-4096": return generate("rsa", { modulusLength: 4096 });
    case "ed25519": return generate("ed25519", {});
  }
}

export function fromPrivateKeyObject(algorithm: KeyAlgorithm, privateKey: KeyObject): KeyMaterial {
  return {
    algorithm,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    spkiDer: createPublicKey(privateKey).export({ type: "spki", format: "der" }),
  };
}

/** Reads a PEM private key back; the algorithm is read off the key, not trusted from the spec. */
export function loadPrivateKey(pem: string): KeyMaterial {
  const key = createPrivateKey(pem);
  return fromPrivateKeyObject(algorithmOf(key), key);
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

/** True when the SPKI of a certificate belongs to this private key. */
export function keyMatchesSpki(privateKeyPem: string, spkiDer: ArrayBuffer | Buffer): boolean {
  const mine = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: "spki", format: "der" });
  return mine.equals(Buffer.from(spkiDer as ArrayBuffer));
}
