// Which instances make up a fleet: an Auto Scaling group's live members, or EC2 instances matched by
// a deployment group's tag filters.

import type { AsgInstance, AutoScalingGroup, AutoScalingPort, Ec2Port } from '../ports.js';
import type { Ec2TagFilter } from './state.js';

const goneStates: ReadonlySet<AsgInstance['lifecycleState']> = new Set([
  'Terminating',
  'Terminating:Wait',
  'Terminating:Proceed',
  'Terminated',
  'Detaching',
  'Detached',
]);

/** Members of the group that are launching or in service, in launch order. */
export function liveMembers(group: AutoScalingGroup): AsgInstance[] {
  return group.instances.filter((i) => !goneStates.has(i.lifecycleState));
}

export function isLive(ec2: Ec2Port, instanceId: string): boolean {
  const state = ec2.get(instanceId)?.state;
  return state === 'pending' || state === 'running';
}

/** EC2 filters of one tag group match when any filter matches (spec: filters in a group are ORed). */
export function matchesTagFilters(
  tags: ReadonlyMap<string, string>,
  filters: readonly Ec2TagFilter[],
): boolean {
  return filters.some((f) => {
    const type = f.Type ?? 'KEY_AND_VALUE';
    if (type === 'KEY_ONLY') return f.Key !== undefined && tags.has(f.Key);
    if (type === 'VALUE_ONLY') return [...tags.values()].includes(f.Value ?? '');
    return f.Key !== undefined && tags.get(f.Key) === (f.Value ?? '');
  });
}

/** A tag set matches when every one of its groups matches (groups are ANDed). */
export function matchesTagSet(
  tags: ReadonlyMap<string, string>,
  groups: readonly (readonly Ec2TagFilter[])[],
): boolean {
  return groups.length > 0 && groups.every((g) => matchesTagFilters(tags, g));
}

/** Live instances selected by tag filters (ORed) or a tag set (groups ANDed), in launch order. */
export function instancesMatchingTags(
  ec2: Ec2Port,
  filters: readonly Ec2TagFilter[],
  tagSet: readonly (readonly Ec2TagFilter[])[] | undefined,
): string[] {
  if (filters.length === 0 && (tagSet === undefined || tagSet.length === 0)) return [];
  return ec2
    .all()
    .filter((i) => i.state === 'pending' || i.state === 'running')
    .filter((i) =>
      filters.length > 0 ? matchesTagFilters(i.tags, filters) : matchesTagSet(i.tags, tagSet ?? []),
    )
    .map((i) => i.instanceId);
}

export function membersOfGroups(autoscaling: AutoScalingPort, names: readonly string[]): string[] {
  return names.flatMap((name) => {
    const group = autoscaling.get(name);
    return group ? liveMembers(group).map((i) => i.instanceId) : [];
  });
}
