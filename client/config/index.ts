/** The config loader: type-check, evaluate and compile `*.aurora.ts` files. */
export {
  loadConfig,
  compileConfigJob,
  compileConfigJobs,
  issueDiagnostic,
  issueText,
  type LoadedConfig,
  type LoadOptions,
  type CompileRules,
} from './loader.js';
export { checkConfig, checkAndTranspile, configCompilerOptions, resolveConfigImport, type CheckResult } from './typecheck.js';
export { evaluateConfig, type EvaluateResult } from './evaluate.js';
export { jobsDefinedBy, findJob, keyOf, definedKeys, compileDefinedJob } from './jobs.js';
export { formatDiagnostic, formatDiagnostics, displayPath, type ConfigDiagnostic } from './diagnostics.js';
export { dslEntryPoint } from './dsl-location.js';
export { parseBindings } from './bindings.js';
export { cacheDirFor } from './cache.js';
