/**
 * The Security model of README.md, attacked: hostile spec values, shell injection through
 * commands.sh, symlinks and world-writable folders, hostile CSRs, expired CAs, certificate
 * profile strictness, the tree lock, the encrypted CA key, and SIGKILL in the middle of
 * writes (crash safety).
 *
 * Tests that spawn the CLI run `node bin/mqtt-pki.js` (dist/, compiled by jest's globalSetup).
 *
 * The crash test is sized by MQTT_PKI_CRASH_CLIENTS (default 500) and MQTT_PKI_CRASH_KILLS
 * (default 30).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { chmod, lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyUsage,
  KeyUsageFlags,
  SubjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { build, issue, PkiError, sign, SpecError, status, verify } from "../../src/index.js";
import type { KeyAlgorithm } from "../../src/spec/types.js";
import { treeLayout } from "../../src/tree/layout.js";
import {
  makeWorkDir,
  opensslText,
  opensslVerify,
  removeWorkDir,
  run,
  spawnTracked,
  stopAll,
  type RunResult,
} from "./helpers/index.js";
import { failures, writeSpec, type WrittenSpec } from "./helpers/specs.js";

const ROOT = path.resolve(new URL("../..", import.meta.url).pathname);
const CLI = path.join(ROOT, "bin", "mqtt-pki.js");
const PASSPHRASE_ENV = "MQTT_PKI_CA_PASSPHRASE";
const dirs: string[] = [];

async function workDir(prefix = "safety"): Promise<string> {
  const dir = await makeWorkDir(`mqtt-pki-e2e-${prefix}-`);
  dirs.push(dir);
  return dir;
}

/** The environment a user's shell would give the CLI: no test runner options, no passphrase, no fake clock. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env[PASSPHRASE_ENV];
  delete env.MQTT_PKI_NOW;
  return { ...env, ...extra };
}

function cli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: options.env ?? cliEnv(),
    timeoutMs: options.timeoutMs ?? 120_000,
  });
}

/** Runs `fn` and returns what it threw (failing when it did not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, but the call succeeded");
}

interface Entry {
  type: "file" | "dir" | "link" | "other";
  mode: number;
  mtimeMs: number;
  hash?: string;
  target?: string;
}

/** Every entry under `dir` (not following links): type, mode, mtime, content hash. */
async function snapshot(dir: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const walk = async (at: string): Promise<void> => {
    const st = await lstat(at);
    const rel = path.relative(dir, at) || ".";
    if (st.isSymbolicLink())
      out.set(rel, { type: "link", mode: st.mode & 0o7777, mtimeMs: st.mtimeMs, target: await readlink(at) });
    else if (st.isDirectory()) {
      out.set(rel, { type: "dir", mode: st.mode & 0o7777, mtimeMs: st.mtimeMs });
      for (const name of (await readdir(at)).sort()) await walk(path.join(at, name));
    } else if (st.isFile()) {
      out.set(rel, {
        type: "file",
        mode: st.mode & 0o7777,
        mtimeMs: st.mtimeMs,
        hash: createHash("sha256")
          .update(await readFile(at))
          .digest("hex"),
      });
    } else out.set(rel, { type: "other", mode: st.mode & 0o7777, mtimeMs: st.mtimeMs });
  };
  await walk(dir);
  return out;
}

/** Files only (directory mtimes change when a temp file comes and goes, without anything being written). */
function filesOf(snap: Map<string, Entry>): Record<string, Entry> {
  return Object.fromEntries([...snap].filter(([, e]) => e.type !== "dir"));
}

/** Inserts lines (already indented) right after the CA's `cn:` line of a helper-written spec. */
function withCaLines(text: string, lines: string[]): string {
  const at = text.indexOf("\nca:\n");
  const end = text.indexOf("\n", at + 5);
  return `${text.slice(0, end + 1)}${lines.map((l) => `${l}\n`).join("")}${text.slice(end + 1)}`;
}

async function writeSpecText(spec: WrittenSpec, text: string): Promise<void> {
  await writeFile(spec.specFile, text);
  spec.text = text;
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
}

/** The subject CN exactly as encoded (no RFC 2253 escaping), read with an ASN.1 parser. */
async function commonNameOf(certFile: string): Promise<string | undefined> {
  const cert = AsnConvert.parse(derOf(await readFile(certFile, "utf8")), Certificate);
  for (const rdn of cert.tbsCertificate.subject)
    for (const atv of rdn) if (atv.type === "2.5.4.3") return atv.value.toString();
  return undefined;
}

afterAll(async () => {
  await stopAll();
  for (const dir of dirs) await removeWorkDir(dir);
});

// ---------------------------------------------------------------------------------------
// a. Builds from fuzzed specs
// ---------------------------------------------------------------------------------------

const HOSTILE_FRAGMENTS = [
  "$(id)",
  "`id`",
  "'",
  '"',
  "\\",
  ";",
  "&&",
  "|",
  ">",
  "<",
  "*",
  "?",
  "~",
  "$HOME",
  "${IFS}",
  "!",
  " ",
  "  ",
  "\t",
  "%s",
  "..",
  "/",
  "-",
  "--",
  "=",
  ",",
  "é",
  "日本",
  "😀",
  "\u202e",
  "\u00a0",
  "a",
  "b",
  "0",
  "x.y",
  "#",
  "+",
  "{}",
  "[]",
  "&",
  "\n",
  "\u0000",
];

const fragmentString = (max: number) =>
  fc.oneof(
    fc.array(fc.constantFrom(...HOSTILE_FRAGMENTS), { minLength: 1, maxLength: max }).map((parts) => parts.join("")),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
  );

const fuzzedName = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,15}$/), weight: 6 },
  { arbitrary: fragmentString(4), weight: 1 },
  { arbitrary: fc.constantFrom("a;rm -rf ~", "../x", "x/../../y", "-rf", "A", "a b", "a".repeat(64)), weight: 1 },
);

const fuzzedClient = fc.record({
  name: fuzzedName,
  cn: fc.option(fragmentString(6), { nil: undefined }),
  topic: fc.option(
    fragmentString(6).map((t) => `t/${t}`),
    { nil: undefined },
  ),
  key: fc.constantFrom<KeyAlgorithm | undefined>(undefined, undefined, "ed25519", "ec-p384"),
});

/**
 * Known src bug (src/crypto/facts.ts parseDn): CNs are read back from Node's RFC 2253-escaped
 * subject text, so a CN holding `"` `,` `;` `+` `<` `>` `\\` (or a leading `#`/space) reads back
 * escaped: verify fails "CN is ..., the spec says ...", and every build reissues the cert.
 * The property records those cases and fails once at the end (so shrinking does not hide
 * every other problem behind this one); test b shows the bug directly.
 */
