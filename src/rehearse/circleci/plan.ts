import { CircleConfigError, ConfigProblem, formatPath, problem, type ConfigPath } from './errors.js';
import { checkNames, readEntry, topologicalOrder, type Entry } from './entries.js';
import { passesFilter, type NameFilter } from './filters.js';
import { expandJobGroups } from './job-groups.js';
import { compileJob } from './jobs.js';
import { evaluateLogic } from './logic.js';
import type { PipelineValues, PlannedJob, SkippedJob, WorkflowPlan } from './model.js';
import { checkArguments } from './parameters.js';
import { pipelineResolver } from './pipeline-values.js';
import { check, configSchema, workflowSchema } from './schema.js';
import { readConfigSource, type ConfigSource } from './source.js';
import { substitute } from './template.js';

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

  const entries = expandJobGroups(
    workflow.jobs.map((entry, index) => readEntry(entry, [...at, 'jobs', index])),
    config['job-groups'] ?? {},
  );
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
/**
 * Branch pipelines follow `filters.branches` (a job without one runs on every branch); tag pipelines
 * run only jobs whose `filters.tags` lets the tag through (none: no tags), as CircleCI documents.
 */
function filterReason(entry: Entry, pipeline: PipelineValues): string | undefined {
  const own = filtersReason(entry.settings.filters, entry.path, pipeline);
  if (own !== undefined || entry.group === undefined) return own;
  const reason = filtersReason(entry.group.filters, entry.group.path, pipeline);
  return reason === undefined ? undefined : `${reason} (of job group ${entry.group.name})`;
}

function filtersReason(
  given: Entry['settings']['filters'],
  path: ConfigPath,
  pipeline: PipelineValues,
): string | undefined {
  const filters = typeof given === 'object' ? given : undefined;
  const at = [...path, 'filters'];
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
