/** The programmatic API; the CLI is a thin layer over these. */
export { build, type BuildOptions, type BuildResult } from "./api/build.js";
export { verify, verifySnapshot, type VerifyOptions, type VerifyReport } from "./api/verify.js";
export { init, type InitOptions } from "./api/init.js";
export { rotate, type RotateOptions } from "./api/rotate.js";
export { revoke, type RevokeOptions } from "./api/revoke.js";
export { status, type StatusOptions, type StatusReport, type StatusRow, type HolderState } from "./api/status.js";
export { issue, type IssueOptions } from "./api/issue.js";
export { sign, type SignOptions, type SignResult } from "./api/sign.js";
export { converge } from "./api/build.js";
export {
  exportP12,
  defaultP12Password,
  P12_PASSWORD_ENV,
  type ExportOptions,
  type ExportResult,
  type P12PasswordSource,
} from "./api/export.js";
export { buildPkcs12, type Pkcs12Input } from "./crypto/pkcs12.js";
export { specJsonSchema } from "./spec/schema.js";
export { snippets, type SnippetsOptions, type SnippetTexts, type SnippetFormat } from "./api/snippets.js";
export { renderMqttJsSnippet, renderPahoSnippet, renderSnippets } from "./render/snippets.js";
export { lint, lintSnapshot, type LintOptions, type LintReport } from "./api/lint.js";
export type { Finding, Severity } from "./lint/findings.js";
export { doctor, doctorServer, type DoctorOptions, type DoctorReport, type DoctorServerReport } from "./api/doctor.js";
export { currentTime, NOW_ENV } from "./clock.js";
export { parseSpec, type ParsedSpec } from "./spec/parse.js";
export { loadSpecFile } from "./spec/load.js";
export type * from "./spec/types.js";
export { planBuild, type BuildPlan, type EntityPlan } from "./plan/planBuild.js";
export { renderMosquittoConf, renderListenerBlock, renderConfD } from "./render/conf.js";
export { renderClientCommands } from "./render/commands.js";
export { softwareSigner, type Signer } from "./crypto/signer.js";
export { issueCaCert, issueServerCert, issueClientCert, type IssuingCa } from "./crypto/issue.js";
export { PkiError, SpecError, TreeError, type SpecProblem, type SourcePosition } from "./errors.js";
export type { CheckResult, CheckStatus } from "./verify/result.js";
export { main } from "./cli.js";
