import type { BuildJob, PipelineValues } from './model.js';

// A job's environment below its own `environment:`, layered as CircleCI documents the precedence
// (highest first): a variable set in the shell command, the run step's `environment:`, the job's
// `environment:`, CircleCI's built-in variables, context variables, project variables. The runner
// adds the top three; this builds the rest.

export interface BuiltinInputs {
  readonly job: BuildJob;
  readonly pipeline: PipelineValues;
  readonly workflowId: string;
  readonly workflowJobId: string;
  readonly buildNumber: number;
  readonly buildUrl: string;
  /** The job's working directory as the steps see it (on this machine). */
  readonly workingDirectory: string;
  readonly projectUsername: string;
  readonly projectReponame: string;
  readonly repositoryUrl: string;
  /** Who started the pipeline. */
  readonly username: string;
  /** CircleCI's OIDC tokens; CircleCI gives them only to jobs that use at least one context. */
  readonly oidc?: { readonly token: string; readonly tokenV2: string };
}

/** CircleCI's built-in variables for one job (the documented list, less the forked-PR ones). */
export function builtinEnvironment(inputs: BuiltinInputs): Record<string, string> {
  const { job, pipeline } = inputs;
  const env: Record<string, string> = {
    CI: 'true',
    CIRCLECI: 'true',
    CIRCLE_BUILD_NUM: String(inputs.buildNumber),
    CIRCLE_BUILD_URL: inputs.buildUrl,
    CIRCLE_JOB: job.name,
    // The rehearsal runs one node whatever `parallelism:` says (BuildJob.notes says so).
    CIRCLE_NODE_INDEX: '0',
    CIRCLE_NODE_TOTAL: '1',
    CIRCLE_PROJECT_REPONAME: inputs.projectReponame,
    CIRCLE_PROJECT_USERNAME: inputs.projectUsername,
    CIRCLE_REPOSITORY_URL: inputs.repositoryUrl,
    CIRCLE_SHA1: pipeline.revision,
    CIRCLE_USERNAME: inputs.username,
    CIRCLE_WORKFLOW_ID: inputs.workflowId,
    CIRCLE_WORKFLOW_WORKSPACE_ID: inputs.workflowId,
    CIRCLE_WORKFLOW_JOB_ID: inputs.workflowJobId,
    CIRCLE_WORKING_DIRECTORY: inputs.workingDirectory,
  };
  if (pipeline.branch !== undefined && pipeline.branch !== '') env.CIRCLE_BRANCH = pipeline.branch;
  if (pipeline.tag !== undefined && pipeline.tag !== '') env.CIRCLE_TAG = pipeline.tag;
  if (inputs.oidc !== undefined && job.contexts.length > 0) {
    env.CIRCLE_OIDC_TOKEN = inputs.oidc.token;
    env.CIRCLE_OIDC_TOKEN_V2 = inputs.oidc.tokenV2;
  }
  return env;
}

export interface EnvironmentLayers {
  /** What the machine gives every process (PATH, HOME …): the bottom layer. */
  readonly machine: Readonly<Record<string, string>>;
  readonly project: Readonly<Record<string, string>>;
  /**
   * The job's contexts' variables, in the order the job lists its contexts. CircleCI does not
   * document which of two contexts wins for one name; here the later one does.
   */
  readonly contexts: readonly Readonly<Record<string, string>>[];
  readonly builtins: Readonly<Record<string, string>>;
}

/** The environment to hand runJob as `env` (the job's `environment:` goes in `jobEnvironment`). */
export function layerEnvironment(layers: EnvironmentLayers): Record<string, string> {
  return Object.assign({}, layers.machine, layers.project, ...layers.contexts, layers.builtins) as Record<
    string,
    string
  >;
}
