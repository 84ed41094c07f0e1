import { CircleConfigError, ConfigProblem, formatPath, problem, type ConfigPath } from './errors.js';
import { passesFilter, type NameFilter } from './filters.js';
import { evaluateLogic } from './logic.js';
import type {
  BuildJob,
  Executor,
  ParameterValue,
  PipelineValues,
  PlannedJob,
  Requirement,
  RequiredStatus,
  SkippedJob,
  WorkflowPlan,
} from './model.js';
import { checkArguments, parameterResolver } from './parameters.js';
import {
  check,
  configSchema,
  executorSchema,
  jobSchema,
  parameterDeclarationsSchema,
  WORKFLOW_JOB_SETTINGS,
  workflowJobSettingsSchema,
  workflowSchema,
  type ExecutorDefinition,
  type JobDefinition,
} from './schema.js';
import { readConfigSource, type ConfigSource } from './source.js';
import { expandSteps, stringValues } from './steps.js';
import { closest } from './suggestion.js';
import { isRecord, substitute, type Resolver } from './template.js';

/** A config file read and checked at the top level; planWorkflow resolves one of its workflows. */
export interface CircleConfig {
  readonly file: string;
  readonly source: ConfigSource;
  /** The workflows it defines, in file order. */
  readonly workflows: readonly string[];
}

/** Reads `.circleci/config.yml`'s text. Throws CircleConfigError (file, line, key path, problem). */
export function readCircleConfig(text: string, file = '.circleci/config.yml'): CircleConfig {
  const source = readConfigSource(text, file);
  return located(source, () => {
    const config = check(configSchema, source.value ?? {}, []);
    if (String(config.version) !== '2.1') {
      throw problem(
        ['version'],
        `version ${String(config.version)}: the rehearsal reads version 2.1 configs`,
      );
    }
    if (config.setup === true) {
      throw problem(
        ['setup'],
        'a setup config (dynamic configuration) is not supported: rehearse the config it continues with',
      );
    }
    if (config.orbs !== undefined && Object.keys(config.orbs).length > 0) {
      throw problem(
        ['orbs'],
        'orbs are not supported: the rehearsal cannot fetch them; expand them into the file with `circleci config process`',
      );
    }
    return {
      file,
      source,
      workflows: Object.keys(config.workflows ?? {}).filter((name) => name !== 'version'),
    };
  });
}

export interface PlanOptions {
  readonly workflow: string;
  readonly pipeline: PipelineValues;
}

/**
 * The workflow as CircleCI would run it for this pipeline: which jobs run and in what order, which
 * filters leave out, and each job's concrete steps. Every job of the workflow is compiled (filtered
 * or not, as CircleCI compiles the whole config), so an error does not depend on the branch.
 */
export function planWorkflow(config: CircleConfig, options: PlanOptions): WorkflowPlan {
  return located(config.source, () => plan(config.source.value, options));
}

function plan(raw: unknown, options: PlanOptions): WorkflowPlan {
  const root = check(configSchema, raw, []);
  const pipelineParameters = checkArguments(
    root.parameters ?? {},
    options.pipeline.parameters ?? {},
    ['parameters'],
    'the pipeline',
  );
  const config = check(
    configSchema,
    substitute(raw, pipelineResolver(options.pipeline, pipelineParameters)),
    [],
  );
  const workflows = config.workflows ?? {};
  const name = options.workflow;
  if (!(name in workflows) || name === 'version') {
    const known = Object.keys(workflows).filter((w) => w !== 'version');
    throw problem(['workflows'], `no workflow "${name}" (the config has: ${known.join(', ') || 'none'})`);
  }
  const at: ConfigPath = ['workflows', name];
  const workflow = check(workflowSchema, workflows[name], at);

  const entries = workflow.jobs.map((entry, index) => readEntry(entry, [...at, 'jobs', index]));
  checkNames(entries);
  const ordered = topologicalOrder(entries);
  const compiled = new Map(entries.map((entry) => [entry.name, compileJob(entry, config)]));

  let runs = true;
  if (workflow.when !== undefined) runs &&= evaluateLogic(workflow.when, [...at, 'when']);
  if (workflow.unless !== undefined) runs &&= !evaluateLogic(workflow.unless, [...at, 'unless']);
  if (workflow.triggers !== undefined) runs = false;
  if (!runs) return { workflow: name, runs: false, jobs: [], skipped: [] };

  const skipped = new Map<string, SkippedJob>();
  for (const entry of ordered) {
    const reason = filterReason(entry, options.pipeline) ?? requirementsReason(entry, skipped);
    if (reason !== undefined)
      skipped.set(entry.name, { name: entry.name, origin: formatPath(entry.path), reason });
  }
  const jobs = ordered
    .filter((entry) => !skipped.has(entry.name))
    .map((entry) => {
      const job = compiled.get(entry.name) as PlannedJob;
      // A requirement that was filtered out is dropped, as CircleCI drops it (requirementsReason).
      return { ...job, requires: job.requires.filter((r) => !skipped.has(r.job)) };
    });
  return { workflow: name, runs: true, jobs, skipped: [...skipped.values()] };
}

