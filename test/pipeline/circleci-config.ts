import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';

// Static checks of .circleci/config.yml: CircleCI's JSON schema (as schemastore ships it), the
// cross-references the schema cannot see, and the delivery order greenlight's pipeline promises.

export type CircleConfig = Record<string, unknown>;

export interface PipelineProblem {
  readonly where: string;
  readonly message: string;
}

const require = createRequire(import.meta.url);

/** CircleCI's schema declares draft-04, which ajv 8 only compiles through ajv-draft-04. */
export function compileCircleCiSchema(): ValidateFunction {
  const path = require.resolve('schemastore/schemas/json/circleciconfig.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as { $schema?: string };
  if (schema.$schema !== 'http://json-schema.org/draft-04/schema#') {
    throw new Error(
      `circleciconfig.json now declares ${String(schema.$schema)}: pick the matching ajv build`,
    );
  }
  // strict: false because the schema uses keywords ajv does not know (markdownDescription and the like).
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

export function schemaProblems(validate: ValidateFunction, config: CircleConfig): PipelineProblem[] {
  if (validate(config)) return [];
  return (validate.errors ?? []).map((error) => ({
    where: error.instancePath || '/',
    message: `${error.message ?? 'invalid'} (${error.schemaPath})`,
  }));
}

/** One job a workflow runs, normalized: an entry of its `jobs:` list, or a job of a group it runs. */
export interface WorkflowJob {
  /** The name other jobs require it by (`name:`, or the job it runs). */
  readonly name: string;
  /** The job definition (or orb job) it runs. */
  readonly job: string;
  /**
   * What it runs with: its own settings, and for a job of a job group the group's `requires` (when it
   * has none inside the group), `filters` and `serial-group`; a required group stands for its jobs.
   */
  readonly settings: Record<string, unknown>;
  /** The job group (its name in the workflow) it runs in. */
  readonly group?: string;
  /** Its settings as written, in the workflow's list or the group's (to change a copy of the config). */
  readonly raw: Record<string, unknown>;
}

/** An entry of a `jobs:` list: a name, or a map with one key, the name, and its settings. */
function readListEntry(entry: unknown): { job: string; name: string; raw: Record<string, unknown> } {
  if (typeof entry === 'string') return { job: entry, name: entry, raw: {} };
  const [job, settings] = Object.entries(asMap(entry))[0] ?? ['', {}];
  const raw = asMap(settings);
  return { job, name: typeof raw.name === 'string' ? raw.name : job, raw };
}

/**
 * The jobs a workflow runs, each job-group invocation (`job-groups:`) replaced by the group's jobs as
 * CircleCI runs them.
 */
export function workflowJobs(config: CircleConfig, workflow: string): WorkflowJob[] {
  const body = asMap(asMap(config.workflows)[workflow]);
  const groups = asMap(config['job-groups']);
  const members = new Map<string, string[]>();
  const flat: WorkflowJob[] = [];
  for (const item of asList(body.jobs)) {
    const entry = readListEntry(item);
    const group =
      entry.raw.type === undefined && Object.hasOwn(groups, entry.job) ? asMap(groups[entry.job]) : undefined;
    if (group === undefined) {
      flat.push({ name: entry.name, job: entry.job, settings: { ...entry.raw }, raw: entry.raw });
      continue;
    }
    const jobs = asList(group.jobs).map(readListEntry);
    members.set(
      entry.name,
      jobs.map((job) => job.name),
    );
    for (const job of jobs) {
      const settings: Record<string, unknown> = { ...job.raw };
      if (settings.requires === undefined && entry.raw.requires !== undefined)
        settings.requires = entry.raw.requires;
      if (settings.filters === undefined && entry.raw.filters !== undefined)
        settings.filters = entry.raw.filters;
      if (entry.raw['serial-group'] !== undefined) settings['serial-group'] = entry.raw['serial-group'];
      flat.push({ name: job.name, job: job.job, settings, group: entry.name, raw: job.raw });
    }
  }
  for (const job of flat) {
    if (job.settings.requires === undefined) continue;
    job.settings.requires = asList(job.settings.requires).flatMap(
      (required) => members.get(String(required)) ?? [required],
    );
  }
  return flat;
}

/** A workflow entry's or a group's job's settings as written, by name (to change a copy of the config). */
export function writtenSettings(
  config: CircleConfig,
  workflow: string,
  name: string,
): Record<string, unknown> | undefined {
  const body = asMap(asMap(config.workflows)[workflow]);
  const entries = asList(body.jobs).map(readListEntry);
  const top = entries.find((entry) => entry.name === name);
  if (top) return top.raw;
  return workflowJobs(config, workflow).find((job) => job.name === name)?.raw;
}

export function workflowNames(config: CircleConfig): string[] {
  return Object.keys(asMap(config.workflows)).filter((name) => name !== 'version');
}

const BUILTIN_STEPS = new Set([
  'run',
  'checkout',
  'setup_remote_docker',
  'save_cache',
  'restore_cache',
  'deploy',
  'store_artifacts',
  'store_test_results',
  'persist_to_workspace',
  'attach_workspace',
  'add_ssh_keys',
  'when',
  'unless',
]);

/**
 * What the schema cannot see: every `requires` names a job of the same workflow, every workflow job
 * is defined under `jobs:` (or comes from a declared orb, or is an approval), every context is known,
 * executors and commands exist, and parameters passed are declared.
 */
export function crossReferenceProblems(
  config: CircleConfig,
  knownContexts: readonly string[],
): PipelineProblem[] {
  const problems: PipelineProblem[] = [];
  const jobs = asMap(config.jobs);
  const orbs = new Set(Object.keys(asMap(config.orbs)));
  const commands = asMap(config.commands);
  const executors = asMap(config.executors);
  const fromOrb = (name: string): boolean => name.includes('/') && orbs.has(name.split('/')[0]!);

  for (const workflow of workflowNames(config)) {
    const entries = workflowJobs(config, workflow);
    const names = new Set<string>();
    for (const entry of entries) {
      const where = `workflows.${workflow}.${entry.name}`;
      if (names.has(entry.name))
        problems.push({ where, message: `two jobs of the workflow are named ${entry.name}` });
      names.add(entry.name);
      const approval = entry.settings.type === 'approval';
      if (!approval && !(entry.job in jobs) && !fromOrb(entry.job)) {
        problems.push({
          where,
          message: `runs job ${entry.job}, which is neither under jobs: nor from a declared orb`,
        });
      }
      for (const context of asList(entry.settings.context)) {
        if (!knownContexts.includes(String(context))) {
          problems.push({
            where,
            message: `context ${String(context)} is not one of ${knownContexts.join(', ')}`,
          });
        }
      }
      const definition = asMap(jobs[entry.job]);
      const declared = asMap(definition.parameters);
      for (const key of Object.keys(entry.settings)) {
        if (
          [
            'name',
            'requires',
            'context',
            'filters',
            'type',
            'matrix',
            'pre-steps',
            'post-steps',
            // CircleCI's own workflow-job keys that schemastore's schema does not list (it lets any key
            // through, job parameters being keys): https://circleci.com/docs/configuration-reference/
            'serial-group',
          ].includes(key)
        )
          continue;
        if (!approval && !fromOrb(entry.job) && !(key in declared)) {
          problems.push({
            where,
            message: `passes ${key}, which job ${entry.job} does not declare as a parameter`,
          });
        }
      }
      for (const [parameter, spec] of Object.entries(declared)) {
        if (asMap(spec).default === undefined && !(parameter in entry.settings)) {
          problems.push({ where, message: `job ${entry.job} needs parameter ${parameter}` });
        }
      }
    }
    const groupOf = new Map(entries.map((entry) => [entry.name, entry.group]));
    for (const entry of entries) {
      for (const required of asList(entry.raw.requires)) {
        const home = groupOf.get(String(required));
        if (home !== undefined && home !== entry.group) {
          problems.push({
            where: `workflows.${workflow}.${entry.name}.requires`,
            message: `requires ${String(required)}, which runs inside job group ${home}: require the group`,
          });
        }
      }
      for (const required of asList(entry.settings.requires)) {
        if (!names.has(String(required))) {
          problems.push({
            where: `workflows.${workflow}.${entry.name}.requires`,
            message: `requires ${String(required)}, which is not a job of workflow ${workflow}`,
          });
        }
      }
    }
  }

  const checkSteps = (steps: unknown, where: string, parameters: Record<string, unknown>): void => {
    for (const [index, step] of asList(steps).entries()) {
      const name = typeof step === 'string' ? step : Object.keys(asMap(step))[0];
      if (name === undefined) continue;
      if (!BUILTIN_STEPS.has(name) && !(name in commands) && !fromOrb(name)) {
        problems.push({
          where: `${where}.steps.${index}`,
          message: `step ${name} is neither built in, under commands:, nor from an orb`,
        });
      }
      for (const used of parameterUses(step)) {
        if (!(used in parameters)) {
          problems.push({
            where: `${where}.steps.${index}`,
            message: `uses << parameters.${used} >>, which is not declared`,
          });
        }
      }
    }
  };
  for (const [name, body] of Object.entries(jobs)) {
    const job = asMap(body);
    if (typeof job.executor === 'string' && !(job.executor in executors) && !fromOrb(job.executor)) {
      problems.push({ where: `jobs.${name}.executor`, message: `executor ${job.executor} is not defined` });
    }
    checkSteps(job.steps, `jobs.${name}`, asMap(job.parameters));
  }
  for (const [name, body] of Object.entries(commands)) {
    checkSteps(asMap(body).steps, `commands.${name}`, asMap(asMap(body).parameters));
  }
  return problems;
}

function parameterUses(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>/g)].map(
    (match) => match[1]!,
  );
}

