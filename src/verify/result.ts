export type CheckStatus = "pass" | "warn" | "fail";

/** One line of verify's checklist. */
export interface CheckResult {
  status: CheckStatus;
  /** What was checked, e.g. "client sensor-001". */
  subject: string;
  message: string;
  /** What to do about a warn or fail. */
  hint?: string;
}

/** Collects results; `check` records a pass or a fail from one condition. */
export class Checklist {
  readonly results: CheckResult[] = [];

  pass(subject: string, message: string): void {
    this.results.push({ status: "pass", subject, message });
  }

  fail(subject: string, message: string, hint: string): void {
    this.results.push({ status: "fail", subject, message, hint });
  }

  warn(subject: string, message: string, hint: string): void {
    this.results.push({ status: "warn", subject, message, hint });
  }

  check(ok: boolean, subject: string, passMessage: string, failMessage: string, hint: string): boolean {
    if (ok) this.pass(subject, passMessage);
    else this.fail(subject, failMessage, hint);
    return ok;
  }
}
