// CircleCI's engine for `greenlight rehearse`: .circleci/config.yml → a workflow plan for one
// pipeline (plan.ts), the order jobs may start in (schedule.ts), and one job's steps run as
// CircleCI's agent runs them (runner.ts). It knows nothing of AWS or greenlight.
export { CircleConfigError, formatPath, type ConfigPath } from './errors.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  builtinEnvironment,
  layerEnvironment,
  type BuiltinInputs,
  type EnvironmentLayers,
} from './environment.js';
export type {
  AddSshKeysStep,
  ApprovalJob,
  AttachWorkspaceStep,
  BuildJob,
  CheckoutStep,
  Executor,
  ParameterValue,
  PersistToWorkspaceStep,
  PipelineValues,
  PlannedJob,
  RequiredStatus,
  Requirement,
  RestoreCacheStep,
  RunStep,
  SaveCacheStep,
  ServiceStep,
  SetupRemoteDockerStep,
  SkippedJob,
  Step,
  StepWhen,
  StoreArtifactsStep,
  StoreTestResultsStep,
  WorkflowPlan,
} from './model.js';
export { planWorkflow, readCircleConfig, type CircleConfig, type PlanOptions } from './plan.js';
export { nextJobs, type JobOutcome, type NextJobs } from './schedule.js';
export { DEFAULT_NO_OUTPUT_TIMEOUT_MS } from './steps.js';
export {
  DEFAULT_SHELL,
  runJob,
  type Clock,
  type JobRunResult,
  type RunJobOptions,
  type ServiceStepContext,
  type ServiceStepHandler,
  type StepOutput,
  type StepResult,
  type StepStatus,
} from './runner.js';
export { SerialGroups, type Admission, type SerialRequest } from './serial.js';