interface Entry {
  readonly name: string;
  /** The job definition it runs (an approval has none). */
  readonly job: string;
  readonly path: ConfigPath;
  readonly settings: ReturnType<typeof workflowJobSettingsSchema.parse>;
  readonly args: Record<string, unknown>;
  readonly requires: readonly Requirement[];
}

const STATUSES = new Set<RequiredStatus>(['success', 'failed', 'canceled', 'not_run', 'terminal']);

function readEntry(entry: unknown, path: ConfigPath): Entry {
  let job: string;
  let body: unknown;
  if (typeof entry === 'string') {
    job = entry;
    body = {};
  } else if (isRecord(entry) && Object.keys(entry).length === 1) {
    job = Object.keys(entry)[0] as string;
    body = entry[job] ?? {};
  } else {
    throw problem(path, 'a workflow job is a job name or a map with one key, the job name');
  }
  const at = typeof entry === 'string' ? path : [...path, job];
  if (!isRecord(body)) throw problem(at, 'the settings of a workflow job must be a map');
  const settingsPart = Object.fromEntries(
    Object.entries(body).filter(([key]) => WORKFLOW_JOB_SETTINGS.has(key)),
  );
  const args = Object.fromEntries(Object.entries(body).filter(([key]) => !WORKFLOW_JOB_SETTINGS.has(key)));
  const settings = check(workflowJobSettingsSchema, settingsPart, at);
  if (settings.matrix !== undefined) {
    throw problem(
      [...at, 'matrix'],
      'matrix jobs are not supported by the rehearsal: list each combination as its own job',
    );
  }
  if (settings['override-with'] !== undefined) {
    throw problem([...at, 'override-with'], 'override-with (orb job overrides) is not supported');
  }
  if (typeof settings.filters === 'string') {
    throw problem(
      [...at, 'filters'],
      'expression-based filters are not supported: use filters: {branches: {only, ignore}}',
    );
  }
  if (settings.type !== undefined && settings.type !== 'approval' && settings.type !== 'build') {
    throw problem(
      [...at, 'type'],
      `job type "${settings.type}" is not supported (approval, or none for a build job)`,
    );
  }
  if (settings.type === 'approval' && Object.keys(args).length > 0) {
    const key = Object.keys(args)[0] as string;
    throw problem([...at, key], `an approval job takes no parameters${settingHint(key)}`);
  }
  const requires = (settings.requires ?? []).map((requirement, index): Requirement => {
    const where = [...at, 'requires', index];
    if (typeof requirement === 'string') return { job: requirement, statuses: ['success'] };
    const [name, statuses] = Object.entries(requirement)[0] ?? [];
    if (name === undefined || Object.keys(requirement).length !== 1) {
      throw problem(where, 'a requirement is a job name or {job-name: status or list of statuses}');
    }
    const list = (typeof statuses === 'string' ? [statuses] : (statuses as string[])) as RequiredStatus[];
    for (const status of list) {
      if (!STATUSES.has(status)) {
        throw problem([...where, name], `unknown status "${status}": use ${[...STATUSES].join(', ')}`);
      }
    }
    return { job: name, statuses: list };
  });
  return { name: settings.name ?? job, job, path: at, settings, args, requires };
}

