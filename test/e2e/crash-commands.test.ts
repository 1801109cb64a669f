/**
 * SIGKILL at random moments in every writing command other than build and `rotate --all`
 * (safety.test.ts covers those at fleet size): `rotate ca`, `rotate ca --finish`, `revoke`,
 * `issue`, `sign`, `rotate NAME` and `crl --force`, each killed MQTT_PKI_CRASH_KILLS times (default 30) on a
 * small tree. After each kill the next command, whichever it is (verify, status --check or
 * build, in turn), must finish or roll back what the killed run left, so that:
 * - it and a verify succeed;
 * - the command's change is there whole or not at all;
 * - every CA key the tree ever used is still on disk, checked right after the kill too;
 * - no temp file, journal, staging folder or stale lock is left, and no key is world-readable.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import path from "node:path";
import { makeWorkDir, opensslDeviceCsr, removeWorkDir, run } from "./helpers/index.js";
import { buildTree, writeSpec, type WrittenSpec } from "./helpers/specs.js";
import { caKeysInTree, cliInProcess, killAtRandomMoment, leftovers, type KillOutcome } from "./helpers/crash.js";

const KILLS = Number(process.env.MQTT_PKI_CRASH_KILLS ?? 30);
const NEXT_COMMANDS = [["verify"], ["status", "--check"], ["build"]];
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await removeWorkDir(dir);
});

/** One command under test: what to run in a round, and what "whole or not at all" means for it. */
interface Scenario {
  title: string;
  clients?: number;
  /** Brings the tree into the state the round's command starts from (in this process). */
  prepare?(tree: WrittenSpec, round: number): Promise<void>;
  argv(tree: WrittenSpec, round: number): string[];
  /** Problems with the outcome of rounds 0..round (empty when each landed whole or not at all). */
  whole(tree: WrittenSpec, round: number): Promise<string[]>;
}

const spkiOfKey = (pem: string) =>
  createPublicKey(createPrivateKey(pem)).export({ type: "spki", format: "der" }).toString("hex");
const spkiOfCert = (pem: string) =>
  new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" }).toString("hex");
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber.toLowerCase();

interface LedgerEntry {
  serial: string;
  role: string;
  name: string;
  cn: string;
  status: string;
}
async function ledger(tree: WrittenSpec): Promise<LedgerEntry[]> {
  return (JSON.parse(await readFile(tree.layout.state, "utf8")) as { certificates: LedgerEntry[] }).certificates;
}

async function specNames(tree: WrittenSpec): Promise<Set<string>> {
  return new Set([...(await readFile(tree.specFile, "utf8")).matchAll(/^ {2}- name: (\S+)$/gm)].map((m) => m[1]));
}

/** For each name: in the spec exactly when it has a certificate (and, for a device key, its CSR) and a ledger entry. */
async function addedWhole(tree: WrittenSpec, names: string[], deviceKey: boolean): Promise<string[]> {
  const inSpec = await specNames(tree);
  const inLedger = new Set((await ledger(tree)).filter((e) => e.role === "client").map((e) => e.name));
  const problems: string[] = [];
  for (const name of names) {
    const files = [
      tree.layout.clientCert(name),
      deviceKey ? tree.layout.clientCsr(name) : tree.layout.clientKey(name),
    ].map((f) => existsSync(f));
    const facts = { spec: inSpec.has(name), files, ledger: inLedger.has(name) };
    if (!(facts.files.every((f) => f === facts.spec) && facts.ledger === facts.spec))
      problems.push(`${name}: ${JSON.stringify(facts)}`);
  }
  return problems;
}

/** The serials a CRL file lists, read by openssl. */
async function crlSerials(file: string): Promise<Set<string>> {
  const text = await run("openssl", ["crl", "-in", file, "-noout", "-text"]);
  if (text.code !== 0) throw new Error(text.stderr);
  return new Set([...text.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1].toLowerCase()));
}

async function rotating(tree: WrittenSpec): Promise<boolean> {
  return existsSync(tree.layout.previousCaCert);
}

async function mustRun(argv: string[]): Promise<void> {
  const result = await cliInProcess(argv);
  if (result.code !== 0) throw new Error(`${argv.join(" ")} exited ${result.code}: ${result.err}`);
}

