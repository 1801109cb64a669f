import { createPrivateKey, type KeyObject } from "node:crypto";
import { certsInFile, type CertFacts } from "../crypto/facts.js";
import { isEncryptedPem } from "../crypto/keys.js";
import { certificateSpki, ecPkcs8PublicKeyBits, spkiPublicKeyBits } from "../crypto/asn1/structures.js";
import { fromPem } from "../crypto/pem.js";
import type { FileInfo } from "./fileInfo.js";

/**
 * Each file of a snapshot parsed at most once: a 10,000-client tree has every CA file, client
 * certificate and key referenced by several checks and several command lines.
 */
export class ParseCache {
  private readonly certs = new Map<string, CertFacts[]>();
  private readonly keys = new Map<string, KeyObject | null>();
  /** Each key file's pairing with the certificate it was last compared with: a client's key is asked about once per command line. */
  private readonly pairs = new Map<string, { cert: CertFacts; matches: boolean }>();
  private readonly trustSets = new Map<string | undefined, string>();

  constructor(private readonly files: Map<string, FileInfo>) {}

  /** Every certificate in the file (a bundle holds several); [] when missing or unreadable. */
  certificates(file: string | undefined): CertFacts[] {
    if (file === undefined) return [];
    let found = this.certs.get(file);
    if (!found) {
      found = certsInFile(this.files.get(file)?.content);
      this.certs.set(file, found);
    }
    return found;
  }

  certificate(file: string | undefined): CertFacts | undefined {
    return this.certificates(file)[0];
  }

  /** The private key in the file; null when missing, unreadable or encrypted. */
  privateKey(file: string): KeyObject | null {
    if (!this.keys.has(file)) {
      const content = this.files.get(file)?.content;
      let key: KeyObject | null = null;
      if (content && !isEncryptedPem(content.toString())) {
        try {
          key = createPrivateKey(content);
        } catch {
          key = null;
        }
      }
      this.keys.set(file, key);
    }
    return this.keys.get(file)!;
  }

  /** Whether the key file holds the private key of this certificate. */
  keyMatches(cert: CertFacts, keyFile: string): boolean {
    const known = this.pairs.get(keyFile);
    if (known?.cert === cert) return known.matches;
    const matches = this.compareKey(cert, keyFile);
    this.pairs.set(keyFile, { cert, matches });
    return matches;
  }

  private compareKey(cert: CertFacts, keyFile: string): boolean {
    // EC keys: compare the public key the PKCS#8 carries, as OpenSSL and mosquitto do, without
    // the ~0.4 ms key import; anything else goes through a full import.
    const content = this.files.get(keyFile)?.content;
    const text = content?.toString();
    if (text && text.startsWith("-----BEGIN PRIVATE KEY-----")) {
      const embedded = ecPkcs8PublicKeyBits(fromPem(text));
      if (embedded) return embedded.equals(spkiPublicKeyBits(certificateSpki(cert.x509.raw)));
    }
    const key = this.privateKey(keyFile);
    return key !== null && cert.x509.checkPrivateKey(key);
  }

  /** Fingerprints in the file, sorted: two trust files are the same when these are. */
  trustSet(file: string | undefined): string {
    let set = this.trustSets.get(file);
    if (set === undefined) {
      set = this.certificates(file)
        .map((c) => c.fingerprint256)
        .sort()
        .join(",");
      this.trustSets.set(file, set);
    }
    return set;
  }
}
