import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  generateKeyPair as nodeGenerateKeyPair,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { promisify } from "node:util";
import { toPem } from "./pem.js";
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
  if (!algorithm.startsWith("rsa-")) return generateKeySync(algorithm);
  const pair = await generateRsaKeyPair(algorithm as "rsa-2048" | "rsa-3072" | "rsa-4096");
  return fromPrivateKeyObject(algorithm, pair.privateKey);
}

/** The same, blocking: for worker threads, which exist to block. */
export function generateKeySync(algorithm: KeyAlgorithm): KeyMaterial {
  if (algorithm === "ec-p256") return generateP256Key();
  const { privateKey } =
    algorithm === "ed25519"
      ? generateKeyPairSync("ed25519")
      : algorithm === "ec-p384"
        ? generateKeyPairSync("ec", { namedCurve: "P-384" })
        : generateKeyPairSync("rsa", { modulusLength: Number(algorithm.slice(4)) });
  return fromPrivateKeyObject(algorithm, privateKey);
}

/**
 * Where P-256's private scalar and public point sit in the PKCS#8 and SPKI that node:crypto
 * writes, learnt from one sample key: both structures have fixed-length fields per curve.
 */
interface EcLayout {
  pkcs8: Buffer;
  spki: Buffer;
  scalarAt: number;
  pointAt: number;
  spkiPointAt: number;
}
let p256Layout: EcLayout | null | undefined;

function p256LayoutOnce(): EcLayout | null {
  if (p256Layout !== undefined) return p256Layout;
  const { scalar, point } = p256Numbers();
  const privateKey = createPrivateKey({
    format: "jwk",
    key: {
      kty: "EC",
      crv: "P-256",
      d: scalar.toString("base64url"),
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    },
  });
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const layout = {
    pkcs8,
    spki,
    scalarAt: pkcs8.indexOf(scalar),
    pointAt: pkcs8.indexOf(point),
    spkiPointAt: spki.indexOf(point),
  };
  // Anything unexpected (a field not found, or found twice): export every key instead.
  const sound =
    layout.scalarAt > 0 &&
    layout.pointAt > 0 &&
    layout.spkiPointAt > 0 &&
    pkcs8.indexOf(scalar, layout.scalarAt + 1) < 0;
  return (p256Layout = sound ? layout : null);
}

/** A P-256 key pair as numbers: the scalar (32 bytes, left-padded) and the uncompressed point. */
function p256Numbers(): { scalar: Buffer; point: Buffer } {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const raw = ecdh.getPrivateKey();
  const scalar = Buffer.alloc(32);
  raw.copy(scalar, 32 - raw.length);
  return { scalar, point: ecdh.getPublicKey() };
}

/**
 * A P-256 key without generateKeyPairSync and the PKCS#8/SPKI exports: together ≈ 6× the cost
 * of ECDH key generation, and (Node 20) a sync key-generation job collected in the middle of a
 * later export can deadlock the thread. The numbers go into the sample's structures; the
 * result is byte-identical to node:crypto's own export (a unit test holds it to that).
 */
function generateP256Key(): KeyMaterial {
  const layout = p256LayoutOnce();
  if (!layout) return fromPrivateKeyObject("ec-p256", generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
  const { scalar, point } = p256Numbers();
  const pkcs8 = Buffer.from(layout.pkcs8);
  scalar.copy(pkcs8, layout.scalarAt);
  point.copy(pkcs8, layout.pointAt);
  const spkiDer = Buffer.from(layout.spki);
  point.copy(spkiDer, layout.spkiPointAt);
  return { algorithm: "ec-p256", privateKeyPem: toPem(pkcs8, "PRIVATE KEY"), spkiDer };
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
