import { formatPath, problem, type ConfigPath } from './errors.js';
import type { BuildJob, Executor, ParameterValue, PlannedJob } from './model.js';
import { checkArguments, parameterResolver } from './parameters.js';
import {
  check,
  type configSchema,
  executorSchema,
  jobSchema,
  parameterDeclarationsSchema,
  type ExecutorDefinition,
  type JobDefinition,
} from './schema.js';
import { settingHint, type Entry } from './entries.js';
import { expandSteps, stringValues } from './steps.js';
import { closest } from './suggestion.js';
import { isRecord, substitute, unescapeLiterals } from './template.js';

// One workflow job compiled: its job definition with the entry's arguments, its executor, its
// environment, and its steps expanded.

export type Config = ReturnType<typeof configSchema.parse>;

export function compileJob(entry: Entry, config: Config): PlannedJob {
  const contexts = entry.settings.context === undefined ? [] : [entry.settings.context].flat();
  const base = {
    name: entry.name,
    requires: entry.requires,
    contexts,
    serialGroup: entry.group ? entry.group.serialGroup : entry.settings['serial-group'],
    jobGroup: entry.group?.name,
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
  return unescapeLiterals(planned);
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
