/** What `lint` reports: one problem pinned to a line of a mosquitto conf file. */
export type Severity = "error" | "warning";

export interface Finding {
  file: string;
  line: number;
  severity: Severity;
  /** What is wrong, and what mosquitto does about it. */
  message: string;
  /** What to change. */
  fix: string;
}

/** Where in the conf files a finding belongs. */
export interface Place {
  file: string;
  line: number;
}

export function error(at: Place, message: string, fix: string): Finding {
  return { file: at.file, line: at.line, severity: "error", message, fix };
}

export function warning(at: Place, message: string, fix: string): Finding {
  return { file: at.file, line: at.line, severity: "warning", message, fix };
}

/**
 * Orders findings the way a reader walks the conf: files in the order mosquitto loads them
 * (`fileOrder`), then by line. Equal places keep the order the rules produced them in.
 */
export function sortFindings(findings: Finding[], fileOrder: string[]): Finding[] {
  const rank = (file: string) => {
    const index = fileOrder.indexOf(file);
    return index < 0 ? fileOrder.length : index;
  };
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort(
      (a, b) =>
        rank(a.finding.file) - rank(b.finding.file) ||
        a.finding.file.localeCompare(b.finding.file) ||
        a.finding.line - b.finding.line ||
        a.index - b.index,
    )
    .map(({ finding }) => finding);
}

/** `file:line: severity: message — fix`, the shape compilers and editors understand. */
export function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line}: ${finding.severity}: ${finding.message} — ${finding.fix}`;
}
