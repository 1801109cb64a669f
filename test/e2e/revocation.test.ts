/**
 * Revocation that cuts a device off on a real mosquitto 2.0.11, after SIGHUP and never a
 * restart: the handshake refuses it (the CRL is there from the first build; a reload loads it
 * into websockets listeners too). A broker started afresh checks no CRL on websockets: there
 * the ACL grants it no topic and its login is gone. Real clients: mosquitto_pub for mqtts,
 * MQTT.js for wss and for connections that stay open across the reload.
 */
import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { main, verify } from "../../src/index.js";
import { status } from "../../src/api/status.js";
import {
  makeWorkDir,
  removeWorkDir,
  requireMosquitto,
  runShellLine,
  startBroker,
  stopAll,
  type Broker,
} from "./helpers/index.js";
import {
  buildTree,
  captureOutput,
  failures,
  mosquittoLines,
  writeSpec,
  type ClientEntry,
  type WrittenSpec,
} from "./helpers/specs.js";
import { connectClient, connectOutcome, endAllClients, sleep, type ClientFiles } from "./helpers/mqttjs.js";
import { readCrls } from "../../src/crypto/crlFile.js";

const dirs: string[] = [];
beforeAll(() => void requireMosquitto());
afterEach(async () => {
  await endAllClients();
  await stopAll();
});
afterAll(async () => {
  for (const dir of dirs) await removeWorkDir(dir);
});

async function tree(tag: string, clients: (string | ClientEntry)[], serverLines: string[] = []): Promise<WrittenSpec> {
  const dir = await makeWorkDir(`mqtt-pki-e2e-revoke-${tag}-`);
  dirs.push(dir);
  const spec = await writeSpec(dir, { clients, serverLines });
  await buildTree(spec);
  return spec;
}

const filesOf = (spec: WrittenSpec, name: string): ClientFiles => ({
  ca: spec.layout.caCert,
  cert: spec.layout.clientCert(name),
  key: spec.layout.clientKey(name),
});

async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const output = captureOutput();
  const code = await main(argv, output);
  return { code, out: output.stdout() + output.stderr() };
}

/** mosquitto_pub's exit code and what it printed, for the commands.sh pub line of a client. */
async function pub(line: string): Promise<{ code: number | null; err: string }> {
  const r = await runShellLine(line, { timeoutMs: 10_000 });
  return { code: r.code, err: r.stderr.trim() };
}

async function pubLineOf(spec: WrittenSpec, name: string): Promise<string> {
  return mosquittoLines(await readFile(spec.layout.clientCommands(name), "utf8"), spec.mqttPort).pub;
}

/** Waits long enough for a message published now to have been delivered to a subscriber on this machine. */
const DELIVERY_MS = 700;