const SCENARIOS: Scenario[] = [
  {
    title: "rotate ca",
    prepare: async (tree) => {
      if (await rotating(tree)) await mustRun(["rotate", "ca", "--finish", "-f", tree.specFile]);
    },
    argv: (tree) => ["rotate", "ca", "-f", tree.specFile],
    whole: async (tree) => {
      // Rotating or not, each CA in the tree is a certificate with its own key.
      const pairs = [
        [tree.layout.caCert, tree.layout.caKey],
        [tree.layout.previousCaCert, tree.layout.previousCaKey],
      ];
      const problems: string[] = [];
      for (const [crt, key] of pairs) {
        if (existsSync(crt) !== existsSync(key)) problems.push(`${crt}: certificate and key not both there`);
        else if (existsSync(crt) && spkiOfCert(await readFile(crt, "utf8")) !== spkiOfKey(await readFile(key, "utf8")))
          problems.push(`${crt} does not belong to its key`);
      }
      if ((await rotating(tree)) !== existsSync(tree.layout.caBundle))
        problems.push("the trust bundle does not follow the rotation");
      return problems;
    },
  },
  {
    title: "rotate ca --finish",
    prepare: async (tree) => {
      if (!(await rotating(tree))) await mustRun(["rotate", "ca", "-f", tree.specFile]);
    },
    argv: (tree) => ["rotate", "ca", "--finish", "-f", tree.specFile],
    whole: async (tree) => {
      const problems: string[] = [];
      if ((await rotating(tree)) !== existsSync(tree.layout.caBundle))
        problems.push("the trust bundle does not follow the rotation");
      if (!(await rotating(tree))) {
        // Finished: the CA it retired is in the archive, certificate with key.
        const archived = path.join(tree.out, "archive", "ca");
        for (const serial of await readdir(archived).catch(() => [] as string[])) {
          const [crt, key] = ["ca.crt", "ca.key"].map((f) => path.join(archived, serial, f));
          if (
            !existsSync(crt) ||
            !existsSync(key) ||
            spkiOfCert(await readFile(crt, "utf8")) !== spkiOfKey(await readFile(key, "utf8"))
          )
            problems.push(`archive/ca/${serial} lacks its pair`);
        }
      }
      return problems;
    },
  },
  {
    title: "revoke",
    clients: KILLS + 2,
    argv: (tree, round) => ["revoke", `c-${round}`, "-f", tree.specFile],
    whole: async (tree, round) => {
      const entries = await ledger(tree);
      const listed = await crlSerials(tree.layout.crl);
      const acl = await readFile(path.join(tree.out, "mosquitto", "acl"), "utf8").catch(() => "");
      const problems: string[] = [];
      for (let r = 0; r <= round; r++) {
        const name = `c-${r}`;
        const serial = serialOf(await readFile(tree.layout.clientCert(name), "utf8"));
        const facts = {
          ledger: entries.some((e) => e.serial.toLowerCase() === serial && e.status === "revoked"),
          crl: listed.has(serial),
          acl: new RegExp(`^user ${name}$`, "m").test(acl),
        };
        if (!(facts.crl === facts.ledger && facts.acl === facts.ledger))
          problems.push(`${name}: ${JSON.stringify(facts)}`);
      }
      return problems;
    },
  },
  {
    title: "issue",
    argv: (tree, round) => ["issue", `dev-${round}`, "-f", tree.specFile],
    whole: (tree, round) =>
      addedWhole(
        tree,
        Array.from({ length: round + 1 }, (_, r) => `dev-${r}`),
        false,
      ),
  },
  {
    title: "sign",
    prepare: (tree, round) =>
      opensslDeviceCsr(
        path.join(tree.dir, `csr-${round}.key`),
        path.join(tree.dir, `csr-${round}.csr`),
        `csr-${round}`,
      ),
    argv: (tree, round) => [
      "sign",
      "--csr",
      path.join(tree.dir, `csr-${round}.csr`),
      "--name",
      `csr-${round}`,
      "-f",
      tree.specFile,
    ],
    whole: (tree, round) =>
      addedWhole(
        tree,
        Array.from({ length: round + 1 }, (_, r) => `csr-${r}`),
        true,
      ),
  },
  {
    title: "crl --force",
    argv: (tree) => ["crl", "--force", "-f", tree.specFile],
    whole: async (tree) => {
      // The CRL on disk is the one the ledger counts to, and the archive keeps it under that number.
      const number = (await run("openssl", ["crl", "-in", tree.layout.crl, "-noout", "-crlnumber"])).stdout;
      const counted = (JSON.parse(await readFile(tree.layout.state, "utf8")) as { crlNumber: number }).crlNumber;
      const archived = path.join(tree.out, "archive", "crl", `${counted}.pem`);
      const problems: string[] = [];
      if (Number.parseInt(number.split("=")[1] ?? "", 16) !== counted)
        problems.push(`crl.pem has ${number.trim()}, state.json counts ${counted}`);
      if (!existsSync(archived) || (await readFile(archived, "utf8")) !== (await readFile(tree.layout.crl, "utf8")))
        problems.push(`archive/crl/${counted}.pem is not crl.pem`);
      return problems;
    },
  },
  {
    title: "rotate NAME",
    argv: (tree) => ["rotate", "c-0", "-f", tree.specFile],
    whole: async (tree) => {
      // Every certificate c-0 ever had is live or archived, each with its own key beside it.
      const problems: string[] = [];
      const live = await readFile(tree.layout.clientCert("c-0"), "utf8");
      if (spkiOfCert(live) !== spkiOfKey(await readFile(tree.layout.clientKey("c-0"), "utf8")))
        problems.push("the live certificate does not belong to the live key");
      for (const entry of (await ledger(tree)).filter((e) => e.name === "c-0")) {
        if (entry.serial.toLowerCase() === serialOf(live)) continue;
        const folder = path.join(tree.out, "archive", "clients", "c-0", entry.serial.toLowerCase());
        const [crt, key] = ["client.crt", "client.key"].map((f) => path.join(folder, f));
        if (
          !existsSync(crt) ||
          !existsSync(key) ||
          spkiOfCert(await readFile(crt, "utf8")) !== spkiOfKey(await readFile(key, "utf8"))
        )
          problems.push(`serial ${entry.serial}: not live, and not archived with its key`);
      }
      return problems;
    },
  },
];

