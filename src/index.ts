/** The programmatic API; the CLI is a thin layer over these. */
export { build, type BuildOptions, type BuildResult } from "./api/build.js";
export { verify, verifySnapshot, type VerifyOptions, type VerifyReport } from "./api/verify.js";
export { init, type InitOptions } from "./api/init.js";
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