describe("revocation in certificate mode, after SIGHUP only", () => {
  test("the first revocation: the handshake refuses the device on both listeners, open sessions lose their rights; after a restart wss lets it in with no topic", async () => {
    const spec = await tree("cert", ["a", "b", "c"]);
    const conf = await readFile(spec.layout.mosquittoConf, "utf8");
    expect(conf.match(/^crlfile /gm)?.length).toBe(2);
    expect(readCrls(await readFile(spec.layout.crl, "utf8")).map((crl) => crl.entries.length)).toEqual([0]);
    const bPub = await pubLineOf(spec, "b");
    let broker = await startBroker(spec.layout.mosquittoConf);
    expect(await pub(bPub)).toEqual({ code: 0, err: "" });

    // Sessions open before the revocation, on both listeners.
    const watcher = await connectClient({ protocol: "wss", port: spec.wsPort, files: filesOf(spec, "a") });
    await watcher.subscribe("#");
    const bOverMqtts = await connectClient({ protocol: "mqtts", port: spec.mqttPort, files: filesOf(spec, "b") });
    await bOverMqtts.subscribe("#");
    const bOverWss = await connectClient({ protocol: "wss", port: spec.wsPort, files: filesOf(spec, "b") });
    await bOverWss.subscribe("#");

    const revoked = await cli(["revoke", "b", "-f", spec.specFile, "--reason", "keyCompromise"]);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toMatch(
      new RegExp(`port ${spec.mqttPort} \\(mqtts\\): refuses its certificate in the TLS handshake`),
    );
    expect(revoked.out).toMatch(
      new RegExp(
        `port ${spec.wsPort} \\(wss\\): refuses its certificate in the handshake once reloaded with SIGHUP.*started afresh.*the ACL grants its CN no topic`,
      ),
    );
    expect(revoked.out).toMatch(
      /Reload mosquitto so it applies the new ca\/crl\.pem, mosquitto\/acl: `kill -HUP \$\(pidof mosquitto\)`/,
    );
    expect(revoked.out).not.toMatch(/restart mosquitto/i);
    await broker.reload();

    // New handshakes: b is refused on mqtts (mosquitto_pub) and on wss (MQTT.js); a and c are untouched.
    expect((await pub(bPub)).code).not.toBe(0);
    expect(await pub(await pubLineOf(spec, "a"))).toEqual({ code: 0, err: "" });
    expect(await connectOutcome({ protocol: "wss", port: spec.wsPort, files: filesOf(spec, "b") })).toMatch(
      /^refused: .*certificate revoked/,
    );
    const c = await connectClient({ protocol: "wss", port: spec.wsPort, files: filesOf(spec, "c") });
    expect(await c.publish("plant/c", "from c")).toBe(0);
    // b's sessions opened before the revocation stay up (no re-handshake), but the reloaded ACL applies to them at once.
    expect(await bOverMqtts.publish("plant/b", "old mqtts session")).toBe(135);
    expect(await bOverWss.publish("plant/b", "old wss session")).toBe(135);
    await sleep(DELIVERY_MS);
    // b's own round trip (a's mosquitto_pub above) and c's message reached the watcher; b's never did, and b received nothing.
    expect(watcher.received).toEqual(expect.arrayContaining(["plant/c from c"]));
    expect(watcher.received.filter((message) => message.startsWith("plant/b"))).toEqual([]);
    expect({ mqtts: bOverMqtts.received, wss: bOverWss.received }).toEqual({ mqtts: [], wss: [] });

    // A broker started afresh checks no CRL on websockets (mosquitto 2.0.11): b connects there, and the ACL leaves it nothing.
    await endAllClients();
    await broker.stop();
    broker = await startBroker(spec.layout.mosquittoConf);
    expect((await pub(bPub)).code).not.toBe(0);
    const bAfterRestart = await connectClient({ protocol: "wss", port: spec.wsPort, files: filesOf(spec, "b") });
    await bAfterRestart.subscribe("#");
    const a = await connectClient({ protocol: "wss", port: spec.wsPort, files: filesOf(spec, "a") });
    await a.subscribe("#");
    expect(await bAfterRestart.publish("plant/b", "after restart")).toBe(135);
    const c2 = await connectClient({ protocol: "wss", port: spec.wsPort, files: filesOf(spec, "c") });
    expect(await c2.publish("plant/c", "again")).toBe(0);
    await sleep(DELIVERY_MS);
    expect({ a: a.received, b: bAfterRestart.received }).toEqual({ a: ["plant/c again"], b: [] });
    expect(broker.logs()).toMatch(/Denied PUBLISH from .*'plant\/b'/);

    const report = await verify({ specFile: spec.specFile });
    expect(failures(report)).toEqual([]);
    expect(report.checks.some((check) => check.subject === "revoked b" && check.status === "pass")).toBe(true);
    expect(
      report.checks.some(
        (check) =>
          check.status === "warn" &&
          check.subject.includes(`:${spec.wsPort}`) &&
          /checks no CRL on websockets listeners when it starts/.test(check.message),
      ),
    ).toBe(true);
    expect((await cli(["build", "-f", spec.specFile])).out).toMatch(/Nothing to change/);
  });

  test("a revoked CN taken again by a new certificate is named: over wss the old certificate has that CN's rights again", async () => {
    const spec = await tree("reuse", ["a", "b"]);
    await cli(["revoke", "b", "-f", spec.specFile]);
    const rotated = await cli(["rotate", "b", "-f", spec.specFile]);
    expect(rotated.out).toMatch(
      /revoked certificate \w+ has CN "b", which client b now uses again: on websockets listeners .* give b a new `cn`/,
    );
  });
});