describe("SIGKILL at any moment of a writing command: the next command, whichever it is, repairs the tree", () => {
  test.each(SCENARIOS.map((s) => [s.title, s] as const))(
    "%s",
    async (_title, scenario) => {
      const dir = await makeWorkDir(`mqtt-pki-e2e-crash-${scenario.title.replace(/\W+/g, "-")}-`);
      dirs.push(dir);
      const tree = await writeSpec(dir, { clients: Array.from({ length: scenario.clients ?? 4 }, (_, i) => `c-${i}`) });
      await buildTree(tree);
      // Every CA key this tree ever used must stay on disk, whatever happens.
      const everyCaKey = await caKeysInTree(tree.out);
      // A first run to completion tells how long one takes.
      await scenario.prepare?.(tree, KILLS);
      const started = Date.now();
      const warmup = await cliInProcess(scenario.argv(tree, KILLS));
      expect({ warmup: warmup.code, err: warmup.err }).toEqual({ warmup: 0, err: "" });
      const typicalMs = Math.max(200, (Date.now() - started) * 3);
      const kills: KillOutcome[] = [];

      for (let round = 0; round < KILLS; round++) {
        await scenario.prepare?.(tree, round);
        for (const key of await caKeysInTree(tree.out)) everyCaKey.add(key);
        const kill = await killAtRandomMoment({
          cwd: dir,
          argv: scenario.argv(tree, round),
          out: tree.out,
          typicalMs,
          round,
        });
        kills.push(kill);
        const where = `round ${round}: killed after ${kill.after} ms${kill.whileWriting ? " while writing" : ""}${kill.journalLeft ? ", mid-commit" : ""}${kill.killed ? "" : ` (it had exited ${kill.code})`}`;
        if (!kill.killed) expect({ where, code: kill.code }).toEqual({ where, code: 0 });
        const afterKill = await caKeysInTree(tree.out);
        expect({ where, caKeysMissingAfterKill: [...everyCaKey].filter((key) => !afterKill.has(key)).length }).toEqual({
          where,
          caKeysMissingAfterKill: 0,
        });

        const next = NEXT_COMMANDS[round % NEXT_COMMANDS.length];
        const repaired = await cliInProcess([...next, "-f", tree.specFile]);
        expect({ where, next: next.join(" "), code: repaired.code, err: repaired.err }).toEqual({
          where,
          next: next.join(" "),
          code: 0,
          err: "",
        });
        const verified = await cliInProcess(["verify", "-f", tree.specFile]);
        expect({
          where,
          verify: verified.code,
          failed: verified.out.split("\n").filter((l) => l.startsWith("✗")),
        }).toEqual({ where, verify: 0, failed: [] });
        expect({ where, whole: await scenario.whole(tree, round) }).toEqual({ where, whole: [] });
        expect({ where, left: await leftovers(dir) }).toEqual({
          where,
          left: { tempFiles: [], worldReadableKeys: [], locks: [], staging: [], journals: [] },
        });
        const now = await caKeysInTree(tree.out);
        expect({ where, caKeysMissing: [...everyCaKey].filter((key) => !now.has(key)).length }).toEqual({
          where,
          caKeysMissing: 0,
        });
      }
      const killed = kills.filter((k) => k.killed);
      console.log(
        `${scenario.title}: ${KILLS} rounds, ${killed.length} killed mid-run, ${killed.filter((k) => k.whileWriting).length} of them while writing, ${killed.filter((k) => k.journalLeft).length} in the middle of the commit; a whole run in-process ${Math.round(typicalMs / 3)} ms`,
      );
    },
    900_000,
  );
});
