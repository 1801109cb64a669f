/**
 * The openssl CLI, an implementation independent of the one that issued them, checks the
 * certificates of a tree with a mix of key types: chains and purposes under -x509_strict,
 * the extensions that TLS stacks care about, and the serial numbers.
 */
import type { KeyAlgorithm } from "../../src/spec/types.js";
import { makeWorkDir, opensslText, opensslVerify, removeWorkDir, requireMosquitto, run } from "./helpers/index.js";
import { buildTree, writeSpec, type WrittenSpec } from "./helpers/specs.js";

const CLIENT_KEYS: Record<string, KeyAlgorithm> = {
  "dev-p256": "ec-p256",
  "dev-p384": "ec-p384",
  "dev-rsa": "rsa-2048",
  "dev-ed": "ed25519",
};

let dir: string;
let spec: WrittenSpec;
const clientNames = Object.keys(CLIENT_KEYS);

beforeAll(async () => {
  requireMosquitto();
  dir = await makeWorkDir("mqtt-pki-e2e-openssl-");
  spec = await writeSpec(dir, {
    caKey: "ec-p384",
    serverKey: "rsa-2048",
    clients: clientNames.map((name) => ({ name, key: CLIENT_KEYS[name] })),
  });
  await buildTree(spec);
});

afterAll(async () => {
  if (dir) await removeWorkDir(dir);
});

async function serial(certFile: string): Promise<string> {
  const r = await run("openssl", ["x509", "-noout", "-serial", "-in", certFile]);
  expect(r.code).toBe(0);
  return r.stdout.trim().replace(/^serial=/, "");
}

/** openssl's name for the public key algorithm of a certificate. */
function keyLine(text: string): string {
  return /Public Key Algorithm: (.+)/.exec(text)?.[1].trim() ?? "(none)";
}

test("the server certificate verifies for sslserver under -x509_strict", async () => {
  const r = await opensslVerify(spec.layout.caCert, spec.layout.serverCert("broker"), "sslserver", ["-x509_strict"]);
  expect(r).toEqual({ ok: true, output: expect.stringContaining(": OK") });
  // Control: the same certificate is not a client certificate.
  expect(
    (await opensslVerify(spec.layout.caCert, spec.layout.serverCert("broker"), "sslclient", ["-x509_strict"])).ok,
  ).toBe(false);
});

test.each(clientNames)("client %s verifies for sslclient under -x509_strict (and not for sslserver)", async (name) => {
  const cert = spec.layout.clientCert(name);
  const r = await opensslVerify(spec.layout.caCert, cert, "sslclient", ["-x509_strict"]);
  expect(r).toEqual({ ok: true, output: expect.stringContaining(": OK") });
  expect((await opensslVerify(spec.layout.caCert, cert, "sslserver", ["-x509_strict"])).ok).toBe(false);
});

test("every key type is what the spec asked for", async () => {
  const expected: Record<KeyAlgorithm, RegExp> = {
    "ec-p256": /prime256v1|P-256/,
    "ec-p384": /secp384r1|P-384/,
    "rsa-2048": /2048 bit/,
    "rsa-3072": /3072 bit/,
    "rsa-4096": /4096 bit/,
    ed25519: /ED25519/i,
  };
  const caText = await opensslText(spec.layout.caCert);
  expect(caText).toMatch(expected["ec-p384"]);
  expect(keyLine(caText)).toBe("id-ecPublicKey");
  const serverText = await opensslText(spec.layout.serverCert("broker"));
  expect(keyLine(serverText)).toBe("rsaEncryption");
  expect(serverText).toMatch(expected["rsa-2048"]);
  for (const name of clientNames) {
    const text = await opensslText(spec.layout.clientCert(name));
    expect({ name, matches: expected[CLIENT_KEYS[name]].test(text) }).toEqual({ name, matches: true });
  }
});

test("the server certificate has every SAN, CA:FALSE and serverAuth", async () => {
  const text = await opensslText(spec.layout.serverCert("broker"));
  const san = /X509v3 Subject Alternative Name:[^\n]*\n\s*([^\n]+)/.exec(text)?.[1] ?? "";
  expect(san.split(/,\s*/).sort()).toEqual(["DNS:localhost", "IP Address:127.0.0.1"]);
  expect(text).toMatch(/X509v3 Basic Constraints:[^\n]*\n\s*CA:FALSE/);
  expect(text).toMatch(/X509v3 Extended Key Usage:[^\n]*\n\s*TLS Web Server Authentication/);
  expect(text).not.toMatch(/TLS Web Client Authentication/);
  expect(text).toMatch(/Subject: CN\s*=\s*broker\.e2e\.test/);
  expect(text).toMatch(/Issuer: CN\s*=\s*E2E Root CA/);
});

test("each client certificate has CA:FALSE and clientAuth only", async () => {
  for (const name of clientNames) {
    const text = await opensslText(spec.layout.clientCert(name));
    expect(text).toMatch(/X509v3 Basic Constraints:[^\n]*\n\s*CA:FALSE/);
    expect(text).toMatch(/X509v3 Extended Key Usage:[^\n]*\n\s*TLS Web Client Authentication\s*\n/);
    expect(text).toMatch(new RegExp(`Subject: CN\\s*=\\s*${name}\\s*\\n`));
  }
});

test("the CA has CA:TRUE (critical) and Certificate Sign, CRL Sign", async () => {
  const text = await opensslText(spec.layout.caCert);
  expect(text).toMatch(/X509v3 Basic Constraints: critical\s*\n\s*CA:TRUE/);
  expect(text).toMatch(/X509v3 Key Usage:[^\n]*\n\s*Certificate Sign, CRL Sign/);
  expect(text).toMatch(/Subject: CN\s*=\s*E2E Root CA/);
  expect(text).toMatch(/Issuer: CN\s*=\s*E2E Root CA/);
});

test("serial numbers are 16 bytes and all distinct", async () => {
  const files = [
    spec.layout.caCert,
    spec.layout.serverCert("broker"),
    ...clientNames.map((n) => spec.layout.clientCert(n)),
  ];
  const serials = await Promise.all(files.map(serial));
  for (const s of serials) expect(s).toMatch(/^[0-9A-F]{32}$/);
  expect(new Set(serials).size).toBe(files.length);
});
