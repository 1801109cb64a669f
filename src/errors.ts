/**
 * Errors are values: each carries what went wrong, where, and what to do next.
 * One place (src/cli/report.ts) turns them into messages and exit codes.
 */

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** Another mqtt-pki run holds the lock: nothing was changed, and the same command can simply be run again (sysexits EX_TEMPFAIL). */
export const EXIT_LOCKED = 75;
/** A bug in mqtt-pki, not in the input (sysexits EX_SOFTWARE): the only case that shows a stack. */
export const EXIT_INTERNAL = 70;

export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** One problem found in a spec, pinned to a place in the YAML. */
export interface SpecProblem {
  message: string;
  hint?: string;
  yamlPath: string;
  position?: SourcePosition;
}

/** Base class for every error a user can cause and fix; never printed with a stack. */
export class PkiError extends Error {
  readonly exitCode: number;
  readonly hint?: string;

  constructor(message: string, options: { hint?: string; exitCode?: number } = {}) {
    super(message);
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_BAD_INPUT;
  }
}

/** The spec file is invalid; carries every problem found, not just the first. */
export class SpecError extends PkiError {
  readonly problems: SpecProblem[];

  constructor(problems: SpecProblem[]) {
    super(problems.length === 1 ? problems[0].message : `${problems.length} problems in the spec`, {
      hint: problems.length === 1 ? problems[0].hint : undefined,
    });
    this.problems = problems;
  }
}

/** The tree on disk is not what the command needs (missing CA, foreign files, ...). */
export class TreeError extends PkiError {
  readonly path?: string;

  constructor(message: string, options: { hint?: string; path?: string } = {}) {
    super(message, { hint: options.hint, exitCode: EXIT_BAD_INPUT });
    this.path = options.path;
  }
}

export function isPkiError(error: unknown): error is PkiError {
  return error instanceof PkiError;
}

export function formatPosition(position: SourcePosition | undefined): string {
  return position ? `${position.file}:${position.line}:${position.col}` : "";
}

/** What each system error means to someone running mqtt-pki, and what to do about it. */
const SYSTEM_ERRORS: Record<string, { what: string; fix: string }> = {
  ENOSPC: {
    what: "no space left on the device",
    fix: "free some space (`df -h` shows where), then run the same command again",
  },
  EDQUOT: {
    what: "the disk quota is used up",
    fix: "free some space within the quota, then run the same command again",
  },
  EROFS: {
    what: "the file system is read-only",
    fix: "remount it read-write, or point `out:` at a writable folder, then run the same command again",
  },
  EACCES: {
    what: "permission denied",
    fix: "run mqtt-pki as the user that owns the tree, or give that user the folder back (chown/chmod), then run it again",
  },
  EPERM: {
    what: "the operation is not permitted",
    fix: "run mqtt-pki as the user that owns the tree (changing a file's group needs root or membership), then run it again",
  },
  EISDIR: { what: "a folder is where a file must be", fix: "move that folder away, then run the same command again" },
  ENOTDIR: { what: "a file is where a folder must be", fix: "move that file away, then run the same command again" },
};

/**
 * A disk or permission error as a typed one: what happened, the path, what to do. Each file is
 * replaced atomically and a first build is renamed into place whole, so what is on disk is
 * either as it was or complete; the next run finishes the job.
 */
export function systemErrorAsPkiError(error: unknown): PkiError | undefined {
  const { code, path: where, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  const known = code ? SYSTEM_ERRORS[code] : undefined;
  if (!known) return undefined;
  return new PkiError(
    `${known.what} at ${where ?? "(unknown path)"} (${code}${syscall ? ` in ${syscall}` : ""}); each file is either as it was or complete`,
    { hint: known.fix },
  );
}
