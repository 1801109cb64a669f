/**
 * The CLI as a user meets it, through main(argv, output) with a capturing Output:
 * exit codes, error positions and hints, and that failed or dry runs write nothing.
 */
import { chmod, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { main } from "../../src/index.js";
import { makeWorkDir, removeWorkDir, requireMosquitto, run } from "./helpers/index.js";
import { CLI } from "./helpers/crash.js";
import { captureOutput, specYaml, writeSpec, type WrittenSpec } from "./helpers/specs.js";

const EXAMPLE = path.resolve("pki.example.yaml");
const dirs: string[] = [];

async function workDir(): Promise<string> {
  const dir = await makeWorkDir("mqtt-pki-e2e-cli-");
  dirs.push(dir);
  return dir;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const output = captureOutput();
  const code = await main(argv, output);
  return { code, out: output.stdout(), err: output.stderr() };
}

beforeAll(() => {
  requireMosquitto();
});

afterAll(async () => {
  for (const dir of dirs) await removeWorkDir(dir);
});

describe("a bad spec", () => {
  test("`dnss:` typo: exit 2, file:line:col, did-you-mean, and no output dir", async () => {
    const dir = await workDir();
    const lines = specYaml({ mqttPort: 18883, wsPort: 18884 }).split("\n");
    const at = lines.findIndex((l) => l === "    dns: [localhost]");
    expect(at).toBeGreaterThan(0);
    lines[at] = "    dnss: [localhost]";
    const specFile = path.join(dir, "pki.yaml");
    await writeFile(specFile, lines.join("\n"));

    const r = await cli("build", "-f", specFile);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`pki.yaml:${at + 1}:5`);
    expect(r.err).toContain("did you mean `dns`");
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
    expect(await readdir(dir)).toEqual(["pki.yaml"]);
  });

  test("verify reports the same spec problem with exit 2", async () => {
    const dir = await workDir();
    const text = specYaml({ mqttPort: 18883, wsPort: 18884 }).replace("    dns: [localhost]", "    dnss: [localhost]");
    await writeFile(path.join(dir, "pki.yaml"), text);
    const r = await cli("verify", "-f", path.join(dir, "pki.yaml"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("did you mean `dns`");
    expect(await readdir(dir)).toEqual(["pki.yaml"]);
  });

  test("a missing spec file: exit 2 with a hint to run `mqtt-pki init`", async () => {
    const dir = await workDir();
    for (const command of ["build", "verify"]) {
      const r = await cli(command, "-f", path.join(dir, "nope.yaml"));
      expect({ command, code: r.code }).toEqual({ command, code: 2 });
      expect(r.err).toContain("nope.yaml");
      expect(r.err).toContain("mqtt-pki init");
    }
    expect(await readdir(dir)).toEqual([]);
  });
});

/** The starter is the example, with its schema modeline pointing at the shipped schema from where it was written. */
async function expectStarter(file: string): Promise<void> {
  const [modeline, ...rest] = (await readFile(file, "utf8")).split("\n");
  // The example's text, its comments naming the file written instead of the example (and no `npm start`).
  const example = (await readFile(EXAMPLE, "utf8"))
    .replaceAll(" (or `npm start`)", "")
    .replaceAll("-f pki.example.yaml", `-f ${path.basename(file)}`);
  expect(rest.join("\n")).toBe(example.split("\n").slice(1).join("\n"));
  expect(rest.join("\n")).not.toContain("pki.example.yaml");
  const schemaPath = path.resolve(path.dirname(file), modeline.replace("# yaml-language-server: $schema=", ""));
  expect(JSON.parse(await readFile(schemaPath, "utf8")).title).toBe("mqtt-pki spec (pki.yaml)");
}

describe("init", () => {
  test("writes the starter pki.yaml, then refuses to overwrite it without --force", async () => {
    const dir = await workDir();
    const file = path.join(dir, "pki.yaml");
    const first = await cli("init", "-f", file);
    expect(first).toMatchObject({ code: 0, err: "" });
    await expectStarter(file);

    await writeFile(file, "# my own edits\n");
    const second = await cli("init", "-f", file);
    expect(second.code).toBe(2);
    expect(second.err).toContain("already exists");
    expect(second.err).toContain("--force");
    expect(await readFile(file, "utf8")).toBe("# my own edits\n");

    const forced = await cli("init", "--force", "-f", file);
    expect(forced.code).toBe(0);
    await expectStarter(file);
  });
});

describe("help and completion", () => {
  const binary = (...args: string[]) => run(process.execPath, [CLI, ...args]);

  test("completion prints the script; completion --help says what it does instead", async () => {
    const script = await binary("completion");
    expect(script.code).toBe(0);
    expect(script.stdout).toContain("###-begin-mqtt-pki-completions-###");
    expect(script.stdout).toContain("Installation: mqtt-pki completion >> ~/.bashrc");
    const help = await binary("completion", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Print a shell completion script");
    expect(help.stdout).not.toContain("###-begin-mqtt-pki-completions-###");
    // The script's requests are still answered.
    expect((await binary("--get-yargs-completions", "mqtt-pki", "rot")).stdout).toContain("rotate");
  });

  test("issue --help shows its names as required, without an empty default", async () => {
    const help = await binary("issue", "--help");
    expect(help.stdout).toMatch(/names\s+new client names\s+\[array\] \[required\]\n/);
    expect(help.stdout).not.toContain("[default: []]");
  });
});

describe("doctor --server without --client", () => {
  test("says which client it checked as, and how to pick another", async () => {
    const spec = await writeSpec(await workDir(), { clients: ["alice", "bob"] });
    expect((await cli("build", "-f", spec.specFile)).code).toBe(0);
    // No broker listens: each listener fails, but the choice of client is said first either way.
    const result = await cli("doctor", "--server", "broker", "-f", spec.specFile);
    expect(result.out.split("\n")[0]).toBe(
      "no --client given: checked as alice, the spec's first client (pass --client NAME to check as another)",
    );
    const named = await cli("doctor", "--server", "broker", "--client", "bob", "-f", spec.specFile);
    expect(named.out).not.toContain("no --client given");
  });
});

describe("status with the CA key gone", () => {
  test("shows the table, names the problem on the CA's row and fails --check; build still refuses", async () => {
    const spec = await writeSpec(await workDir(), { clients: ["alice"] });
    expect((await cli("build", "-f", spec.specFile)).code).toBe(0);
    await rename(spec.layout.caKey, `${spec.layout.caKey}.away`);
    const status = await cli("status", "--check", "-f", spec.specFile);
    expect(status.code).toBe(1);
    const caRow = status.out.split("\n").find((line) => line.startsWith("ca "))!;
    expect(caRow).toMatch(
      /missing \(the CA certificate exists but its key ca\/ca\.key is missing: restore ca\/ca\.key/,
    );
    expect(status.out).toMatch(/^alice\s+client\s+alice\s.*\sok$/m);
    expect((await cli("build", "-f", spec.specFile)).code).toBe(2);
  });
});

describe("the Next: block", () => {
  test("follows a build that wrote files, not one that changed nothing", async () => {
    const spec = await writeSpec(await workDir(), { clients: ["alice"] });
    const first = await cli("build", "-f", spec.specFile);
    expect(first.out).toContain("Next:");
    const again = await cli("build", "-f", spec.specFile);
    expect(again.out).toContain("Nothing to change");
    expect(again.out).not.toContain("Next:");
  });
});

describe("rotate ca --dry-run", () => {
  test("says what a CA rotation step would do, not that it happened, and writes nothing", async () => {
    const spec = await writeSpec(await workDir(), { clients: ["alice"] });
    expect((await cli("build", "-f", spec.specFile)).code).toBe(0);
    const before = await readFile(spec.layout.caCert, "utf8");
    const start = await cli("rotate", "ca", "--dry-run", "-f", spec.specFile);
    expect(start.out).toContain("Dry run: this would start a CA rotation");
    expect(start.out).not.toContain("CA rotation started");
    expect((await cli("rotate", "ca", "-f", spec.specFile)).out).toContain("CA rotation started");
    const rotated = await readFile(spec.layout.caCert, "utf8");
    const finish = await cli("rotate", "ca", "--finish", "--dry-run", "-f", spec.specFile);
    expect(finish.out).toContain("Dry run: this would finish the CA rotation");
    expect(finish.out).not.toContain("CA rotation finished");
    expect(await readFile(spec.layout.caCert, "utf8")).toBe(rotated);
    expect(rotated).not.toBe(before);
  });
});

describe("build and verify", () => {
  let spec: WrittenSpec;

  beforeAll(async () => {
    spec = await writeSpec(await workDir(), { clients: ["alice"] });
  });

  test("build --dry-run prints the plan and writes nothing", async () => {
    const r = await cli("build", "--dry-run", "-f", spec.specFile);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toMatch(/dry run/);
    expect(r.out).toMatch(/\+ create\s+ca/);
    expect(r.out).toMatch(/\+ create\s+client alice/);
    expect(await readdir(spec.dir)).toEqual(["pki.yaml"]);
  });

  test("a tree error in --json names the folder it is about (path), exit 2", async () => {
    const dir = await workDir();
    const written = await writeSpec(dir);
    await cli("build", "-f", written.specFile);
    await chmod(written.out, 0o777);
    const r = await cli("build", "--json", "-f", written.specFile);
    await chmod(written.out, 0o755);
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.out) as { error: { kind: string; problems: { message: string; path?: string }[] } };
    expect(error.kind).toBe("TreeError");
    expect(error.problems[0]).toMatchObject({
      path: written.out,
      message: expect.stringMatching(/writable by every user/),
    });
  });

  test("build, then verify --json prints parseable JSON with ok true (exit 0)", async () => {
    const built = await cli("build", "-f", spec.specFile);
    expect(built).toMatchObject({ code: 0, err: "" });
    expect((await stat(spec.layout.mosquittoConf)).isFile()).toBe(true);

    const r = await cli("verify", "--json", "-f", spec.specFile);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as {
      ok: boolean;
      checks: { status: string }[];
      counts: { fail: number; pass: number };
    };
    expect(report.ok).toBe(true);
    expect(report.counts.fail).toBe(0);
    expect(report.counts.pass).toBeGreaterThan(10);
    expect(report.checks.every((c) => c.status !== "fail")).toBe(true);
  });

  test("build --dry-run on a built tree keeps everything and writes nothing", async () => {
    const before = (await stat(spec.layout.clientCommands("alice"))).mtimeMs;
    const r = await cli("build", "--dry-run", "-f", spec.specFile);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/= keep\s+ca/);
    expect((await stat(spec.layout.clientCommands("alice"))).mtimeMs).toBe(before);
  });

  test("verify exits 1 (and --json says ok false) once a key is readable by others", async () => {
    await chmod(spec.layout.clientKey("alice"), 0o644);
    try {
      const r = await cli("verify", "--json", "-f", spec.specFile);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.out)).toMatchObject({ ok: false });
      const text = await cli("verify", "-f", spec.specFile);
      expect(text.code).toBe(1);
      expect(text.out).toMatch(/readable by every user/);
    } finally {
      await chmod(spec.layout.clientKey("alice"), 0o600);
    }
  });
});
