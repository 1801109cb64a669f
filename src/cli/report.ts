import {
  EXIT_BAD_INPUT,
  EXIT_INTERNAL,
  formatPosition,
  isPkiError,
  SpecError,
  systemErrorAsPkiError,
  TreeError,
} from "../errors.js";

/** Writes to stdout/stderr; one seam so commands stay testable and --json stays clean. */
export interface Output {
  out(line?: string): void;
  err(line?: string): void;
}

export const consoleOutput: Output = {
  out: (line = "") => process.stdout.write(`${line}\n`),
  err: (line = "") => process.stderr.write(`${line}\n`),
};

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => `${prefix}${line}`)
    .join("\n");
}

/** The one place errors become text and exit codes. A user's mistake never shows a stack. */
export function reportError(thrown: unknown, output: Output, json = false): number {
  const error = systemErrorAsPkiError(thrown) ?? thrown;
  if (!isPkiError(error)) {
    output.err(`mqtt-pki: internal error: ${(error as Error)?.stack ?? String(error)}`);
    output.err("This is a bug in mqtt-pki, not in your input: please report it with the command you ran.");
    return EXIT_INTERNAL;
  }
  if (json) {
    // A tree error names the file or folder it is about, for whatever reads the JSON.
    const path = error instanceof TreeError ? error.path : undefined;
    const problems = error instanceof SpecError ? error.problems : [{ message: error.message, hint: error.hint, path }];
    output.out(JSON.stringify({ ok: false, error: { kind: error.name, problems } }, null, 2));
    return error.exitCode;
  }
  if (error instanceof SpecError) {
    output.err(
      `mqtt-pki: the spec has ${error.problems.length === 1 ? "a problem" : `${error.problems.length} problems`}; nothing was written.`,
    );
    for (const problem of error.problems) {
      output.err(
        `${formatPosition(problem.position) || problem.yamlPath}: ${problem.message} (at ${problem.yamlPath})`,
      );
      if (problem.hint) output.err(indent(problem.hint, "    "));
    }
    return EXIT_BAD_INPUT;
  }
  output.err(`mqtt-pki: ${error.message}`);
  if (error.hint) output.err(indent(error.hint, "    "));
  return error.exitCode;
}
