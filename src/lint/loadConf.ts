import { constants, promises as fs } from "node:fs";
import path from "node:path";
import { EXIT_BAD_INPUT, PkiError } from "../errors.js";
import { lookupAccount } from "../io/accounts.js";
import { readPath } from "../io/read.js";
import { parseMosquittoConf, type ParsedConf } from "../verify/parseConf.js";
import { ancestors } from "../verify/snapshot.js";
import { brokerUser, fileLines } from "./effectiveConf.js";
import { FILE_OPTIONS } from "./fileRules.js";
import { clientSearchRoots, findCertificateFiles } from "./clientSearch.js";
import { installedMosquittoVersion } from "./installedMosquitto.js";
import { includedConfNames, resolveConfPath } from "./paths.js";
import type { LintSnapshot, PathInfo } from "./snapshot.js";

/** Files whose content lint parses (certificates, keys, CRLs); the rest are only checked for access. */
const READ_CONTENT = new Set(["cafile", "certfile", "keyfile", "crlfile"]);
/** A CA bundle such as ca-certificates.crt is ~200 KB; nothing lint parses is near this. */
const MAX_CONTENT_BYTES = 4 * 1024 * 1024;

type Want = "stat" | "content" | "access" | "entries";

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/**
 * Stats `file` and, as asked, reads it, checks it can be opened, or lists it; failures become
 * readError. Links are followed: mosquitto follows them.
 */
async function inspect(file: string, want: Want): Promise<PathInfo | { unseen: string } | undefined> {
  let stat;
  try {
    stat = readPath(file, { followLinks: true, content: "never" })?.stat;
  } catch (err) {
    return { unseen: code(err) };
  }
  if (!stat) return undefined;
  const info: PathInfo = { mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, isDirectory: stat.isDirectory() };
  try {
    if (want === "entries" && info.isDirectory) info.entries = (await fs.readdir(file)).sort();
    else if (want === "content" && stat.isFile()) {
      if (stat.size > MAX_CONTENT_BYTES) info.readError = `larger than ${MAX_CONTENT_BYTES} bytes`;
      else info.content = readPath(file, { followLinks: true, content: "files" })?.content;
    } else if (want === "access" && stat.isFile()) await fs.access(file, constants.R_OK);
  } catch (err) {
    info.readError = code(err);
  }
  return info;
}

/** Collects what lint learns about paths: what exists, and what it could not even stat. */
class PathCollector {
  readonly paths = new Map<string, PathInfo>();
  readonly unseen = new Map<string, string>();

  async add(file: string, want: Want): Promise<PathInfo | undefined> {
    const known = this.paths.get(file);
    if (known && (want === "stat" || known.content || known.entries || known.readError)) return known;
    const info = await inspect(file, want);
    if (info && "unseen" in info) this.unseen.set(file, info.unseen);
    else if (info) this.paths.set(file, info);
    return this.paths.get(file);
  }

  async addAll(files: Iterable<string>, want: Want): Promise<void> {
    await Promise.all([...new Set(files)].map((file) => this.add(file, want)));
  }
}

async function readMainConf(confFile: string): Promise<ParsedConf> {
  const hint =
    "give the path of the conf mosquitto starts with (`mosquitto -c FILE`), e.g. /etc/mosquitto/mosquitto.conf";
  try {
    if (readPath(confFile, { followLinks: true, content: "never" })?.stat.isDirectory())
      throw new PkiError(`${confFile} is a folder, not a mosquitto conf file`, { hint, exitCode: EXIT_BAD_INPUT });
    const content = readPath(confFile, { followLinks: true })?.content;
    if (!content) throw new PkiError(`cannot read ${confFile} (ENOENT)`, { hint, exitCode: EXIT_BAD_INPUT });
    return parseMosquittoConf(content.toString("utf8"), confFile);
  } catch (err) {
    if (err instanceof PkiError) throw err;
    throw new PkiError(`cannot read ${confFile} (${code(err)})`, { hint, exitCode: EXIT_BAD_INPUT });
  }
}

/** The conf files of the main conf's include_dir lines, in mosquitto's order. Included files' include_dir is ignored, as mosquitto does. */
async function readIncludes(main: ParsedConf, collector: PathCollector): Promise<ParsedConf[]> {
  const confDir = path.dirname(main.file);
  const included: ParsedConf[] = [];
  for (const { option } of fileLines(main)) {
    if (option.name !== "include_dir" || option.value === "") continue;
    const dir = resolveConfPath(confDir, option.value);
    const info = await collector.add(dir, "entries");
    for (const name of includedConfNames(info?.entries ?? [])) {
      const file = path.join(dir, name);
      const entry = await collector.add(file, "content");
      if (entry?.content) included.push(parseMosquittoConf(entry.content.toString("utf8"), file));
    }
  }
  return included;
}

/** Reads the conf, its include_dir files, every file they reference and what lint needs around them. */
export async function loadConf(file: string): Promise<LintSnapshot> {
  const confFile = path.resolve(file);
  const collector = new PathCollector();
  const main = await readMainConf(confFile);
  const confs = [main, ...(await readIncludes(main, collector))];

  const confDir = path.dirname(confFile);
  const fileOptions = confs
    .flatMap((conf) => fileLines(conf))
    .filter(({ option }) => (FILE_OPTIONS as readonly string[]).includes(option.name) && option.value !== "")
    .map(({ option }) => ({ name: option.name, file: resolveConfPath(confDir, option.value) }));
  await Promise.all(
    fileOptions.map(({ name, file }) =>
      collector.add(file, name === "capath" ? "entries" : READ_CONTENT.has(name) ? "content" : "access"),
    ),
  );
  const capathEntries = fileOptions
    .filter((o) => o.name === "capath")
    .flatMap(({ file }) => (collector.paths.get(file)?.entries ?? []).map((name) => path.join(file, name)));
  await collector.addAll(capathEntries, "content");
  await collector.addAll(
    fileOptions.flatMap(({ file }) => ancestors(file)),
    "stat",
  );

  const roots = clientSearchRoots(confFile, fileOptions);
  const certificateFiles = await findCertificateFiles(roots);
  await collector.addAll(certificateFiles, "content");
  const user = brokerUser(confs);
  return {
    confFile,
    confs,
    paths: collector.paths,
    unseen: collector.unseen,
    clientSearch: { roots, files: certificateFiles },
    brokerUser: user,
    brokerAccount: lookupAccount(user),
    mosquittoVersion: await installedMosquittoVersion(),
  };
}
