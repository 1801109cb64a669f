import { applyOwnership, readSeen, temporaryName, writeNewFile } from "../io/files.js";
import { TreeError } from "../errors.js";
import type { Rename } from "./journal.js";
import type { PlannedFile, WriteSet } from "./plannedFiles.js";

/** Writes one planned file (to a temporary name when it replaces one) unless it is already right; true when it wrote. */
export function writeOne(
  file: PlannedFile,
  content: WriteSet,
  tempDir: string,
  staged: Rename[],
  durable = false,
): boolean {
  const made = typeof file.content === "string" ? file.content : file.content();
  if (typeof made !== "string") return writeStaged(file, made, { tempDir, staged, durable });
  const text = made;
  if (file.mustNotReplace) refuseReplacing(file.path, text, file.replaces);
  // Files not read while planning (scripts, state.json, archive copies) are read now, with their mode.
  // A fleet's changed state.json is 58 MB: reading it only to find that it differs costs as much again.
  const seen = file.changed
    ? undefined
    : content.onDisk
      ? content.onDisk.current(file.path)
      : (readSeen(file.path) ?? null);
  if (file.archive && seen) return false;
  if (file.unchanged && !seen) {
    applyOwnership(file.path, file.own);
    return false;
  }
  if (seen && sameContent(seen.content, text)) {
    // Read with its mode this run: nothing to do at all when that is right too.
    if (!(seen.mode === file.own.mode && (file.own.gid === undefined || seen.gid === file.own.gid)))
      applyOwnership(file.path, file.own);
    return false;
  }
  return writeStaged(file, text, { tempDir, staged, durable });
}

/** Writes a file's new content to a temporary name, staged for the commit's rename. */
function writeStaged(
  file: PlannedFile,
  content: string | Iterable<string>,
  stage: { tempDir: string; staged: Rename[]; durable: boolean },
): true {
  const temp = temporaryName(file.path, stage.tempDir);
  // Staged before it is written: a write that fails half-way (a full disk) leaves this temp too.
  stage.staged.push({ temp, file: file.path });
  writeNewFile(temp, content, file.own, stage.durable);
  return true;
}

/** Without turning every planned string into a Buffer: lengths first, then the text. */
function sameContent(current: Buffer, content: string): boolean {
  return current.length === Buffer.byteLength(content) && current.toString() === content;
}

/** Last line of defence for the CA key: whatever the plan says, an existing different key is never overwritten. */
function refuseReplacing(file: string, content: string, allowedPrevious?: string): void {
  const current = readSeen(file)?.content;
  if (
    current &&
    !current.equals(Buffer.from(content)) &&
    !(allowedPrevious !== undefined && current.equals(Buffer.from(allowedPrevious)))
  ) {
    throw new TreeError(`refusing to replace the existing CA key ${file}`, {
      hint: "the CA key is only ever replaced by `mqtt-pki rotate ca`, which keeps the old one; nothing was changed",
      path: file,
    });
  }
}