/** A workflow job's misspelled setting (`requries:`) would otherwise read as a job parameter. */
function settingHint(key: string): string {
  const setting = closest(key, WORKFLOW_JOB_SETTINGS);
  return setting === undefined ? '' : ` (did you mean "${setting}"?)`;
}

function checkNames(entries: readonly Entry[]): void {
  const seen = new Map<string, Entry>();
  for (const entry of entries) {
    const first = seen.get(entry.name);
    if (first !== undefined) {
      throw problem(
        entry.path,
        `two jobs of the workflow are named "${entry.name}" (the other: ${formatPath(first.path)}); give one a name:`,
      );
    }
    seen.set(entry.name, entry);
  }
  for (const entry of entries) {
    entry.requires.forEach((requirement, index) => {
      if (!seen.has(requirement.job)) {
        const hint = closest(requirement.job, seen.keys());
        throw problem(
          [...entry.path, 'requires', index],
          `requires "${requirement.job}", which is not a job of this workflow${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`,
        );
      }
    });
  }
}

/** Jobs after the jobs they require, otherwise in file order; a cycle is an error that names it. */
function topologicalOrder(entries: readonly Entry[]): Entry[] {
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: Entry[] = [];
  const visit = (entry: Entry, chain: readonly string[]): void => {
    const seen = state.get(entry.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...chain.slice(chain.indexOf(entry.name)), entry.name];
      throw problem([...entry.path, 'requires'], `requires form a cycle: ${cycle.join(' → ')}`);
    }
    state.set(entry.name, 'visiting');
    for (const requirement of entry.requires)
      visit(byName.get(requirement.job) as Entry, [...chain, entry.name]);
    state.set(entry.name, 'done');
    order.push(entry);
  };
  for (const entry of entries) visit(entry, []);
  return order;
}

/**
 * Branch pipelines follow `filters.branches` (a job without one runs on every branch); tag pipelines
 * run only jobs whose `filters.tags` lets the tag through (none: no tags), as CircleCI documents.
 */
function filterReason(entry: Entry, pipeline: PipelineValues): string | undefined {
  const filters = typeof entry.settings.filters === 'object' ? entry.settings.filters : undefined;
  const at = [...entry.path, 'filters'];
  if (pipeline.tag !== undefined && pipeline.tag !== '') {
    const tags = filters?.tags;
    if (tags === undefined)
      return `tag ${pipeline.tag}: the job has no tags filter, so it does not run for tags`;
    return passesFilter(normalize(tags), pipeline.tag, [...at, 'tags'])
      ? undefined
      : `tag ${pipeline.tag} does not pass filters.tags`;
  }
  const branches = filters?.branches;
  const branch = pipeline.branch ?? '';
  if (branches === undefined) return undefined;
  return passesFilter(normalize(branches), branch, [...at, 'branches'])
    ? undefined
    : `branch ${branch} does not pass filters.branches${describeFilter(normalize(branches))}`;
}

/**
 * CircleCI leaves out a job when every job it requires was left out, and otherwise runs it once the
 * requirements that remain are met: a filtered-out requirement does not hold the job back (see
 * https://discuss.circleci.com/t/jobs-run-if-a-required-job-is-filtered/29598).
 */
function requirementsReason(entry: Entry, skipped: ReadonlyMap<string, SkippedJob>): string | undefined {
  if (entry.requires.length === 0) return undefined;
  if (!entry.requires.every((requirement) => skipped.has(requirement.job))) return undefined;
  const names = entry.requires.map((requirement) => requirement.job).join(', ');
  return `every job it requires (${names}) is left out`;
}