/** A job's steps with custom commands expanded (one level of parameters is enough for this file). */
export function expandedSteps(config: CircleConfig, job: string): Record<string, unknown>[] {
  const commands = asMap(config.commands);
  const expand = (steps: unknown, depth: number): Record<string, unknown>[] =>
    asList(steps).flatMap((step): Record<string, unknown>[] => {
      const name = typeof step === 'string' ? step : (Object.keys(asMap(step))[0] ?? '');
      const command = commands[name];
      if (command !== undefined && depth < 5) return expand(asMap(command).steps, depth + 1);
      return [typeof step === 'string' ? { [step]: {} } : asMap(step)];
    });
  return expand(asMap(asMap(config.jobs)[job]).steps, 0);
}

/** The `run:` steps of a job, as {command, when, no_output_timeout …}. */
export function runSteps(config: CircleConfig, job: string): Record<string, unknown>[] {
  return expandedSteps(config, job)
    .filter((step) => 'run' in step)
    .map((step) => (typeof step.run === 'string' ? { command: step.run } : asMap(step.run)));
}

/** Names of every job `name` requires, directly or through the jobs it requires. */
export function upstreamOf(jobs: readonly WorkflowJob[], name: string): Set<string> {
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const seen = new Set<string>();
  const visit = (current: string): void => {
    for (const required of asList(byName.get(current)?.settings.requires)) {
      const next = String(required);
      if (seen.has(next)) continue;
      seen.add(next);
      visit(next);
    }
  };
  visit(name);
  return seen;
}

export function asMap(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
