import { formatPath, problem, type ConfigPath } from './errors.js';
import type { GroupOfEntry } from './job-groups.js';
import type { Requirement, RequiredStatus } from './model.js';
import { check, WORKFLOW_JOB_SETTINGS, workflowJobSettingsSchema } from './schema.js';
import { closest } from './suggestion.js';
import { isRecord } from './template.js';

// The entries of a workflow's `jobs:` list: read, their names and requirements checked, ordered.

export interface Entry {
  readonly name: string;
  /** The job definition it runs (an approval has none). */
  readonly job: string;
  readonly path: ConfigPath;
  readonly settings: ReturnType<typeof workflowJobSettingsSchema.parse>;
  readonly args: Record<string, unknown>;
  readonly requires: readonly Requirement[];
  /** The job group whose invocation it came from (`job-groups:`), if any. */
  readonly group?: GroupOfEntry;
}

const STATUSES = new Set<RequiredStatus>(['success', 'failed', 'canceled', 'not_run', 'terminal']);

export function readEntry(entry: unknown, path: ConfigPath): Entry {
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
export function settingHint(key: string): string {
  const setting = closest(key, WORKFLOW_JOB_SETTINGS);
  return setting === undefined ? '' : ` (did you mean "${setting}"?)`;
}

export function checkNames(entries: readonly Entry[]): void {
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
export function topologicalOrder(entries: readonly Entry[]): Entry[] {
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
