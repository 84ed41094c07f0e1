import { problem, type ConfigPath } from './errors.js';
import type { Entry } from './entries.js';
import { readEntry } from './entries.js';
import { check, jobGroupSchema } from './schema.js';

// `job-groups:` (CircleCI, 2026): a named set of jobs that a workflow runs as one unit. A workflow
// entry that names a group stands for its jobs: the group's `requires` hold back the jobs that
// require nothing inside it, its `filters` apply to each, a job that requires the group requires
// every one of them, and with `serial-group` the group takes the lock as one — from its first job's
// start until its last has ended, no other pipeline's job of that serial group runs in between.
// The rules are those CircleCI's own config validator applies (CircleCI-Public/
// circleci-yaml-language-server): no nesting, no serial-group inside a group, and a group
// invocation takes no parameters, context, type, matrix, override-with, pre- or post-steps.

/** What a job of an expanded group keeps of the workflow entry that invoked the group. */
export interface GroupOfEntry {
  /** The invocation's name (`name:`, or the group's). */
  readonly name: string;
  readonly serialGroup: string | undefined;
  readonly filters: Entry['settings']['filters'];
  readonly path: ConfigPath;
}

const NOT_ON_A_GROUP = ['context', 'type', 'matrix', 'override-with', 'pre-steps', 'post-steps'] as const;

/** The workflow's entries with every job-group invocation replaced by the group's jobs. */
export function expandJobGroups(
  entries: readonly Entry[],
  groups: Readonly<Record<string, unknown>>,
): Entry[] {
  const isGroup = (entry: Entry) => entry.settings.type === undefined && Object.hasOwn(groups, entry.job);
  /** Invocation name → the names of its jobs. */
  const members = new Map<string, string[]>();
  /** A job's name → the invocation it belongs to. */
  const owner = new Map<string, string>();
  const expanded: Entry[] = [];
  for (const entry of entries) {
    if (!isGroup(entry)) {
      expanded.push(entry);
      continue;
    }
    for (const key of NOT_ON_A_GROUP) {
      if (entry.settings[key] !== undefined)
        throw problem([...entry.path, key], `a job group invocation does not take ${key}`);
    }
    const parameter = Object.keys(entry.args)[0];
    if (parameter !== undefined)
      throw problem([...entry.path, parameter], 'a job group invocation takes no parameters');
    const home: ConfigPath = ['job-groups', entry.job];
    const definition = check(jobGroupSchema, groups[entry.job], home);
    const group: GroupOfEntry = {
      name: entry.name,
      serialGroup: entry.settings['serial-group'],
      filters: entry.settings.filters,
      path: entry.path,
    };
    const jobs = definition.jobs.map((raw, index) => readEntry(raw, [...home, 'jobs', index]));
    const names = new Set(jobs.map((job) => job.name));
    for (const job of jobs) {
      if (isGroup(job))
        throw problem(
          job.path,
          `job group "${entry.job}" cannot run job group "${job.job}": groups do not nest`,
        );
      if (job.settings['serial-group'] !== undefined)
        throw problem(
          [...job.path, 'serial-group'],
          'serial-group is not taken by a job inside a job group: give it to the group where the workflow runs it',
        );
      job.requires.forEach((requirement, index) => {
        if (!names.has(requirement.job))
          throw problem(
            [...job.path, 'requires', index],
            `requires "${requirement.job}", which is not a job of group "${entry.job}"`,
          );
      });
      owner.set(job.name, entry.name);
      expanded.push({ ...job, requires: job.requires.length > 0 ? job.requires : entry.requires, group });
    }
    members.set(entry.name, [...names]);
  }
  // A requirement of a group is a requirement of each of its jobs; a job inside a group is required
  // only from inside it.
  return expanded.map((entry) => ({
    ...entry,
    requires: entry.requires.flatMap((requirement, index) => {
      const within = members.get(requirement.job);
      if (within !== undefined) return within.map((job) => ({ ...requirement, job }));
      const home = owner.get(requirement.job);
      if (home !== undefined && home !== entry.group?.name)
        throw problem(
          [...entry.path, 'requires', index],
          `requires "${requirement.job}", which runs inside job group "${home}": require the group`,
        );
      return [requirement];
    }),
  }));
}
