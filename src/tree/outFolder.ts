import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import { TreeError } from "../errors.js";
import type { Spec } from "../spec/types.js";

/** A file at the root of every tree mqtt-pki makes: a later build may write there, and nowhere else that holds files. */
export const TREE_MARKER = ".mqtt-pki-tree";
export const TREE_MARKER_TEXT =
  "This folder is a key and certificate tree made by mqtt-pki from its spec. Keep this file: mqtt-pki builds only into folders that carry it (or are empty).\n";

/** Folders a tree must never be written into: their own mode and content belong to the system. */
const SYSTEM_FOLDERS = new Set([
  "/",
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/home",
  "/lib",
  "/lib64",
  "/mnt",
  "/opt",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/srv",
  "/sys",
  "/tmp",
  "/usr",
  "/usr/local",
  "/var",
  "/var/lib",
  "/etc/mosquitto",
]);

/**
 * Refuses an `out:` a build must not write into, before anything is locked or written: not a
 * folder, a system folder, one that holds the spec, or a folder of files another program made
 * (a tree from before the marker still counts as ours when it has state.json and ca/).
 */
export async function checkOutFolder(spec: Spec): Promise<void> {
  const out = spec.out;
  const refuse = (why: string, hint: string): never => {
    throw new TreeError(`\`out: ${out}\` (in ${path.basename(spec.file)}) ${why}; nothing was written`, { hint });
  };
  const elsewhere = "point `out:` at a folder of its own, e.g. `out: ./pki` beside the spec";
  if (SYSTEM_FOLDERS.has(out)) refuse("is a system folder", elsewhere);
  if (spec.file === out) refuse("is the spec file", elsewhere);
  if (spec.file.startsWith(`${out}/`))
    refuse("holds the spec file itself: the tree would be written around it", elsewhere);
  const found = await lstat(out).catch(() => undefined);
  if (!found) return;
  if (found.isSymbolicLink()) refuse("is a symbolic link", "point `out:` at the real folder");
  if (!found.isDirectory()) refuse("is not a folder", elsewhere);
  const names = await readdir(out);
  if (names.length === 0 || names.includes(TREE_MARKER) || (names.includes("state.json") && names.includes("ca")))
    return;
  refuse(
    `holds files mqtt-pki did not make (${names.slice(0, 3).join(", ")}${names.length > 3 ? ", ..." : ""})`,
    `${elsewhere}; a tree mqtt-pki made carries ${TREE_MARKER}`,
  );
}

/** Where the marker of a tree lives. */
export function treeMarker(root: string): string {
  return path.join(root, TREE_MARKER);
}