const CN_ESCAPE_BUG = /^client .*: CN is ".*\\.*", the spec says|^the CA: CN is|^CA: CN is/;

describe("a. builds from fuzzed specs", () => {
  test("each either builds and verifies, or fails with a PkiError leaving no output behind", async () => {
    const outcomes = { built: 0, refused: 0 };
    const cnEscapes: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fuzzedClient, { minLength: 1, maxLength: 3 }),
        fc.option(fragmentString(5), { nil: undefined }),
        async (clients, caCn) => {
          const dir = await workDir("fuzz");
          try {
            const spec = await writeSpec(dir, { clients, caCn: caCn === undefined ? undefined : `CA ${caCn}` });
            let built = false;
            try {
              await build({ specFile: spec.specFile });
              built = true;
            } catch (error) {
              if (!(error instanceof PkiError))
                throw new Error(
                  `build threw ${(error as Error)?.name}, not a PkiError: ${(error as Error)?.stack}\nspec:\n${spec.text}`,
                );
              const left = (await readdir(dir)).sort();
              if (JSON.stringify(left) !== JSON.stringify(["pki.yaml"]))
                throw new Error(
                  `a failed build left ${JSON.stringify(left)} behind (${error.message})\nspec:\n${spec.text}`,
                );
              outcomes.refused++;
            }
            if (built) {
              const report = await verify({ specFile: spec.specFile });
              const failed = failures(report);
              const known = failed.filter((f) => CN_ESCAPE_BUG.test(f));
              cnEscapes.push(...known);
              const other = failed.filter((f) => !known.includes(f));
              if (other.length > 0)
                throw new Error(`built but verify fails:\n${other.join("\n")}\nspec:\n${spec.text}`);
              const left = (await readdir(dir)).sort();
              // Beside the tree only its stamp cache stays (see tree/stamps.ts).
              const expected = [path.basename(treeLayout(path.join(dir, "pki")).stamps), "pki", "pki.yaml"].sort();
              if (JSON.stringify(left) !== JSON.stringify(expected))
                throw new Error(`a build left ${JSON.stringify(left)} (lock or staging folder?)`);
              outcomes.built++;
            }
          } finally {
            await removeWorkDir(dir);
          }
        },
      ),
      { numRuns: Number(process.env.MQTT_PKI_FUZZ_BUILDS ?? 40) },
    );
    console.log(
      `fuzzed builds: ${outcomes.built} built, ${outcomes.refused} refused; verify failures from escaped CNs: ${cnEscapes.length}`,
    );
    // Both outcomes must occur, or the generator tests less than it claims.
    expect(outcomes.built).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(cnEscapes).toEqual([]);
  }, 300_000);
});

// ---------------------------------------------------------------------------------------
// b. commands.sh with hostile values
// ---------------------------------------------------------------------------------------

