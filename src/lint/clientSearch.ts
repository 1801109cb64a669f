/** Finding client certificates near a conf and its CA, to tell whether any device could log in. */
import { promises as fs } from "node:fs";
import path from "node:path";

/** How deep below each root the search goes, how many files at most, and how big a certificate file may be. */
const SEARCH_DEPTH = 2;
const SEARCH_MAX_FILES = 300;
const SEARCH_MAX_BYTES = 256 * 1024;

async function isSmall(file: string): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat !== undefined && stat.size <= SEARCH_MAX_BYTES;
}

/** Every small *.crt / *.pem file up to SEARCH_DEPTH folders below the roots (not following symlinks, skipping dot-folders). */
export async function findCertificateFiles(roots: string[]): Promise<string[]> {
  const found = new Set<string>();
  const visit = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.size >= SEARCH_MAX_FILES) return;
      if (entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < SEARCH_DEPTH) await visit(full, depth + 1);
      else if (entry.isFile() && /\.(crt|pem)$/i.test(entry.name) && (await isSmall(full))) found.add(full);
    }
  };
  for (const root of roots) await visit(root, 0);
  return [...found];
}

/**
 * Where client certificates usually sit: the conf's folder, each CA's folder, each capath, and
 * the folder above a CA's folder (ca/ and clients/ side by side) unless that is a top-level
 * folder such as /tmp or /etc, too broad to search.
 */
export function clientSearchRoots(confFile: string, fileOptions: { name: string; file: string }[]): string[] {
  const roots = [path.dirname(confFile)];
  const isTopLevel = (dir: string) => path.dirname(dir) === path.parse(dir).root;
  for (const { name, file } of fileOptions) {
    if (name === "cafile") {
      const caDir = path.dirname(file);
      roots.push(caDir);
      if (!isTopLevel(caDir) && !isTopLevel(path.dirname(caDir))) roots.push(path.dirname(caDir));
    }
    if (name === "capath") roots.push(file);
  }
  return [...new Set(roots)];
}