function normalize(filter: {
  only?: string | string[] | undefined;
  ignore?: string | string[] | undefined;
}): NameFilter {
  const list = (value: string | string[] | undefined) =>
    value === undefined ? undefined : typeof value === 'string' ? [value] : value;
  const only = list(filter.only);
  const ignore = list(filter.ignore);
  return { ...(only && { only }), ...(ignore && { ignore }) };
}

function describeFilter(filter: NameFilter): string {
  const parts = [];
  if (filter.only) parts.push(`only: ${filter.only.join(', ')}`);
  if (filter.ignore) parts.push(`ignore: ${filter.ignore.join(', ')}`);
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

type Config = ReturnType<typeof configSchema.parse>;

function compileJob(entry: Entry, config: Config): PlannedJob {
  const contexts = entry.settings.context === undefined ? [] : [entry.settings.context].flat();
  const base = {
    name: entry.name,
    requires: entry.requires,
    contexts,
    serialGroup: entry.settings['serial-group'],
    origin: formatPath(entry.path),
  };
  if (entry.settings.type === 'approval') return { type: 'approval', ...base };

  const jobs = config.jobs ?? {};
  const raw = jobs[entry.job];
  if (raw === undefined) {
    const hint = closest(entry.job, Object.keys(jobs));
    throw problem(
      entry.path,
      `no job "${entry.job}" under jobs:${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`,
    );
  }
  const home: ConfigPath = ['jobs', entry.job];
  if (!isRecord(raw)) throw problem(home, 'a job is a map');
  const declarations = check(parameterDeclarationsSchema, raw.parameters ?? {}, [...home, 'parameters']);
  for (const key of Object.keys(entry.args)) {
    const hint = key in declarations ? '' : settingHint(key);
    if (hint !== '')
      throw problem([...entry.path, key], `job "${entry.job}" has no parameter "${key}"${hint}`);
  }
  const parameters = checkArguments(declarations, entry.args, entry.path, `job "${entry.job}"`);
  const { parameters: _declared, ...body } = raw;
  const substituted = substitute(body, parameterResolver(parameters, `job "${entry.job}"`), home) as Record<
    string,
    unknown
  >;
  const job = check(jobSchema, substituted, home);
  const { executor, definition } = resolveExecutor(job, config, home);

  const shell = job.shell ?? definition.shell;
  const scope = { commands: config.commands ?? {}, shell };
  const steps = [
    ...expandSteps(entry.settings['pre-steps'] ?? [], [...entry.path, 'pre-steps'], scope),
    ...expandSteps(job.steps, [...home, 'steps'], scope),
    ...expandSteps(entry.settings['post-steps'] ?? [], [...entry.path, 'post-steps'], scope),
  ];
  const parallelism = job.parallelism ?? 1;
  const notes: string[] = [];
  if (parallelism > 1) {
    notes.push(
      `parallelism ${parallelism}: the rehearsal runs one node (CIRCLE_NODE_INDEX=0, CIRCLE_NODE_TOTAL=1), which runs every test split`,
    );
  }
  const planned: BuildJob = {
    type: 'build',
    ...base,
    job: entry.job,
    parameters: parameters satisfies Record<string, ParameterValue>,
    executor,
    environment: { ...stringValues(definition.environment), ...stringValues(job.environment) },
    workingDirectory: job.working_directory ?? definition.working_directory ?? '~/project',
    shell,
    parallelism,
    steps,
    notes,
  };
  return planned;
}

function resolveExecutor(
  job: JobDefinition,
  config: Config,
  home: ConfigPath,
): { executor: Executor; definition: ExecutorDefinition } {
  const inline = job.docker !== undefined || job.machine !== undefined || job.macos !== undefined;
  if (inline && job.executor !== undefined) {
    throw problem(home, 'a job names an executor or declares docker/machine/macos, not both');
  }
  if (inline) return { executor: describeExecutor(job, undefined), definition: job };
  if (job.executor === undefined) {
    throw problem(home, 'the job has no executor: add executor: <name>, or docker:, machine: or macos:');
  }
  const reference = job.executor;
  const name = typeof reference === 'string' ? reference : reference.name;
  const args =
    typeof reference === 'string'
      ? {}
      : Object.fromEntries(Object.entries(reference).filter(([k]) => k !== 'name'));
  const executors = config.executors ?? {};
  const raw = executors[name];
  if (raw === undefined) {
    const hint = closest(name, Object.keys(executors));
    throw problem(
      [...home, 'executor'],
      `no executor "${name}" under executors:${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`,
    );
  }
  const at: ConfigPath = ['executors', name];
  if (!isRecord(raw)) throw problem(at, 'an executor is a map');
  const declarations = check(parameterDeclarationsSchema, raw.parameters ?? {}, [...at, 'parameters']);
  const values = checkArguments(declarations, args, [...home, 'executor'], `executor "${name}"`);
  const { parameters: _declared, ...body } = raw;
  const definition = check(
    executorSchema,
    substitute(body, parameterResolver(values, `executor "${name}"`), at),
    at,
  );
  if (definition.docker === undefined && definition.machine === undefined && definition.macos === undefined) {
    throw problem(at, 'an executor declares docker:, machine: or macos:');
  }
  const merged: ExecutorDefinition = {
    ...definition,
    ...(job.resource_class !== undefined && { resource_class: job.resource_class }),
  };
  return { executor: describeExecutor(merged, name), definition };
}

function describeExecutor(definition: ExecutorDefinition, name: string | undefined): Executor {
  const resourceClass = definition.resource_class;
  if (definition.docker !== undefined) {
    const [primary, ...services] = definition.docker;
    return {
      name,
      kind: 'docker',
      image: primary?.image ?? '',
      services: services.map((service) => service.image),
      resourceClass,
    };
  }
  if (definition.machine !== undefined) {
    const image = definition.machine === true ? 'default' : definition.machine.image;
    return { name, kind: 'machine', image, services: [], resourceClass };
  }
  return {
    name,
    kind: 'macos',
    image: `xcode:${String(definition.macos?.xcode)}`,
    services: [],
    resourceClass,
  };
}

/** `<< pipeline.* >>` as CircleCI documents the pipeline values; others are left for later passes. */
function pipelineResolver(
  pipeline: PipelineValues,
  parameters: Readonly<Record<string, ParameterValue>>,
): Resolver {
  const values: Record<string, unknown> = {
    'pipeline.id': pipeline.id,
    'pipeline.number': pipeline.number,
    'pipeline.git.branch': pipeline.branch ?? '',
    'pipeline.git.tag': pipeline.tag ?? '',
    'pipeline.git.revision': pipeline.revision,
    'pipeline.git.base_revision': pipeline.baseRevision ?? '',
    'pipeline.project.git_url': pipeline.projectGitUrl ?? '',
    'pipeline.project.type': pipeline.projectType ?? '',
    'pipeline.project.slug': pipeline.projectSlug ?? '',
    'pipeline.trigger_source': pipeline.triggerSource ?? 'webhook',
    'pipeline.in_setup': false,
  };
  return (reference, path) => {
    if (!reference.startsWith('pipeline.')) return undefined;
    if (reference.startsWith('pipeline.parameters.')) {
      const name = reference.slice('pipeline.parameters.'.length);
      if (!(name in parameters))
        throw problem(path, `<< ${reference} >>: the config declares no pipeline parameter "${name}"`);
      return { value: parameters[name] };
    }
    if (!(reference in values)) {
      const hint = closest(reference, Object.keys(values));
      throw problem(
        path,
        `<< ${reference} >> is not a pipeline value${hint === undefined ? '' : ` (did you mean << ${hint} >>?)`}`,
      );
    }
    return { value: values[reference] };
  };
}

/** Runs `body`, turning a ConfigProblem into a CircleConfigError with the file and the line. */
function located<T>(source: ConfigSource, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (!(error instanceof ConfigProblem)) throw error;
    const line = source.lineOf(error.path);
    throw new CircleConfigError({
      file: source.file,
      path: error.path,
      ...(line !== undefined && { line }),
      problem: error.problem,
    });
  }
}