describe("b. commands.sh is safe to run for hostile values", () => {
  // No `/`: a client CN is an MQTT username, which the spec refuses with topic separators (see hostileValues.test.ts).
  const HOSTILE_CN = `x"; cd; touch PWNED-$(id -u); "`;
  const HOSTILE_TOPIC = "plant/$(touch PWNED)/`touch PWNED-BT`/'q' \"dq\"; touch PWNED-SEMI & ${IFS}|>x<y*?~ $HOME\\n";

  test("a client named `a;rm -rf ~` is refused by the spec, nothing written", async () => {
    const dir = await workDir("hostile-name");
    const spec = await writeSpec(dir, { clients: ["a;rm -rf ~"] });
    const error = await thrown(() => build({ specFile: spec.specFile }));
    expect(error).toBeInstanceOf(SpecError);
    const problems = (error as SpecError).problems;
    expect(problems.some((p) => p.yamlPath === "clients[0].name" && /file-safe/.test(p.message))).toBe(true);
    expect(await readdir(dir)).toEqual(["pki.yaml"]);
  });

  let spec: WrittenSpec;

  beforeAll(async () => {
    const dir = await workDir("hostile-cmds");
    spec = await writeSpec(dir, { clients: [{ name: "hostile", cn: HOSTILE_CN, topic: HOSTILE_TOPIC }] });
    await build({ specFile: spec.specFile });
  });

  test("a hostile CN and topic build, and running commands.sh passes them as exact argv with no injection", async () => {
    const uid = process.getuid?.() ?? 0;
    const { dir } = spec;

    const commands = spec.layout.clientCommands("hostile");
    const runDir = path.join(dir, "run");
    const fakeBin = path.join(dir, "fakebin");
    const fakeMqttx = path.join(dir, "fakemqttx");
    const logDir = path.join(dir, "argv");
    for (const d of [runDir, fakeBin, fakeMqttx, logDir]) await mkdir(d);
    // Each fake records its argv, NUL-separated, one file per call; `sleep` is cut to 0.2 s to keep it
    // fast (long enough for a backgrounded fake to record before the script's `kill $!`).
    const recorder = (tool: string) => `#!/bin/sh\nprintf '%s\\0' "$@" > "${logDir}/${tool}.$$"\nexit 0\n`;
    for (const tool of ["mosquitto_sub", "mosquitto_pub"])
      await writeFile(path.join(fakeBin, tool), recorder(tool), { mode: 0o755 });
    await writeFile(path.join(fakeBin, "sleep"), "#!/bin/sh\nexec /bin/sleep 0.2\n", { mode: 0o755 });
    await writeFile(path.join(fakeMqttx, "mqttx"), recorder("mqttx"), { mode: 0o755 });

    const readCalls = async (tool: string): Promise<string[][]> => {
      const files = (await readdir(logDir)).filter((f) => f.startsWith(`${tool}.`));
      return Promise.all(
        files.map(async (f) => (await readFile(path.join(logDir, f), "utf8")).split("\0").slice(0, -1)),
      );
    };
    const pathWithoutMqttx = `${fakeBin}:/usr/bin:/bin`;
    const noMqttx = await run("/bin/sh", ["-c", "command -v mqttx || echo none"], { env: { PATH: pathWithoutMqttx } });
    expect(noMqttx.stdout.trim()).toBe("none");

    const first = await run("/bin/sh", [commands], { cwd: runDir, env: { PATH: pathWithoutMqttx, HOME: runDir } });
    // Without mqttx the one line on stderr is the script's own note on the wss listener it skipped.
    expect({ code: first.code, stderr: first.stderr }).toEqual({
      code: 0,
      stderr: `skipped wss on localhost port ${spec.wsPort}: install MQTTX CLI 1.10 or later, or use the MQTT.js script from \`mqtt-pki snippets hostile --format mqttjs\`\n`,
    });
    // With MQTTX "installed" too, so its lines run as well.
    const second = await run("/bin/sh", [commands], {
      cwd: runDir,
      env: { PATH: `${fakeMqttx}:${pathWithoutMqttx}`, HOME: runDir },
    });
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: "" });

    for (const where of [runDir, dir, spec.out, path.dirname(commands)]) {
      expect((await readdir(where)).filter((f) => f.startsWith("PWNED"))).toEqual([]);
    }
    expect(existsSync(path.join(runDir, `PWNED-${uid}`))).toBe(false); // the CN's `cd; touch` (HOME is runDir)
    expect(existsSync(path.join(runDir, "x"))).toBe(false); // the `>x` of the topic
    expect(existsSync(path.join(runDir, "dq"))).toBe(false);

    const { layout } = spec;
    const tls = [
      "--cafile",
      layout.caCert,
      "--cert",
      layout.clientCert("hostile"),
      "--key",
      layout.clientKey("hostile"),
    ];
    const subs = await readCalls("mosquitto_sub");
    const pubs = await readCalls("mosquitto_pub");
    expect(subs).toEqual([
      ["-h", "localhost", "-p", String(spec.mqttPort), ...tls, "-t", HOSTILE_TOPIC, "-C", "1", "-W", "30"],
      ["-h", "localhost", "-p", String(spec.mqttPort), ...tls, "-t", HOSTILE_TOPIC, "-C", "1", "-W", "30"],
    ]);
    expect(pubs).toEqual([
      ["-h", "localhost", "-p", String(spec.mqttPort), ...tls, "-t", HOSTILE_TOPIC, "-m", "hello from hostile"],
      ["-h", "localhost", "-p", String(spec.mqttPort), ...tls, "-t", HOSTILE_TOPIC, "-m", "hello from hostile"],
    ]);
    const mqttx = await readCalls("mqttx");
    expect(mqttx).toHaveLength(4); // sub + pub on both listeners, second run only
    for (const argv of mqttx) {
      const t = argv.indexOf("-t");
      expect(argv[t + 1]).toBe(HOSTILE_TOPIC);
      expect(argv).toEqual(
        expect.arrayContaining([
          "--ca",
          layout.caCert,
          "--cert",
          layout.clientCert("hostile"),
          "--key",
          layout.clientKey("hostile"),
        ]),
      );
    }
    // The CN only appears in a comment; it must stay on that one comment line.
    const text = await readFile(commands, "utf8");
    const cnLines = text.split("\n").filter((l) => l.includes("touch /tmp/PWNED"));
    expect(cnLines.every((l) => l.startsWith("#"))).toBe(true);
    // And the certificate carries the CN verbatim.
    expect(await commonNameOf(layout.clientCert("hostile"))).toBe(HOSTILE_CN);
  }, 60_000);

  // Fails today: src/crypto/facts.ts reads the CN from Node's RFC 2253-escaped subject text.
  test("verify accepts the tree built from the hostile CN (the CN reads back unescaped)", async () => {
    expect(failures(await verify({ specFile: spec.specFile }))).toEqual([]);
  });

  // Same root cause, guarded: a build must not see "subject changes" and reissue on every run.
  test("a second build with the hostile CN (or just `Acme, Inc`) changes nothing", async () => {
    const again = await build({ specFile: spec.specFile });
    expect({
      reissued: again.plan.clients.filter((c) => c.action !== "keep").map((c) => `${c.name}: ${c.reasons.join("; ")}`),
      written: again.written,
    }).toEqual({ reissued: [], written: [] });
    const dir = await workDir("comma-cn");
    const plain = await writeSpec(dir, { clients: [{ name: "acme", cn: "Acme, Inc" }] });
    await build({ specFile: plain.specFile });
    const second = await build({ specFile: plain.specFile });
    expect(second.written).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// c. Symlinks in the tree, world-writable folders
// ---------------------------------------------------------------------------------------

describe("c. symlinks and world-writable folders", () => {
  async function builtTree(prefix: string): Promise<WrittenSpec> {
    const dir = await workDir(prefix);
    const spec = await writeSpec(dir, { clients: ["alice", "bob"] });
    await build({ specFile: spec.specFile });
    return spec;
  }

  /** An outside folder with a file someone cares about. */
  async function outsideFile(
    spec: WrittenSpec,
    content = "precious: do not overwrite\n",
  ): Promise<{ dir: string; file: string; before: Map<string, Entry> }> {
    const dir = path.join(spec.dir, "outside");
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, "target.txt");
    await writeFile(file, content, { mode: 0o644 });
    return { dir, file, before: await snapshot(dir) };
  }

  async function expectLinkRefused(
    spec: WrittenSpec,
    link: string,
    action: () => Promise<unknown>,
    outside: { dir: string; before: Map<string, Entry> },
  ): Promise<void> {
    const before = filesOf(await snapshot(spec.out));
    const error = await thrown(action);
    expect(error).toBeInstanceOf(PkiError);
    expect((error as Error).message).toContain(link);
    expect(await snapshot(outside.dir)).toEqual(outside.before);
    expect(filesOf(await snapshot(spec.out))).toEqual(before);
    expect(existsSync(path.join(spec.dir, ".pki.lock"))).toBe(false);
  }

  test("clients/alice replaced by a link to an outside folder: build refuses, naming the link", async () => {
    const spec = await builtTree("link-dir");
    const outside = await outsideFile(spec);
    const link = spec.layout.clientDir("alice");
    await rm(link, { recursive: true });
    await symlink(outside.dir, link);
    outside.before = await snapshot(outside.dir);
    await expectLinkRefused(spec, link, () => build({ specFile: spec.specFile }), outside);
  });

  test("client.key replaced by a link to an outside file holding the same key: build and rotate refuse", async () => {
    const spec = await builtTree("link-key-same");
    const keyFile = spec.layout.clientKey("alice");
    const outside = await outsideFile(spec, await readFile(keyFile, "utf8"));
    await rm(keyFile);
    await symlink(outside.file, keyFile);
    await expectLinkRefused(spec, keyFile, () => build({ specFile: spec.specFile }), outside);
    const { rotate } = await import("../../src/index.js");
    await expectLinkRefused(spec, keyFile, () => rotate({ specFile: spec.specFile, names: ["alice"] }), outside);
  });

  test("client.key replaced by a link to an unrelated outside file: build refuses with a PkiError naming the link", async () => {
    const spec = await builtTree("link-key-other");
    const keyFile = spec.layout.clientKey("alice");
    const outside = await outsideFile(spec);
    await rm(keyFile);
    await symlink(outside.file, keyFile);
    await expectLinkRefused(spec, keyFile, () => build({ specFile: spec.specFile }), outside);
  });

  test("ca/ca.key replaced by a link to an outside file: build refuses and the outside file is untouched", async () => {
    const spec = await builtTree("link-ca");
    const caKey = spec.layout.caKey;
    const outside = await outsideFile(spec, await readFile(caKey, "utf8"));
    await rm(caKey);
    await symlink(outside.file, caKey);
    await writeSpecText(spec, `${spec.text}  - name: carol\n`);
    await expectLinkRefused(spec, caKey, () => build({ specFile: spec.specFile }), outside);
    expect(existsSync(spec.layout.clientDir("carol"))).toBe(false);
  });

  test("the output folder itself is a link: refused", async () => {
    const spec = await builtTree("link-root");
    const real = path.join(spec.dir, "real-pki");
    await rename(spec.out, real);
    await symlink(real, spec.out);
    const before = await snapshot(real);
    const error = await thrown(() => build({ specFile: spec.specFile }));
    expect(error).toBeInstanceOf(PkiError);
    expect((error as Error).message).toContain(spec.out);
    expect(filesOf(await snapshot(real))).toEqual(filesOf(before));
  });

  test("an existing output folder with mode 0777 (not sticky) is refused; nothing is written", async () => {
    const spec = await builtTree("ww-root");
    await chmod(spec.out, 0o777);
    await writeSpecText(spec, `${spec.text}  - name: carol\n`);
    const before = filesOf(await snapshot(spec.out));
    const error = await thrown(() => build({ specFile: spec.specFile }));
    expect(error).toBeInstanceOf(PkiError);
    expect((error as Error).message).toContain(spec.out);
    expect((error as Error).message).toMatch(/writable by every/);
    expect(filesOf(await snapshot(spec.out))).toEqual(before);
  });

  test("a world-writable parent (0777, not sticky) is refused for a first build; nothing is created", async () => {
    const dir = await workDir("ww-parent");
    const spec = await writeSpec(dir);
    await chmod(dir, 0o777);
    const error = await thrown(() => build({ specFile: spec.specFile }));
    expect(error).toBeInstanceOf(PkiError);
    expect((error as Error).message).toContain(dir);
    expect(await readdir(dir)).toEqual(["pki.yaml"]);
  });

  test("a sticky world-writable parent (1777, like /tmp) is accepted", async () => {
    const dir = await workDir("sticky-parent");
    const spec = await writeSpec(dir);
    await chmod(dir, 0o1777);
    await build({ specFile: spec.specFile });
    expect((await verify({ specFile: spec.specFile })).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------
// d. Hostile CSRs through sign()
// ---------------------------------------------------------------------------------------

describe("d. CSR hostility via sign()", () => {
  let spec: WrittenSpec;
  let csrDir: string;

  beforeAll(async () => {
    const dir = await workDir("csr");
    spec = await writeSpec(dir);
    await build({ specFile: spec.specFile });
    csrDir = path.join(dir, "csrs");
    await mkdir(csrDir);
  });

  async function openssl(args: string[]): Promise<RunResult> {
    const r = await run("openssl", args, { cwd: csrDir, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
    return r;
  }

  /** A CSR for CN `cn` with a new key from `newkey` (openssl req -newkey syntax); returns its path. */
  async function makeCsr(file: string, cn: string, newkey: string[], extra: string[] = []): Promise<string> {
    await openssl([
      "req",
      "-new",
      ...newkey,
      "-nodes",
      "-keyout",
      `${file}.key`,
      "-subj",
      `/CN=${cn}`,
      ...extra,
      "-out",
      `${file}.csr`,
    ]);
    return path.join(csrDir, `${file}.csr`);
  }

  async function expectRefused(csrFile: string, name: string, message: RegExp): Promise<void> {
    const specBefore = await readFile(spec.specFile);
    const treeBefore = filesOf(await snapshot(spec.out));
    const error = await thrown(() => sign({ specFile: spec.specFile, csrFile, name }));
    expect(error).toBeInstanceOf(PkiError);
    expect((error as Error).message).toMatch(message);
    expect((await readFile(spec.specFile)).equals(specBefore)).toBe(true);
    expect(filesOf(await snapshot(spec.out))).toEqual(treeBefore);
    expect(existsSync(spec.layout.clientDir(name))).toBe(false);
  }

  test("a CSR with one flipped signature byte is refused; spec and tree unchanged", async () => {
    const good = await makeCsr("flip", "flip-dev", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    await openssl(["req", "-in", good, "-outform", "DER", "-out", "flip.der"]);
    const bytes = await readFile(path.join(csrDir, "flip.der"));
    bytes[bytes.length - 1] ^= 0x01; // last byte of the ECDSA signature's s
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${bytes
      .toString("base64")
      .replace(/(.{64})/g, "$1\n")
      .trimEnd()}\n-----END CERTIFICATE REQUEST-----\n`;
    const bad = path.join(csrDir, "flipped.csr");
    await writeFile(bad, pem);
    // (openssl 3.0 `req -verify` exits 0 either way; its message tells.)
    const check = await run("openssl", ["req", "-in", bad, "-verify", "-noout"]);
    expect(check.stdout + check.stderr).toMatch(/verify failure/);
    await expectRefused(bad, "flip-dev", /signature/);
    // The same bytes as DER.
    const badDer = path.join(csrDir, "flipped.der");
    await writeFile(badDer, bytes);
    await expectRefused(badDer, "flip-dev", /signature/);
  });

  test.each([
    ["RSA-1024", ["-newkey", "rsa:1024"]],
    ["EC P-521", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"]],
    ["EC secp256k1", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"]],
    ["Ed448", ["-newkey", "ed448"]],
    ["DSA-2048", ["-newkey", "dsa:dsa.param"]],
  ])(
    "an unsupported key type (%s) is refused; spec and tree unchanged",
    async (label, newkey) => {
      const name = `weak-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
      if (label.startsWith("DSA"))
        await openssl([
          "genpkey",
          "-genparam",
          "-algorithm",
          "DSA",
          "-pkeyopt",
          "dsa_paramgen_bits:2048",
          "-out",
          "dsa.param",
        ]);
      const csr = await makeCsr(name, name, newkey);
      await expectRefused(csr, name, /key type/);
    },
    60_000,
  );

  test("a CSR asking for CA:TRUE, keyCertSign, serverAuth and a SAN gets the plain client profile", async () => {
    const csr = await makeCsr(
      "greedy",
      "greedy-dev",
      ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
      [
        "-addext",
        "basicConstraints=critical,CA:TRUE,pathlen:5",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        "-addext",
        "extendedKeyUsage=serverAuth,clientAuth,codeSigning",
        "-addext",
        "subjectAltName=DNS:evil.example,IP:10.6.6.6",
        "-addext",
        "nameConstraints=permitted;DNS:evil.example",
      ],
    );
    const result = await sign({ specFile: spec.specFile, csrFile: csr, name: "greedy-dev" });
    expect(result.csr.requestedExtensions.length).toBeGreaterThan(0);
    const certFile = spec.layout.clientCert("greedy-dev");
    const text = await opensslText(certFile);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).not.toContain("CA:TRUE");
    expect(text).not.toMatch(/Certificate Sign|CRL Sign/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s*\n\s*TLS Web Client Authentication\s*\n/);
    expect(text).not.toMatch(/TLS Web Server Authentication|Code Signing/);
    expect(text).not.toMatch(/Subject Alternative Name|evil\.example|10\.6\.6\.6|Name Constraints/);
    expect((await opensslVerify(spec.layout.caCert, certFile, "sslclient", ["-x509_strict"])).ok).toBe(true);
    expect((await opensslVerify(spec.layout.caCert, certFile, "sslserver")).ok).toBe(false);
    // Used as a CA, it signs nothing that verifies.
    expect((await verify({ specFile: spec.specFile })).ok).toBe(true);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
// e. Expired CA, leaf lifetimes clamped to the CA's
// ---------------------------------------------------------------------------------------

describe("e. CA lifetime", () => {
  test("an expired CA issues nothing: adding a client today fails naming the expiry, tree unchanged", async () => {
    const dir = await workDir("expired");
    const spec = await writeSpec(dir);
    await writeSpecText(spec, withCaLines(spec.text, ["  days: 1"]));
    const past = "2001-02-03T00:00:00Z";
    const first = await build({ specFile: spec.specFile, now: past });
    expect(first.warnings.join("\n")).toMatch(/end with the CA/);
    expect((await verify({ specFile: spec.specFile, now: past })).ok).toBe(true);

    const specBefore = await readFile(spec.specFile);
    const treeBefore = filesOf(await snapshot(spec.out));
    const error = await thrown(() => issue({ specFile: spec.specFile, clients: [{ name: "late" }] }));
    expect(error).toBeInstanceOf(PkiError);
    expect((error as Error).message).toMatch(/CA expired/);
    expect((error as Error).message).toContain("2001-02-04");
    expect(existsSync(spec.layout.clientDir("late"))).toBe(false);
    expect(filesOf(await snapshot(spec.out))).toEqual(treeBefore);
    expect((await readFile(spec.specFile)).equals(specBefore)).toBe(true);

    // A plain build today (expired leaves to renew) issues nothing either.
    const again = await thrown(() => build({ specFile: spec.specFile }));
    expect(again).toBeInstanceOf(PkiError);
    expect((again as Error).message).toMatch(/CA expired/);
    expect(filesOf(await snapshot(spec.out))).toEqual(treeBefore);
  }, 60_000);

  test("a leaf asking for more days than the CA has left ends exactly with the CA, with a warning", async () => {
    const dir = await workDir("clamp");
    const spec = await writeSpec(dir, { clients: ["alice"] });
    await writeSpecText(
      spec,
      withCaLines(spec.text, ["  days: 30"]).replace("  - name: alice\n", "  - name: alice\n    days: 365\n"),
    );
    const result = await build({ specFile: spec.specFile });
    const warnings = result.warnings.join("\n");
    expect(warnings).toMatch(/client `?alice`? asks for 365 days but the CA lives 30/);
    expect(warnings).toMatch(/client alice: lifetime cut to end with the CA/);
    expect(warnings).toMatch(/server broker: lifetime cut to end with the CA/);
    const enddate = async (file: string) =>
      (await run("openssl", ["x509", "-noout", "-enddate", "-in", file])).stdout.trim();
    const caEnd = await enddate(spec.layout.caCert);
    expect(await enddate(spec.layout.clientCert("alice"))).toBe(caEnd);
    expect(await enddate(spec.layout.serverCert("broker"))).toBe(caEnd);
    expect((await verify({ specFile: spec.specFile })).ok).toBe(true);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
// f. Strict certificate profiles, per role and key type
// ---------------------------------------------------------------------------------------

const KEY_TYPES: KeyAlgorithm[] = ["ec-p256", "ec-p384", "rsa-2048", "ed25519"];
type Role = "ca" | "server" | "client";
const ROLES: Role[] = ["ca", "server", "client"];

function extensionsOf(cert: Certificate): Map<string, { critical: boolean; value: ArrayBuffer }> {
  return new Map(
    (cert.tbsCertificate.extensions ?? []).map((e) => [e.extnID, { critical: e.critical, value: e.extnValue.buffer }]),
  );
}

describe("f. strict profiles for every role and key type", () => {
  const trees = new Map<KeyAlgorithm, WrittenSpec>();

  beforeAll(async () => {
    for (const key of KEY_TYPES) {
      const dir = await workDir(`profile-${key}`);
      const spec = await writeSpec(dir, { caKey: key, serverKey: key, clients: [{ name: "alice", key }] });
      await build({ specFile: spec.specFile });
      trees.set(key, spec);
    }
  }, 120_000);

  const cases = KEY_TYPES.flatMap((key) => ROLES.map((role) => [key, role] as const));

  test.each(cases)(
    "%s %s",
    async (key, role) => {
      const spec = trees.get(key)!;
      const { layout } = spec;
      const file =
        role === "ca" ? layout.caCert : role === "server" ? layout.serverCert("broker") : layout.clientCert("alice");
      const cert = AsnConvert.parse(derOf(await readFile(file, "utf8")), Certificate);
      const ca = AsnConvert.parse(derOf(await readFile(layout.caCert, "utf8")), Certificate);
      const ext = extensionsOf(cert);
      const rule = (name: string, ok: boolean, detail = "") =>
        expect({ rule: name, ok, detail }).toEqual({ rule: name, ok: true, detail });

      // openssl -x509_strict with the role's purpose
      // (The CA verifies as its own trust anchor; its fitness as an SSL CA is checked by the leaves' purposes.)
      const verdict =
        role === "ca"
          ? await run("openssl", ["verify", "-x509_strict", "-CAfile", layout.caCert, layout.caCert]).then((r) => ({
              ok: r.code === 0 && /: OK\s*$/m.test(r.stdout),
              output: r.stdout + r.stderr,
            }))
          : await opensslVerify(layout.caCert, file, role === "server" ? "sslserver" : "sslclient", ["-x509_strict"]);
      rule("openssl verify -x509_strict", verdict.ok, verdict.output);

      // serial: positive, at most 20 octets (DER INTEGER content)
      const serial = Buffer.from(cert.tbsCertificate.serialNumber);
      rule("serial ≤ 20 octets", serial.length >= 1 && serial.length <= 20, serial.toString("hex"));
      rule("serial positive", (serial[0] & 0x80) === 0 && serial.some((b) => b !== 0), serial.toString("hex"));
      rule(
        "serial minimally encoded",
        !(serial.length > 1 && serial[0] === 0 && (serial[1] & 0x80) === 0),
        serial.toString("hex"),
      );

      // subject non-empty, with a CN
      rule("subject non-empty", cert.tbsCertificate.subject.length > 0);

      // basicConstraints present and critical, CA flag by role
      const bc = ext.get(id_ce_basicConstraints);
      rule("basicConstraints present", bc !== undefined);
      rule("basicConstraints critical", bc?.critical === true);
      const bcValue = bc ? AsnConvert.parse(bc.value, BasicConstraints) : undefined;
      rule("basicConstraints cA matches role", (bcValue?.cA ?? false) === (role === "ca"));

      // keyUsage present and critical, bits by role
      const ku = ext.get(id_ce_keyUsage);
      rule("keyUsage present", ku !== undefined);
      rule("keyUsage critical", ku?.critical === true);
      const usage = ku ? AsnConvert.parse(ku.value, KeyUsage).toNumber() : 0;
      if (role === "ca")
        rule(
          "CA keyUsage keyCertSign + cRLSign",
          (usage & KeyUsageFlags.keyCertSign) !== 0 && (usage & KeyUsageFlags.cRLSign) !== 0,
          String(usage),
        );
      else {
        rule("leaf keyUsage has digitalSignature", (usage & KeyUsageFlags.digitalSignature) !== 0, String(usage));
        rule(
          "leaf keyUsage has no keyCertSign/cRLSign",
          (usage & (KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)) === 0,
          String(usage),
        );
      }

      // EKU on leaves: exactly the role's
      if (role !== "ca") {
        const eku = ext.get(id_ce_extKeyUsage);
        const purposes = eku ? [...AsnConvert.parse(eku.value, ExtendedKeyUsage)] : [];
        rule(
          "EKU is the role's only",
          JSON.stringify(purposes) === JSON.stringify([role === "server" ? id_kp_serverAuth : id_kp_clientAuth]),
          JSON.stringify(purposes),
        );
      }
      if (role === "server") rule("server has a SAN", ext.has(id_ce_subjectAltName));

      // SKI everywhere; AKI on leaves, equal to the CA's SKI
      const ski = ext.get(id_ce_subjectKeyIdentifier);
      rule(
        "SKI present",
        ski !== undefined && Buffer.from(AsnConvert.parse(ski.value, SubjectKeyIdentifier).buffer).length > 0,
      );
      rule("SKI not critical", ski?.critical !== true);
      if (role !== "ca") {
        const aki = ext.get(id_ce_authorityKeyIdentifier);
        rule("AKI present", aki !== undefined);
        const caSki = extensionsOf(ca).get(id_ce_subjectKeyIdentifier);
        const akiId = aki ? AsnConvert.parse(aki.value, AuthorityKeyIdentifier).keyIdentifier : undefined;
        const caSkiId = caSki ? AsnConvert.parse(caSki.value, SubjectKeyIdentifier) : undefined;
        rule(
          "AKI keyIdentifier = CA SKI",
          akiId !== undefined && caSkiId !== undefined && Buffer.from(akiId.buffer).equals(Buffer.from(caSkiId.buffer)),
        );
      }
    },
    30_000,
  );
});

// ---------------------------------------------------------------------------------------
// g. The tree lock
// ---------------------------------------------------------------------------------------

describe("g. one writer per tree", () => {
  test("a lock held by a live PID fails the build naming it and changes nothing; a dead PID's lock is taken over", async () => {
    const dir = await workDir("lock");
    const spec = await writeSpec(dir, { clients: ["alice"] });
    await build({ specFile: spec.specFile });
    await writeSpecText(spec, `${spec.text}  - name: bob\n`);
    const lockFile = path.join(dir, ".pki.lock");

    const sleeper: ChildProcess = spawnTracked("sleep", ["30"], { stdio: "ignore" });
    await new Promise((resolve) => sleeper.once("spawn", resolve));
    const pid = sleeper.pid!;
    await writeFile(lockFile, `${pid}\n`);
    const before = filesOf(await snapshot(spec.out));
    const error = await thrown(() => build({ specFile: spec.specFile }));
    expect(error).toBeInstanceOf(PkiError);
    expect((error as Error).message).toContain(`PID ${pid}`);
    expect(filesOf(await snapshot(spec.out))).toEqual(before);
    expect(await readFile(lockFile, "utf8")).toBe(`${pid}\n`);
    expect(existsSync(spec.layout.clientDir("bob"))).toBe(false);

    // The same through the CLI: the PID on stderr, a non-zero exit.
    const viaCli = await cli(["build", "-f", spec.specFile]);
    expect(viaCli.code).not.toBe(0);
    expect(viaCli.stderr).toContain(`PID ${pid}`);
    expect(viaCli.stderr).not.toMatch(/internal error/);
    expect(filesOf(await snapshot(spec.out))).toEqual(before);

    // The parent of this test process is alive too.
    await writeFile(lockFile, `${process.ppid}\n`);
    const byParent = await thrown(() => build({ specFile: spec.specFile }));
    expect((byParent as Error).message).toContain(`PID ${process.ppid}`);

    // Now the holder dies: its lock is stale and is taken over.
    await writeFile(lockFile, `${pid}\n`);
    const exited = new Promise((resolve) => sleeper.once("exit", resolve));
    sleeper.kill("SIGKILL");
    await exited;
    await build({ specFile: spec.specFile });
    expect(existsSync(spec.layout.clientCert("bob"))).toBe(true);
    expect((await readdir(dir)).filter((f) => f.startsWith(".pki") && f !== path.basename(spec.layout.stamps))).toEqual(
      [],
    );
    expect((await verify({ specFile: spec.specFile })).ok).toBe(true);
  }, 60_000);
});

describe("locking early, from the spec's first line", () => {
  test("a tree the spec only seemed to name is unlocked again, and the tree it names is built", async () => {
    const dir = await workDir("early-lock");
    const spec = await writeSpec(dir, { clients: ["alice"] });
    await build({ specFile: spec.specFile });
    const named = path.join(dir, "pki b");
    // `out: ./pki` continued on the next line reads as "./pki b": the early hint names the first tree.
    await writeSpecText(spec, spec.text.replace(/^out: .*$/m, "out: ./pki\n  b"));
    const before = filesOf(await snapshot(spec.out));
    const result = await build({ specFile: spec.specFile });
    expect(result.spec.out).toBe(named);
    expect(existsSync(path.join(named, "clients", "alice", "client.crt"))).toBe(true);
    expect(filesOf(await snapshot(spec.out))).toEqual(before);
    expect((await readdir(dir)).filter((f) => f.endsWith(".lock"))).toEqual([]);
    // And a spec that fails after the early lock leaves no lock either.
    await writeSpecText(spec, `${spec.text}  - name: "not a file-safe name"\n`);
    await expect(build({ specFile: spec.specFile })).rejects.toBeInstanceOf(SpecError);
    expect((await readdir(dir)).filter((f) => f.endsWith(".lock"))).toEqual([]);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
// h. Encrypted CA key
// ---------------------------------------------------------------------------------------

describe("h. encrypted CA key", () => {
  const SECRET = "correct horse battery staple";
  const noPassphrase = async (): Promise<string> => {
    throw new Error("the passphrase was asked for, but nothing needed signing");
  };

  async function encryptedSpec(prefix: string): Promise<WrittenSpec> {
    const dir = await workDir(prefix);
    const spec = await writeSpec(dir, { clients: ["alice"] });
    await writeSpecText(spec, withCaLines(spec.text, ["  encryptKey: true"]));
    return spec;
  }

  async function opensslPkey(keyFile: string, pass: string): Promise<number | null> {
    return (await run("openssl", ["pkey", "-in", keyFile, "-passin", `pass:${pass}`, "-noout"])).code;
  }

  test("API: built with a passphrase function; openssl needs it; verify/status/no-op build never ask; wrong one writes nothing", async () => {
    const spec = await encryptedSpec("enc-api");
    const saved = process.env[PASSPHRASE_ENV];
    delete process.env[PASSPHRASE_ENV];
    try {
      const asked: string[] = [];
      await build({
        specFile: spec.specFile,
        passphrase: async (purpose) => {
          asked.push(purpose);
          return SECRET;
        },
      });
      expect(asked).toContain("new");
      const caKey = spec.layout.caKey;
      expect(await readFile(caKey, "utf8")).toContain("-----BEGIN ENCRYPTED PRIVATE KEY-----");
      expect(await opensslPkey(caKey, SECRET)).toBe(0);
      expect(await opensslPkey(caKey, "")).not.toBe(0);
      expect(await opensslPkey(caKey, "wrong")).not.toBe(0);

      expect((await verify({ specFile: spec.specFile })).ok).toBe(true);
      const st = await status({ specFile: spec.specFile });
      expect(st.rows.find((r) => r.role === "ca")?.state).toBe("ok");
      const noop = await build({ specFile: spec.specFile, passphrase: noPassphrase });
      expect(noop.written).toEqual([]);

      // Adding a client needs the CA: a wrong passphrase is refused and nothing is written.
      await writeSpecText(spec, `${spec.text}  - name: bob\n`);
      const before = filesOf(await snapshot(spec.out));
      const error = await thrown(() => build({ specFile: spec.specFile, passphrase: async () => "wrong passphrase" }));
      expect(error).toBeInstanceOf(PkiError);
      expect((error as Error).message).toMatch(/wrong/);
      expect(filesOf(await snapshot(spec.out))).toEqual(before);
      expect(existsSync(spec.layout.clientDir("bob"))).toBe(false);
      expect(existsSync(path.join(spec.dir, ".pki.lock"))).toBe(false);

      // The right one issues bob with the key still encrypted under the same passphrase.
      const keyBefore = await readFile(caKey);
      await build({ specFile: spec.specFile, passphrase: async () => SECRET });
      expect(existsSync(spec.layout.clientCert("bob"))).toBe(true);
      expect((await readFile(caKey)).equals(keyBefore)).toBe(true);
      expect((await verify({ specFile: spec.specFile })).ok).toBe(true);
    } finally {
      if (saved !== undefined) process.env[PASSPHRASE_ENV] = saved;
    }
  }, 60_000);

  test("a first build that fails after it started writing leaves no tree and no staging folder behind", async () => {
    const spec = await encryptedSpec("enc-fresh-fail");
    // The folders are already in the staging tree when the new CA key asks for its passphrase.
    const error = await thrown(() =>
      build({
        specFile: spec.specFile,
        passphrase: async () => {
          throw new PkiError("no passphrase today", { hint: "none" });
        },
      }),
    );
    expect((error as Error).message).toBe("no passphrase today");
    expect(existsSync(spec.out)).toBe(false);
    expect((await readdir(spec.dir)).filter((f) => f.startsWith(".pki"))).toEqual([]);
  }, 60_000);

  test("CLI: env passphrase builds; verify and status need none; signing without one exits 2 naming the variable", async () => {
    const spec = await encryptedSpec("enc-cli");
    const built = await cli(["build", "-f", spec.specFile], { env: cliEnv({ [PASSPHRASE_ENV]: SECRET }) });
    expect({ code: built.code, stderr: built.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await opensslPkey(spec.layout.caKey, SECRET)).toBe(0);
    expect(await opensslPkey(spec.layout.caKey, "")).not.toBe(0);

    for (const command of [["verify"], ["status"], ["status", "--check"], ["build"]]) {
      const r = await cli([...command, "-f", spec.specFile]);
      expect({ command, code: r.code, stderr: r.stderr }).toEqual({ command, code: 0, stderr: "" });
    }

    await writeSpecText(spec, `${spec.text}  - name: bob\n`);
    const before = filesOf(await snapshot(spec.out));
    const missing = await cli(["build", "-f", spec.specFile]); // stdin is a pipe, not a TTY
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(PASSPHRASE_ENV);
    expect(missing.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(filesOf(await snapshot(spec.out))).toEqual(before);

    const wrong = await cli(["build", "-f", spec.specFile], { env: cliEnv({ [PASSPHRASE_ENV]: "not it" }) });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/wrong/);
    expect(filesOf(await snapshot(spec.out))).toEqual(before);

    const right = await cli(["build", "-f", spec.specFile], { env: cliEnv({ [PASSPHRASE_ENV]: SECRET }) });
    expect(right.code).toBe(0);
    const verified = await cli(["verify", "-f", spec.specFile]);
    expect(verified.code).toBe(0);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------
// i. Crash safety: SIGKILL in the middle of `rotate --all`
// ---------------------------------------------------------------------------------------

const CRASH_CLIENTS = Number(process.env.MQTT_PKI_CRASH_CLIENTS ?? 500);
const CRASH_KILLS = Number(process.env.MQTT_PKI_CRASH_KILLS ?? 30);

interface TreeAudit {
  worldReadableKeys: string[];
  tempFiles: string[];
  keyCount: number;
}

/** Walks `dir` (tree, archive, hidden files) for key files that others can read, and temp files. */
async function auditTree(dir: string): Promise<TreeAudit> {
  const audit: TreeAudit = { worldReadableKeys: [], tempFiles: [], keyCount: 0 };
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      if (entry.name.endsWith(".tmp")) audit.tempFiles.push(full);
      if (/\.key(\.|$)/.test(entry.name)) {
        audit.keyCount++;
        if (((await lstat(full)).mode & 0o004) !== 0) audit.worldReadableKeys.push(full);
      }
    }
  };
  await walk(dir);
  return audit;
}

/**
 * Archive folders whose key does not belong to the certificate beside it, and whether the
 * certificate's real key survives anywhere in that holder's archive or live folder ("lost").
 */
async function mismatchedArchive(root: string): Promise<{ mismatched: string[]; lost: string[] }> {
  const spkiOfKey = async (file: string) =>
    createPublicKey(createPrivateKey(await readFile(file)))
      .export({ type: "spki", format: "der" })
      .toString("hex");
  const spkiOfCert = async (file: string) =>
    new X509Certificate(await readFile(file)).publicKey.export({ type: "spki", format: "der" }).toString("hex");
  const result = { mismatched: [] as string[], lost: [] as string[] };
  const archived = path.join(root, "archive", "clients");
  for (const name of await readdir(archived).catch(() => [] as string[])) {
    const serials = await readdir(path.join(archived, name));
    const known = new Set<string>();
    const live = path.join(root, "clients", name, "client.key");
    if (existsSync(live)) known.add(await spkiOfKey(live));
    const pairs: { folder: string; want: string; have?: string }[] = [];
    for (const serial of serials) {
      const folder = path.join(archived, name, serial);
      const crt = path.join(folder, "client.crt");
      const key = path.join(folder, "client.key");
      const have = existsSync(key) ? await spkiOfKey(key) : undefined;
      if (have) known.add(have);
      if (existsSync(crt) && have !== undefined) pairs.push({ folder, want: await spkiOfCert(crt), have });
    }
    for (const pair of pairs.filter((p) => p.want !== p.have)) {
      result.mismatched.push(pair.folder);
      if (!known.has(pair.want)) result.lost.push(pair.folder);
    }
  }
  return result;
}

describe("i. crash safety", () => {
  test(`SIGKILL during \`rotate --all\` of ${CRASH_CLIENTS} clients, ${CRASH_KILLS} times: the rerun converges and nothing leaks`, async () => {
    const started = Date.now();
    const dir = await workDir("crash");
    const names = Array.from({ length: CRASH_CLIENTS }, (_, i) => `c-${String(i).padStart(4, "0")}`);
    const spec = await writeSpec(dir, { clients: names });
    const timings = {
      firstBuild: 0,
      completedRuns: [] as number[],
      verifies: [] as number[],
      killedAfter: [] as number[],
    };

    let t = Date.now();
    const first = await cli(["build", "-f", spec.specFile], { cwd: dir, timeoutMs: 600_000 });
    timings.firstBuild = Date.now() - t;
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: "" });
    const caKey = await readFile(spec.layout.caKey);
    const caCert = await readFile(spec.layout.caCert);
    let typical = timings.firstBuild;
    const problems: string[] = [];
    const leftoverTemps = new Set<string>();

    for (let round = 0; round < CRASH_KILLS; round++) {
      // Kill somewhere between just after exec and the end of a typical run.
      const delay = 5 + Math.floor(Math.random() * Math.max(1, typical - 5));
      const child = spawn(process.execPath, [CLI, "rotate", "--all", "-f", spec.specFile], {
        cwd: dir,
        env: cliEnv(),
        stdio: "ignore",
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once("exit", (code, signal) => resolve({ code, signal })),
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill("SIGKILL");
      const killed = await exited;
      timings.killedAfter.push(delay);
      if (killed.signal !== "SIGKILL" && killed.code !== 0)
        problems.push(`round ${round}: the run to be killed exited ${killed.code} on its own`);

      t = Date.now();
      const rerun = await cli(["rotate", "--all", "-f", spec.specFile], { cwd: dir, timeoutMs: 600_000 });
      const took = Date.now() - t;
      timings.completedRuns.push(took);
      typical = [...timings.completedRuns].sort((a, b) => a - b)[Math.floor(timings.completedRuns.length / 2)];
      const where = `round ${round} (killed after ${delay} ms)`;
      expect({ where, code: rerun.code, stderr: rerun.stderr }).toEqual({ where, code: 0, stderr: "" });

      t = Date.now();
      const verified = await cli(["verify", "-f", spec.specFile], { cwd: dir, timeoutMs: 600_000 });
      timings.verifies.push(Date.now() - t);
      expect({
        where,
        code: verified.code,
        failed: verified.stdout
          .split("\n")
          .filter((l) => l.startsWith("✗"))
          .slice(0, 10),
      }).toEqual({ where, code: 0, failed: [] });

      expect({ where, caKeyIdentical: (await readFile(spec.layout.caKey)).equals(caKey) }).toEqual({
        where,
        caKeyIdentical: true,
      });
      expect({ where, caCertIdentical: (await readFile(spec.layout.caCert)).equals(caCert) }).toEqual({
        where,
        caCertIdentical: true,
      });

      const audit = await auditTree(dir);
      expect({ where, worldReadableKeys: audit.worldReadableKeys }).toEqual({ where, worldReadableKeys: [] });
      for (const temp of audit.tempFiles) leftoverTemps.add(temp);

      const ledger = JSON.parse(await readFile(spec.layout.state, "utf8")) as { certificates: { serial: string }[] };
      const seen = new Set<string>();
      const duplicates = ledger.certificates
        .map((c) => c.serial)
        .filter((s) => (seen.has(s) ? true : (seen.add(s), false)));
      expect({ where, duplicateSerials: duplicates }).toEqual({ where, duplicateSerials: [] });

      expect({ where, locks: (await readdir(dir)).filter((f) => f.startsWith(".pki.lock")) }).toEqual({
        where,
        locks: [],
      });
      expect({ where, staging: (await readdir(dir)).filter((f) => f.startsWith(".pki.partial-")) }).toEqual({
        where,
        staging: [],
      });
    }

    // Every archived key still belongs to the archived certificate beside it ("old keys are never lost").
    const archive = await mismatchedArchive(spec.out);
    const total = Date.now() - started;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    console.log(
      [
        `crash safety: ${CRASH_CLIENTS} clients × ${CRASH_KILLS} kills took ${(total / 1000).toFixed(1)} s`,
        `  first build ${timings.firstBuild} ms; rotate --all median ${median(timings.completedRuns)} ms (max ${Math.max(...timings.completedRuns)}); verify median ${median(timings.verifies)} ms`,
        `  kill delays (ms): ${timings.killedAfter.join(", ")}`,
        `  temp files left behind by killed runs (never cleaned up): ${leftoverTemps.size}${leftoverTemps.size ? `, e.g. ${[...leftoverTemps].slice(0, 3).join(", ")}` : ""}`,
        `  archive folders whose key is not the archived certificate's: ${archive.mismatched.length} (the certificate's key is nowhere in the tree: ${archive.lost.length})${archive.mismatched.length ? `, e.g. ${archive.mismatched.slice(0, 2).join(", ")}` : ""}`,
        ...problems.map((p) => `  ${p}`),
      ].join("\n"),
    );
    // "Old certificates and keys are never deleted": every archived key pairs with its archived certificate.
    expect({
      mismatched: archive.mismatched.length,
      lost: archive.lost.length,
      examples: archive.mismatched.slice(0, 3),
    }).toEqual({ mismatched: 0, lost: 0, examples: [] });
  }, 3_600_000);
});
