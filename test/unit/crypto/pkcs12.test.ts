import { spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { generateKey } from "../../../src/crypto/keys.js";
import { softwareSigner } from "../../../src/crypto/signer.js";
import { issueCaCert, issueClientCert } from "../../../src/crypto/issue.js";
import { PkiError } from "../../../src/errors.js";
import {
  buildPkcs12,
  MIN_PKCS12_ITERATIONS,
  pkcs12Iterations,
  pkcs12Kdf,
  type Pkcs12Input,
} from "../../../src/crypto/pkcs12.js";
import type { KeyAlgorithm } from "../../../src/spec/types.js";
import { caSpec, clientSpec } from "../helpers/specs.js";

const PASSWORD = "correct horse battery";
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "pkcs12-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CA and a client certificate with its key, as the builder hands them to buildPkcs12. */
async function material(
  key: KeyAlgorithm = "ec-p256",
  cn = "sensor-001",
): Promise<Omit<Pkcs12Input, "password"> & { caDer: Buffer }> {
  const caKey = await generateKey("ec-p256");
  const signer = await softwareSigner(caKey.privateKeyPem, "ec-p256");
  const ca = await issueCaCert(signer, caSpec({ key: "ec-p256" }), caKey.spkiDer, new Date());
  const mine = await generateKey(key);
  const leaf = await issueClientCert(
    { signer, certificate: ca.certificate, keyAlgorithm: "ec-p256" },
    clientSpec({ cn, key }),
    mine.spkiDer,
    new Date(),
  );
  const caDer = Buffer.from(ca.certificate.rawData);
  return {
    certificate: new X509Certificate(leaf.pem).raw,
    caCertificates: [caDer],
    privateKeyPem: mine.privateKeyPem,
    friendlyName: cn,
    caDer,
  };
}

let counter = 0;
function writePfx(pfx: Buffer): string {
  const file = path.join(dir, `bundle-${counter++}.p12`);
  writeFileSync(file, pfx, { mode: 0o600 });
  return file;
}

function openssl(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("openssl", args, { encoding: "utf8", env: { ...process.env, LC_ALL: "C.UTF-8" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("buildPkcs12", () => {
  let input: Awaited<ReturnType<typeof material>>;
  let file: string;

  beforeAll(async () => {
    input = await material();
    file = writePfx(buildPkcs12({ ...input, password: PASSWORD }));
  });

  test("openssl lists both certificates, the friendly name, a SHA-256 MAC and a PBES2/AES-256-CBC key", () => {
    const info = openssl("pkcs12", "-info", "-nokeys", "-in", file, "-passin", `pass:${PASSWORD}`);
    expect({ code: info.code, stderr: info.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(info.stdout.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(info.stdout).toMatch(/friendlyName: sensor-001/);
    expect(info.stdout).toMatch(/localKeyID: [0-9A-F ]{20,}/);
    expect(info.stderr).toMatch(/MAC: sha256, Iteration 2048/);
    expect(info.stderr).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/);
  });

  test("openssl extracts a key whose public key is the certificate's", () => {
    const out = openssl("pkcs12", "-in", file, "-passin", `pass:${PASSWORD}`, "-nodes", "-nocerts");
    expect(out.code).toBe(0);
    const keyPem = out.stdout.slice(out.stdout.indexOf("-----BEGIN PRIVATE KEY-----"));
    const fromBundle = createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "der" });
    const fromCert = new X509Certificate(input.certificate).publicKey.export({ type: "spki", format: "der" });
    expect(fromBundle.equals(fromCert)).toBe(true);
  });

  test("a wrong password fails the MAC", () => {
    const out = openssl("pkcs12", "-info", "-nokeys", "-in", file, "-passin", "pass:wrong password");
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/mac verify (error|failure)/i);
    expect(() => tls.createSecureContext({ pfx: readFileSync(file), passphrase: "wrong password" })).toThrow();
  });

  test("Node's tls loads it with the password, and presents the certificate as a TLS client", async () => {
    const pfx = readFileSync(file);
    expect(() => tls.createSecureContext({ pfx, passphrase: PASSWORD })).not.toThrow();
    // The server checks the client's certificate against the CA; the client presents the bundle.
    const server = tls.createServer({
      pfx,
      passphrase: PASSWORD,
      requestCert: true,
      rejectUnauthorized: true,
      ca: new X509Certificate(input.caDer).toString(),
    });
    const seen = new Promise<{ authorized: boolean; cn: unknown }>((resolve) => {
      server.once("secureConnection", (socket: tls.TLSSocket) => {
        resolve({ authorized: socket.authorized, cn: socket.getPeerCertificate().subject?.CN });
        socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const socket = tls.connect({ host: "127.0.0.1", port, pfx, passphrase: PASSWORD, rejectUnauthorized: false });
      socket.on("error", () => undefined);
      expect(await seen).toEqual({ authorized: true, cn: "sensor-001" });
      socket.destroy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("RSA and Ed25519 keys, a non-ASCII password and name, and more MAC iterations work too", async () => {
    for (const key of ["rsa-2048", "ed25519"] as const) {
      const other = await material(key, "Gerät Küche");
      const password = "pässwörd €";
      const bundle = writePfx(buildPkcs12({ ...other, password, iterations: 10000 }));
      const info = openssl("pkcs12", "-info", "-nokeys", "-in", bundle, "-passin", `pass:${password}`);
      expect({ key, code: info.code }).toEqual({ key, code: 0 });
      expect(info.stderr).toMatch(/MAC: sha256, Iteration 10000/);
      expect(() => tls.createSecureContext({ pfx: readFileSync(bundle), passphrase: password })).not.toThrow();
    }
  });

  test("refuses a key that is not the certificate's, too few iterations and an empty password", async () => {
    const stranger = await generateKey("ec-p256");
    expect(() => buildPkcs12({ ...input, privateKeyPem: stranger.privateKeyPem, password: PASSWORD })).toThrow(
      /does not belong/,
    );
    expect(() => buildPkcs12({ ...input, password: PASSWORD, iterations: 1000 })).toThrow(/2048/);
    expect(() => buildPkcs12({ ...input, password: "" })).toThrow(/non-empty/);
  });
});

describe("pkcs12Iterations", () => {
  test("the least allowed when none is asked, a larger count as asked", () => {
    expect(pkcs12Iterations(undefined)).toBe(MIN_PKCS12_ITERATIONS);
    expect(pkcs12Iterations(10_000)).toBe(10_000);
  });

  test.each([MIN_PKCS12_ITERATIONS - 1, 2048.5, 0])("refuses %p as a PkiError naming the least", (iterations) => {
    expect(() => pkcs12Iterations(iterations)).toThrow(PkiError);
    expect(() => pkcs12Iterations(iterations)).toThrow(`at least ${MIN_PKCS12_ITERATIONS}`);
  });
});

describe("pkcs12Kdf (RFC 7292 appendix B)", () => {
  test("matches the published SHA-1 test vectors (two-block output exercises the I update)", () => {
    expect(
      pkcs12Kdf("sha1", "smeg", Buffer.from("0A58CF64530D823F", "hex"), 1, 1, 24).toString("hex").toUpperCase(),
    ).toBe("8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3");
    expect(
      pkcs12Kdf("sha1", "smeg", Buffer.from("0A58CF64530D823F", "hex"), 2, 1, 8).toString("hex").toUpperCase(),
    ).toBe("79993DFE048D3B76");
    expect(
      pkcs12Kdf("sha1", "queeg", Buffer.from("1682C0FC5B3F7EC5", "hex"), 1, 1000, 24).toString("hex").toUpperCase(),
    ).toBe("483DD6E919D7DE2E8E648BA8F862F3FBFBDC2BCB2C02957F");
  });
});
