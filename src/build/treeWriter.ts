import path from "node:path";
import type { CertFacts } from "../crypto/facts.js";
import type { Ownership } from "../io/files.js";
import type { TreeLayout } from "../tree/layout.js";
import { treePermissions } from "../tree/permissions.js";
import type { FileSink, FolderMove, PlannedDir, PlannedFile } from "./plannedFiles.js";

/** The tree's modes for everything but the broker's own files (those depend on its account). */
export const perms = treePermissions(undefined);

/** Collects planned files and folders (or hands them to a sink); one place that knows the tree's modes. */
export class TreeWriter implements FileSink {
  readonly files: PlannedFile[] = [];
  readonly dirs: PlannedDir[] = [];
  readonly removals: string[] = [];
  readonly moves: FolderMove[] = [];
  private readonly sink: FileSink;

  constructor(
    readonly layout: TreeLayout,
    sink?: FileSink,
  ) {
    this.sink = sink ?? { dir: (dir) => this.dirs.push(dir), file: (file) => this.files.push(file) };
  }

  file(file: PlannedFile): void;
  file(file: string, content: string | (() => string), own: Ownership, isKey?: boolean, unchanged?: boolean): void;
  file(
    file: string | PlannedFile,
    content?: string | (() => string),
    own?: Ownership,
    isKey = false,
    unchanged = false,
  ): void {
    this.sink.file(typeof file === "string" ? { path: file, content: content!, own: own!, isKey, unchanged } : file);
  }

  dir(dir: PlannedDir): void;
  dir(dir: string, own: Ownership): void;
  dir(dir: string | PlannedDir, own?: Ownership): void {
    this.sink.dir(typeof dir === "string" ? { path: dir, own: own! } : dir);
  }

  /** archive/<group>/<serial>/, with every folder on the way planned (and the folder itself, unless a move will make it). */
  archiveFolder(group: string, serial: string | undefined, make = true): string {
    const folder = path.join(this.layout.archiveDir, group, serial ?? "unreadable");
    this.dir(this.layout.archiveDir, perms.privateDir);
    for (let at = path.dirname(folder); at !== this.layout.archiveDir; at = path.dirname(at))
      this.dir(at, perms.privateDir);
    if (make) this.dir(folder, perms.privateDir);
    return folder;
  }

  /** Copies a certificate (and key) into archive/<group>/<serial>/ before they are replaced or removed. */
  archive(
    group: string,
    facts: CertFacts | undefined,
    certPem: string | undefined,
    keyPem: string | undefined,
    baseName: string,
  ): void {
    const folder = this.archiveFolder(group, facts?.serial);
    // An archive copy is never replaced: after a killed run the tree may hold a new key beside
    // the old certificate, and the copy made first is the one that belongs to that certificate.
    if (certPem !== undefined)
      this.file({
        path: path.join(folder, `${baseName}.crt`),
        content: certPem,
        own: perms.publicFile,
        isKey: false,
        archive: true,
      });
    if (keyPem !== undefined)
      this.file({
        path: path.join(folder, `${baseName}.key`),
        content: keyPem,
        own: perms.privateKey,
        isKey: true,
        archive: true,
      });
  }

  /** Keeps every CRL issued as archive/crl/<its highest CRL number>.pem: numbers found there are never used again. */
  archiveCrl(pem: string, number: number): void {
    const folder = path.join(this.layout.archiveDir, "crl");
    this.dir(this.layout.archiveDir, perms.privateDir);
    this.dir(folder, perms.privateDir);
    this.file({
      path: path.join(folder, `${number}.pem`),
      content: pem,
      own: perms.publicFile,
      isKey: false,
      archive: true,
    });
  }
}
