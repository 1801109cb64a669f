import { certFacts, type CertFacts } from "../crypto/facts.js";
import { PkiError, TreeError } from "../errors.js";
import type { IssuingCa } from "../crypto/issue.js";
import { isEncryptedPem, loadPrivateKey, type KeyMaterial } from "../crypto/keys.js";
import { PASSPHRASE_ENV, type PassphraseSource } from "../io/passphrase.js";
import { x509 } from "../crypto/provider.js";
import { softwareSigner } from "../crypto/signer.js";

/** A CA as it is on disk; its key is unlocked (decrypted, imported) only when something must be signed. */
export interface LoadedCa {
  pem: string;
  /** The key file's text as stored (encrypted PKCS#8 when ca.encryptKey). */
  keyPem: string;
  facts: CertFacts;
  certificate: x509.X509Certificate;
  fingerprint256: string;
  unlock(): Promise<IssuingCa>;
}

/** `plainKeyPem`: the key already decrypted (a CA made or re-encrypted in this run). */
export function loadCa(certPem: string, keyPem: string, passphrase: PassphraseSource, plainKeyPem?: string): LoadedCa {
  const certificate = new x509.X509Certificate(certPem);
  let unlocked: Promise<IssuingCa> | undefined;
  const unlock = async (): Promise<IssuingCa> => {
    const key = plainKeyPem !== undefined ? loadPrivateKey(plainKeyPem) : await decryptCaKey(keyPem, passphrase);
    if (!key.spkiDer.equals(Buffer.from(certificate.publicKey.rawData))) {
      throw new TreeError("the CA key does not belong to the CA certificate; nothing was changed", {
        hint: "put back the matching pair from your backup",
      });
    }
    const signer = await softwareSigner(key.privateKeyPem, key.algorithm);
    return { signer, certificate, keyAlgorithm: key.algorithm };
  };
  const facts = certFacts(certPem);
  return {
    pem: certPem,
    keyPem,
    facts,
    certificate,
    fingerprint256: facts.fingerprint256,
    unlock: () => (unlocked ??= unlock()),
  };
}

/** Plain keys load as they are; encrypted ones ask the passphrase source, once, and only now. */
export async function decryptCaKey(keyPem: string, passphrase: PassphraseSource): Promise<KeyMaterial> {
  if (!isEncryptedPem(keyPem)) return loadPrivateKey(keyPem);
  const secret = await passphrase("unlock");
  try {
    return loadPrivateKey(keyPem, secret);
  } catch {
    throw new PkiError("the CA key passphrase is wrong; nothing was changed", {
      hint: `check ${PASSPHRASE_ENV}, or type it again`,
    });
  }
}
