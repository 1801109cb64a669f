/**
 * `export NAME --p12`: a PKCS#12 bundle of a client's (or server's) certificate, key and CA
 * chain, written 0600 into the tree, that openssl and Node's tls read with its password.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import tls from "node:tls";
import yargs from "yargs";
import { exportP12, P12_PASSWORD_ENV, type ExportOptions } from "../../src/api/export.js";
import { exportCommand } from "../../src/commands/export.js";
import { PkiError, rotate, sign } from "../../src/index.js";
import type { CommandContext } from "../../src/cli/context.js";
import { makeWorkDir, removeWorkDir, run } from "./helpers/index.js";
import { buildTree, captureOutput, failures, verifyTree, writeSpec, type WrittenSpec } from "./helpers/specs.js";

const PASSWORD = "export test password";
const dirs: string[] = [];
let spec: WrittenSpec;
let savedEnv: string | undefined;
let savedTty: boolean | undefined;

beforeAll(async () => {
  const dir = await makeWorkDir("mqtt-pki-e2e-export-");
  dirs.push(dir);
  spec = await writeSpec(dir, { clients: ["alice", { name: "bob", cn: "Bob's Phone" }] });
  await buildTree(spec);
  savedEnv = process.env[P12_PASSWORD_ENV];
  savedTty = process.stdin.isTTY;
});

beforeEach(() => {
  process.env[P12_PASSWORD_ENV] = PASSWORD;
  // The prompt is only for a terminal; these tests never have one, whatever jest's stdin is.
  Object.defineProperty(process.stdin, "isTTY", { value: false, configurable: true, writable: true });
});

afterAll(async () => {
  if (savedEnv === undefined) delete process.env[P12_PASSWORD_ENV];
  else process.env[P12_PASSWORD_ENV] = savedEnv;
  Object.defineProperty(process.stdin, "isTTY", { value: savedTty, configurable: true, writable: true });
  for (const dir of dirs) await removeWorkDir(dir);
});

async function expectPkiError(promise: Promise<unknown>, pattern: RegExp): Promise<PkiError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(PkiError);
  expect(`${(caught as PkiError).message}\n${(caught as PkiError).hint ?? ""}`).toMatch(pattern);
  return caught as PkiError;
}

function exportIt(options: Omit<ExportOptions, "specFile">) {
  return exportP12({ specFile: spec.specFile, ...options });
}

async function opensslCerts(
  file: string,
  password = PASSWORD,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run("openssl", ["pkcs12", "-info", "-nokeys", "-in", file, "-passin", `pass:${password}`]);
}

describe("export --p12", () => {
  test("a client's bundle: default path, mode 0600, openssl reads its certificates and a key that matches", async () => {
    const result = await exportIt({ name: "bob" });
    const expected = path.join(spec.out, "clients", "bob", "client.p12");
    expect(result).toMatchObject({ file: expected, role: "client", name: "bob", cn: "Bob's Phone", warnings: [] });
    expect((await stat(expected)).mode & 0o777).toBe(0o600);

    const info = await opensslCerts(expected);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain("friendlyName: Bob's Phone");
    expect(info.stdout.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(info.stderr).toMatch(/MAC: sha256/);

    const keys = await run("openssl", ["pkcs12", "-in", expected, "-passin", `pass:${PASSWORD}`, "-nodes", "-nocerts"]);
    expect(keys.code).toBe(0);
    const spki = createPublicKey(createPrivateKey(keys.stdout.slice(keys.stdout.indexOf("-----BEGIN")))).export({
      type: "spki",
      format: "der",
    });
    const cert = new X509Certificate(await readFile(spec.layout.clientCert("bob")));
    expect(spki.equals(cert.publicKey.export({ type: "spki", format: "der" }))).toBe(true);
    expect(() => tls.createSecureContext({ pfx: readFileSync(expected), passphrase: PASSWORD })).not.toThrow();

    expect((await opensslCerts(expected, "not the password")).code).not.toBe(0);
    // The bundle beside the client's files upsets neither verify nor a rebuild.
    expect(failures(await verifyTree(spec))).toEqual([]);
    await buildTree(spec);
    expect((await stat(expected)).mode & 0o777).toBe(0o600);
  });

  test("--out elsewhere, and a server's bundle", async () => {
    const out = path.join(spec.dir, "alice.pfx");
    await exportIt({ name: "alice", outFile: out });
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect((await opensslCerts(out)).code).toBe(0);

    const server = await exportIt({ name: "broker" });
    expect(server.file).toBe(path.join(spec.out, "servers", "broker", "server.p12"));
    expect((await opensslCerts(server.file)).stdout).toContain("friendlyName: broker.e2e.test");

    await expectPkiError(
      exportIt({ name: "alice", outFile: path.join(spec.dir, "no-such-dir", "a.p12") }),
      /does not exist/,
    );
  });

  test("no password and no terminal: a PkiError naming MQTT_PKI_P12_PASSWORD, nothing written", async () => {
    delete process.env[P12_PASSWORD_ENV];
    const out = path.join(spec.dir, "never.p12");
    await expectPkiError(exportIt({ name: "alice", outFile: out }), /MQTT_PKI_P12_PASSWORD/);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  test("unknown names, a key that is not the certificate's and a client whose key stays on its device are refused", async () => {
    await expectPkiError(exportIt({ name: "carol" }), /no client or server named `carol`/);

    const dir = await makeWorkDir("mqtt-pki-e2e-export-sign-");
    dirs.push(dir);
    const csr = path.join(dir, "dev-9.csr");
    expect(
      (
        await run("openssl", [
          "req",
          "-new",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-subj",
          "/CN=dev-9",
          "-keyout",
          path.join(dir, "dev-9.key"),
          "-out",
          csr,
        ])
      ).code,
    ).toBe(0);
    await sign({ specFile: spec.specFile, csrFile: csr, name: "dev-9" });
    await expectPkiError(exportIt({ name: "dev-9" }), /deviceKey: true/);

    // A key swapped in from another client: refused before any password is asked.
    const aliceKey = spec.layout.clientKey("alice");
    const original = await readFile(aliceKey);
    await writeFile(aliceKey, await readFile(spec.layout.clientKey("bob")));
    try {
      await expectPkiError(
        exportIt({ name: "alice", password: () => Promise.reject(new Error("asked")) }),
        /does not belong/,
      );
    } finally {
      await writeFile(aliceKey, original);
    }
  });

  test("during a CA rotation the bundle carries both CAs", async () => {
    await rotate({ specFile: spec.specFile, ca: "start" });
    const result = await exportIt({ name: "alice" });
    expect(result.caSubjects).toHaveLength(2);
    expect(result.warnings).toEqual([]);
    expect((await opensslCerts(result.file)).stdout.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(3);
  });

  test("the command: --p12 required, prints where it wrote, --json gives the result", async () => {
    const cli = async (...argv: string[]) => {
      const output = captureOutput();
      const ctx: CommandContext = { output, exitCode: 0 };
      const error = await yargs(argv)
        .option("file", { alias: "f", type: "string", default: "pki.yaml", global: true })
        .option("json", { type: "boolean", default: false, global: true })
        .option("now", { type: "string", global: true })
        .command(exportCommand(ctx))
        .strict()
        .fail((message, err) => {
          throw err ?? new Error(message);
        })
        .parseAsync()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      return { error, out: output.stdout() };
    };
    expect(((await cli("export", "alice", "-f", spec.specFile)).error as PkiError).message).toMatch(/--p12/);
    const plain = await cli("export", "alice", "--p12", "-f", spec.specFile);
    expect(plain.error).toBeUndefined();
    expect(plain.out).toContain(`Wrote ${spec.layout.clientDir("alice")}/client.p12 (mode 0600)`);
    const json = await cli(
      "export",
      "bob",
      "--p12",
      "--json",
      "-f",
      spec.specFile,
      "--out",
      path.join(spec.dir, "bob.p12"),
    );
    expect(JSON.parse(json.out)).toMatchObject({
      ok: true,
      role: "client",
      name: "bob",
      file: path.join(spec.dir, "bob.p12"),
    });
  });
});

describe("a renewal after an export", () => {
  test("says that the exported client.p12 still holds the previous certificate, and only for that client", async () => {
    const dir = await makeWorkDir("mqtt-pki-e2e-export-stale-");
    dirs.push(dir);
    const own = await writeSpec(dir, { clients: ["carol", "dave"] });
    await buildTree(own);
    await exportP12({ specFile: own.specFile, name: "carol" });
    const stale =
      "clients/carol/client.p12 still holds the previous certificate: run `mqtt-pki export carol --p12` again before handing it out";
    expect((await rotate({ specFile: own.specFile, names: ["carol"] })).warnings).toContain(stale);
    const other = await rotate({ specFile: own.specFile, names: ["dave"] });
    expect(other.warnings.filter((w) => w.includes("client.p12"))).toEqual([]);
  });
});