describe("revocation in password mode", () => {
  test("the login is removed: after SIGHUP the revoked device's password is refused over wss, and verify says the certificate is not tied to the username", async () => {
    const spec = await tree(
      "pw",
      [
        { name: "a", password: true },
        { name: "b", password: true },
        { name: "c", password: true },
      ],
      ["identityAsUsername: false"],
    );
    const password = async (name: string) => (await readFile(spec.layout.clientPassword(name), "utf8")).trim();
    const bLogin = { username: "b", password: await password("b") };
    const broker = await startBroker(spec.layout.mosquittoConf);
    const wss = (name: string, login: { username: string; password: string }) =>
      connectOutcome({ protocol: "wss", port: spec.wsPort, files: filesOf(spec, name), ...login });
    expect(await wss("b", bLogin)).toBe("connected");
    // What verify warns about, measured: a's certificate with c's login gets in as c.
    expect(await wss("a", { username: "c", password: await password("c") })).toBe("connected");
    const report = await verify({ specFile: spec.specFile });
    expect(
      report.checks.some(
        (check) => check.status === "warn" && /does not tie the certificate to the username/.test(check.message),
      ),
    ).toBe(true);

    const bPub = await pubLineOf(spec, "b");
    await cli(["revoke", "b", "-f", spec.specFile]);
    expect(await readFile(spec.layout.passwdFile, "utf8")).not.toMatch(/^b:/m);
    await broker.reload();
    expect(await wss("b", bLogin)).toMatch(/^refused: .*certificate revoked/);
    expect((await pub(bPub)).code).not.toBe(0);
    expect(await wss("a", { username: "a", password: await password("a") })).toBe("connected");
    // Started afresh (no CRL on websockets): the handshake lets b through, and its login is refused.
    await broker.stop();
    await startBroker(spec.layout.mosquittoConf);
    expect(await wss("b", bLogin)).toMatch(/^refused: .*(Bad User Name or Password|Not authorized)/i);
    expect(await wss("a", { username: "a", password: await password("a") })).toBe("connected");
    expect(failures(await verify({ specFile: spec.specFile }))).toEqual([]);
  });
});

describe("the ledger keeps what the CRL knows", () => {
  test("state.json edited from revoked to active: verify fails, the build keeps the serial on the CRL and says so", async () => {
    const spec = await tree("edit", ["a", "b"]);
    await cli(["revoke", "b", "-f", spec.specFile]);
    const revokedSerial = readCrls(await readFile(spec.layout.crl, "utf8"))[0].entries[0].serial;
    const state = await readFile(spec.layout.state, "utf8");
    const edited = state
      .split("\n")
      .map((line) => (line.includes('"name":"b"') ? line.replace('"status":"revoked"', '"status":"active"') : line))
      .join("\n");
    expect(edited).not.toBe(state);
    await writeFile(spec.layout.state, edited);
    const before = await verify({ specFile: spec.specFile });
    expect(failures(before).join("\n")).toMatch(
      /records b \(serial \w+\) as active, but ca\/crl\.pem lists it as revoked/,
    );
    const rebuilt = await cli(["build", "-f", spec.specFile]);
    expect(rebuilt.out).toMatch(
      /state\.json recorded client b .* as active, but ca\/crl\.pem lists it as revoked .*: it stays revoked/,
    );
    expect(readCrls(await readFile(spec.layout.crl, "utf8"))[0].entries.map((e) => e.serial)).toContain(revokedSerial);
    expect(failures(await verify({ specFile: spec.specFile }))).toEqual([]);
    expect((await status({ specFile: spec.specFile })).rows.find((row) => row.name === "b")?.state).toBe("revoked");
  });

  test("state.json lost: the next CRL number is higher than any on disk or in the archive, and the revocation stays", async () => {
    const spec = await tree("lost", ["a", "b"]);
    await cli(["revoke", "b", "-f", spec.specFile]);
    await cli(["crl", "-f", spec.specFile, "--force"]);
    const numberBefore = readCrls(await readFile(spec.layout.crl, "utf8"))[0].number!;
    await rm(spec.layout.state);
    const renewed = await cli(["crl", "-f", spec.specFile, "--force"]);
    expect(renewed.code).toBe(0);
    const after = readCrls(await readFile(spec.layout.crl, "utf8"))[0];
    expect(after.number).toBe(numberBefore + 1);
    expect(after.entries).toHaveLength(1);
    // Lost again, and crl.pem too: the archive still holds the numbers used.
    await rm(spec.layout.state);
    await rm(spec.layout.crl);
    await cli(["build", "-f", spec.specFile]);
    expect(readCrls(await readFile(spec.layout.crl, "utf8"))[0].number).toBeGreaterThan(after.number!);
  });
});

