// What a resolved workflow is made of: the plan the rehearsal runs and the steps of each job.

export type StepWhen = 'on_success' | 'on_fail' | 'always';

interface StepBase {
  /** The step's name as CircleCI shows it (its `name:`, or CircleCI's default for the step). */
  readonly name: string;
  /** When it runs, against the job's status so far. */
  readonly when: StepWhen;
  /** Where it comes from: `jobs.gate.steps[3] › commands.rollback_on_failure.steps[0]`. */
  readonly origin: string;
}

export interface RunStep extends StepBase {
  readonly type: 'run';
  readonly command: string;
  /** `shell:` of the step, else of the job, else of its executor; undefined: CircleCI's default. */
  readonly shell: string | undefined;
  /** The step's own `environment:` (the job's is on the job). */
  readonly environment: Readonly<Record<string, string>>;
  readonly workingDirectory: string | undefined;
  readonly background: boolean;
  readonly noOutputTimeoutMs: number;
}

export interface CheckoutStep extends StepBase {
  readonly type: 'checkout';
  readonly path: string | undefined;
}
export interface RestoreCacheStep extends StepBase {
  readonly type: 'restore_cache';
  /** Tried in order; `{{ checksum "…" }}` and friends are left for the step's handler. */
  readonly keys: readonly string[];
}
export interface SaveCacheStep extends StepBase {
  readonly type: 'save_cache';
  readonly key: string;
  readonly paths: readonly string[];
}
export interface StoreArtifactsStep extends StepBase {
  readonly type: 'store_artifacts';
  readonly path: string;
  readonly destination: string | undefined;
}
export interface StoreTestResultsStep extends StepBase {
  readonly type: 'store_test_results';
  readonly path: string;
}
export interface PersistToWorkspaceStep extends StepBase {
  readonly type: 'persist_to_workspace';
  readonly root: string;
  readonly paths: readonly string[];
}
export interface AttachWorkspaceStep extends StepBase {
  readonly type: 'attach_workspace';
  readonly at: string;
}
export interface SetupRemoteDockerStep extends StepBase {
  readonly type: 'setup_remote_docker';
  readonly version: string | undefined;
  readonly dockerLayerCaching: boolean;
}
export interface AddSshKeysStep extends StepBase {
  readonly type: 'add_ssh_keys';
  readonly fingerprints: readonly string[];
}

/** Every step other than `run`: what the runner hands to its caller's handler. */
export type ServiceStep =
  | CheckoutStep
  | RestoreCacheStep
  | SaveCacheStep
  | StoreArtifactsStep
  | StoreTestResultsStep
  | PersistToWorkspaceStep
  | AttachWorkspaceStep
  | SetupRemoteDockerStep
  | AddSshKeysStep;

/** A job's step after commands, parameters and `when`/`unless` conditions are expanded. */
export type Step = RunStep | ServiceStep;

/** Where a job would run on CircleCI. Recorded, never started: the rehearsal runs on this machine. */
export interface Executor {
  /** The named executor (`executors:`), when the job uses one. */
  readonly name: string | undefined;
  readonly kind: 'docker' | 'machine' | 'macos';
  /** The primary image (docker: the first container; machine: its image; macos: `xcode:<version>`). */
  readonly image: string;
  /** Secondary containers of a docker executor. */
  readonly services: readonly string[];
  readonly resourceClass: string | undefined;
}

/** A job's required job and the statuses of it that let the job start (default: success). */
export interface Requirement {
  readonly job: string;
  readonly statuses: readonly RequiredStatus[];
}
export type RequiredStatus = 'success' | 'failed' | 'canceled' | 'not_run' | 'terminal';

/** Values a job parameter can take after checking. */
export type ParameterValue =
  string | number | boolean | readonly unknown[] | Readonly<Record<string, unknown>>;

interface PlannedJobBase {
  /** The name in the workflow (`name:`, or the job it runs). */
  readonly name: string;
  readonly requires: readonly Requirement[];
  readonly contexts: readonly string[];
  /** The `serial-group` it runs in: the job's own, or that of the job group it belongs to. */
  readonly serialGroup: string | undefined;
  /** The job group (its name in the workflow) the job runs in, which holds its serial group as one. */
  readonly jobGroup: string | undefined;
  /** `workflows.deliver.jobs[4]` */
  readonly origin: string;
}

export interface ApprovalJob extends PlannedJobBase {
  readonly type: 'approval';
}

export interface BuildJob extends PlannedJobBase {
  readonly type: 'build';
  /** The job definition under `jobs:` it runs. */
  readonly job: string;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly executor: Executor;
  /** The executor's `environment:` overlaid with the job's. */
  readonly environment: Readonly<Record<string, string>>;
  /** As configured (CircleCI's default: `~/project`); the caller maps it to a host directory. */
  readonly workingDirectory: string;
  readonly shell: string | undefined;
  readonly parallelism: number;
  /** pre-steps, the job's steps, post-steps: expanded. */
  readonly steps: readonly Step[];
  /** What the rehearsal does differently from CircleCI for this job, said once. */
  readonly notes: readonly string[];
}

export type PlannedJob = ApprovalJob | BuildJob;

/** A job of the workflow that does not run for this pipeline, and why. */
export interface SkippedJob {
  readonly name: string;
  readonly origin: string;
  readonly reason: string;
}

export interface WorkflowPlan {
  readonly workflow: string;
  /** False when the workflow's own `when`/`unless` keeps it from running; then `jobs` is empty. */
  readonly runs: boolean;
  /** Jobs that run, in an order where every job comes after the jobs it requires. */
  readonly jobs: readonly PlannedJob[];
  /** Jobs left out by filters (or because every job they require was). */
  readonly skipped: readonly SkippedJob[];
}

/** The pipeline values `<< pipeline.* >>` reads. */
export interface PipelineValues {
  readonly id: string;
  readonly number: number;
  readonly branch: string | undefined;
  readonly tag: string | undefined;
  readonly revision: string;
  readonly baseRevision?: string;
  readonly projectGitUrl?: string;
  readonly projectType?: string;
  readonly projectSlug?: string;
  readonly triggerSource?: string;
  /** Values given for the config's top-level `parameters:` (defaults fill the rest). */
  readonly parameters?: Readonly<Record<string, unknown>>;
}