describe("verify judges the CRL the conf names", () => {
  test("a CRL from another CA, and one not yet valid, each fail verify with what happens on the broker", async () => {
    const spec = await tree("badcrl", ["a"]);
    const other = await tree("othercrl", ["a"]);
    await copyFile(other.layout.crl, spec.layout.crl);
    const foreign = failures(await verify({ specFile: spec.specFile })).join("\n");
    expect(foreign).toMatch(
      /is not signed by a CA in the cafile: OpenSSL finds no CRL for the clients' CA and refuses them all/,
    );
    expect(foreign).toMatch(
      /crlfile has no CRL from the trusted CA "E2E Root CA": OpenSSL refuses every client it issued/,
    );
    // A pretended time ahead of the clock, on a writing command: the CRL it makes is not valid yet.
    await cli([
      "crl",
      "-f",
      spec.specFile,
      "--force",
      "--now",
      new Date(Date.now() + 2 * 86_400_000).toISOString(),
      "--issue-in-the-future",
    ]);
    expect(failures(await verify({ specFile: spec.specFile })).join("\n")).toMatch(
      /is not valid until .*refuses every client certificate on this listener/,
    );
    await cli(["crl", "-f", spec.specFile]);
    expect(failures(await verify({ specFile: spec.specFile }))).toEqual([]);
  });
});

describe("crl and the reload step", () => {
  test("crl writes only when due, --pid-file reloads the broker; a tree from before every tree had a CRL is told to restart once", async () => {
    const spec = await tree("cron", ["a"]);
    const fresh = await cli(["crl", "-f", spec.specFile]);
    expect(fresh.out).toMatch(/The CRL is still good: valid until .* \(1[78]\d days\).*Nothing written/);
    const broker: Broker = await startBroker(spec.layout.mosquittoConf);
    const pidFile = `${spec.dir}/mosquitto.pid`;
    await writeFile(pidFile, `${broker.pid}\n`);
    const reloads = () => broker.logs().split("Reloading config.").length;
    const before = reloads();
    // A CRL issued 100 days ago (a time in the past leaks nothing into the future) has 80 of its 180 days left: due.
    await cli(["crl", "-f", spec.specFile, "--force", "--now", new Date(Date.now() - 100 * 86_400_000).toISOString()]);
    const due = await cli(["crl", "-f", spec.specFile, "--pid-file", pidFile]);
    expect(due.out).toMatch(new RegExp(`Renewed the CRL .*\\n.*Sent SIGHUP to mosquitto \\(pid ${broker.pid}\\)`));
    await sleep(500);
    expect(reloads()).toBe(before + 1);
    expect(await connectOutcome({ protocol: "mqtts", port: spec.mqttPort, files: filesOf(spec, "a") })).toBe(
      "connected",
    );

    // A tree written before crlfile was in every conf: the next build adds it and says a restart is needed once.
    const conf = await readFile(spec.layout.mosquittoConf, "utf8");
    await writeFile(spec.layout.mosquittoConf, conf.replace(/^crlfile .*\n/gm, ""));
    const upgraded = await cli(["build", "-f", spec.specFile]);
    expect(upgraded.out).toMatch(/Restart mosquitto once .*a newly added crlfile only on a restart, not on SIGHUP/);
  });
});
