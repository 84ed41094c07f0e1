import type {
  AutoRollbackEvent,
  CreateDeploymentGroupInput,
  DeploymentGroupInfo,
  EC2TagFilter,
  UpdateDeploymentGroupInput,
} from '@aws-sdk/client-codedeploy';
import type { EnvironmentConfig } from '../config/environment.js';

// A deployment group as desired state. Both what greenlight.yml asks for and what CodeDeploy has are
// brought to this one normalized shape, so the difference between them is a plain field-by-field
// comparison, and "nothing to do" is an empty list.

/** One EC2 tag filter as CodeDeploy matches it. */
export interface Ec2Tag {
  readonly key: string;
  readonly value: string;
  readonly type: 'KEY_ONLY' | 'VALUE_ONLY' | 'KEY_AND_VALUE';
}

/** Tags of which an instance needs any one (CodeDeploy ORs the tags of a group). */
export type Ec2TagGroup = readonly Ec2Tag[];

export interface DeploymentGroupSpec {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly serviceRoleArn: string;
  readonly deploymentConfigName: string;
  readonly autoScalingGroups: readonly string[];
  /**
   * The EC2 instances the group names by tag, as tag groups an instance must all match (CodeDeploy
   * ANDs the groups of a tag set). `ec2TagFilters`, whose tags are ORed, is one group; sorted, so
   * the same instances written either way compare equal.
   */
  readonly ec2Tags: readonly Ec2TagGroup[];
  readonly deploymentType: string;
  readonly deploymentOption: string;
  readonly greenFleetProvisioning: string;
  readonly readyAction: string;
  /** Only meaningful with STOP_DEPLOYMENT; 0 otherwise. */
  readonly readyWaitMinutes: number;
  readonly terminateAction: string;
  /** Only meaningful with TERMINATE; 0 otherwise. */
  readonly terminationWaitMinutes: number;
  readonly targetGroups: readonly string[];
  readonly alarmsEnabled: boolean;
  readonly alarms: readonly string[];
  readonly ignorePollAlarmFailure: boolean;
  readonly autoRollbackEnabled: boolean;
  readonly autoRollbackEvents: readonly string[];
  readonly outdatedInstancesStrategy: string;
}

export type SpecField = keyof DeploymentGroupSpec;

export interface FieldChange {
  readonly field: SpecField;
  readonly current: DeploymentGroupSpec[SpecField];
  readonly desired: DeploymentGroupSpec[SpecField];
}

/** `CodeDeploy_<group>_<deployment id>`: the copy a COPY_AUTO_SCALING_GROUP deployment makes. */
export function isCopyOfGroup(asgName: string, deploymentGroupName: string): boolean {
  return copiedAsgDeploymentId(asgName, deploymentGroupName) !== undefined;
}

export function copiedAsgDeploymentId(asgName: string, deploymentGroupName: string): string | undefined {
  const prefix = `CodeDeploy_${deploymentGroupName}_`;
  if (!asgName.startsWith(prefix)) return undefined;
  const id = asgName.slice(prefix.length);
  return /^d-[A-Z0-9]{9}$/.test(id) ? id : undefined;
}

/**
 * What the group should look like. The Auto Scaling group moves: after every COPY_AUTO_SCALING_GROUP
 * deployment CodeDeploy points the group at its copy, so when the group already points at the
 * configured ASG or at one of CodeDeploy's copies of it, that is kept; reverting it to the configured
 * name would hand the next deployment an ASG that no longer exists.
 */
export function desiredGroup(env: EnvironmentConfig, current?: DeploymentGroupSpec): DeploymentGroupSpec {
  const common = {
    applicationName: env.application,
    deploymentGroupName: env.deploymentGroup,
    serviceRoleArn: env.serviceRoleArn,
    deploymentConfigName: env.deploymentConfig.name,
    targetGroups: sorted(env.targetGroups),
    alarmsEnabled: env.alarms.length > 0,
    alarms: sorted(env.alarms),
    ignorePollAlarmFailure: env.ignorePollAlarmFailure,
    autoRollbackEnabled: env.autoRollback.length > 0,
    autoRollbackEvents: sorted(env.autoRollback),
    outdatedInstancesStrategy: env.outdatedInstancesStrategy,
  };
  const bg = env.blueGreen;
  if (bg === undefined) {
    const fleet = env.inPlace ?? { autoScalingGroups: [], tags: {} };
    return {
      ...common,
      // Exactly the groups greenlight.yml names: an in-place deployment makes no copies to follow.
      autoScalingGroups: sorted(fleet.autoScalingGroups),
      ec2Tags: tagSetOf(fleet.tags),
      deploymentType: 'IN_PLACE',
      deploymentOption: env.targetGroups.length > 0 ? 'WITH_TRAFFIC_CONTROL' : 'WITHOUT_TRAFFIC_CONTROL',
      // An in-place group has no green fleet: whatever blue/green settings it has are left as they
      // are (CodeDeploy ignores them), so they never show as changes.
      ...blueGreenFields(current ?? NO_BLUE_GREEN),
    };
  }
  let autoScalingGroups: string[] = env.autoScalingGroup ? [env.autoScalingGroup] : [];
  if (current && env.autoScalingGroup && bg.greenFleet === 'COPY_AUTO_SCALING_GROUP') {
    const followed = current.autoScalingGroups.filter(
      (name) => name === env.autoScalingGroup || isCopyOfGroup(name, env.deploymentGroup),
    );
    if (followed.length === 1) autoScalingGroups = followed;
  }
  return {
    ...common,
    autoScalingGroups: sorted(autoScalingGroups),
    // greenlight names a blue/green group's fleet by its ASG and leaves its tags as they are; but the
    // tags of a group that was in-place named the in-place fleet, which is not the blue fleet.
    ec2Tags: current && current.deploymentType === 'BLUE_GREEN' ? current.ec2Tags : [],
    deploymentType: 'BLUE_GREEN',
    deploymentOption: 'WITH_TRAFFIC_CONTROL',
    greenFleetProvisioning: bg.greenFleet,
    readyAction: bg.ready.action,
    readyWaitMinutes: bg.ready.action === 'STOP_DEPLOYMENT' ? bg.ready.waitMinutes : 0,
    terminateAction: bg.terminateBlue.action,
    terminationWaitMinutes: bg.terminateBlue.action === 'TERMINATE' ? bg.terminateBlue.waitMinutes : 0,
  };
}

type BlueGreenFields = Pick<
  DeploymentGroupSpec,
  'greenFleetProvisioning' | 'readyAction' | 'readyWaitMinutes' | 'terminateAction' | 'terminationWaitMinutes'
>;

/** What specFromGroupInfo reads from a group that has no blue/green configuration. */
const NO_BLUE_GREEN: BlueGreenFields = {
  greenFleetProvisioning: 'DISCOVER_EXISTING',
  readyAction: 'CONTINUE_DEPLOYMENT',
  readyWaitMinutes: 0,
  terminateAction: 'TERMINATE',
  terminationWaitMinutes: 0,
};

function blueGreenFields(spec: BlueGreenFields): BlueGreenFields {
  const { greenFleetProvisioning, readyAction, readyWaitMinutes, terminateAction, terminationWaitMinutes } =
    spec;
  return { greenFleetProvisioning, readyAction, readyWaitMinutes, terminateAction, terminationWaitMinutes };
}

/** greenlight.yml's `inPlace.tags`: each tag a group of its own, so an instance needs all of them. */
export function tagSetOf(tags: Readonly<Record<string, string>>): Ec2TagGroup[] {
  return normalizedTagGroups(
    Object.entries(tags).map(([key, value]) => [{ key, value, type: 'KEY_AND_VALUE' as const }]),
  );
}

/** The tag groups of what GetDeploymentGroup returns: its tag filters (one ORed group) or its tag set. */
export function tagGroupsOf(info: DeploymentGroupInfo): Ec2TagGroup[] {
  const filters = info.ec2TagFilters ?? [];
  const groups = [...(filters.length > 0 ? [filters] : []), ...(info.ec2TagSet?.ec2TagSetList ?? [])];
  return normalizedTagGroups(groups.map((group) => group.map(ec2TagOf)));
}

function ec2TagOf(filter: EC2TagFilter): Ec2Tag {
  return { key: filter.Key ?? '', value: filter.Value ?? '', type: filter.Type ?? 'KEY_AND_VALUE' };
}

/** Sorted within each group and across groups, duplicates and empty groups dropped. */
function normalizedTagGroups(groups: readonly (readonly Ec2Tag[])[]): Ec2TagGroup[] {
  const key = (tag: Ec2Tag) => JSON.stringify([tag.key, tag.value, tag.type]);
  const normalized = groups
    .map((group) =>
      [...new Map(group.map((tag) => [key(tag), tag])).entries()].sort(([a], [b]) => compare(a, b)),
    )
    .filter((group) => group.length > 0);
  const byKey = new Map(
    normalized.map((group) => [group.map(([k]) => k).join('|'), group.map(([, tag]) => tag)]),
  );
  return [...byKey.entries()].sort(([a], [b]) => compare(a, b)).map(([, group]) => group);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A tag as a person reads it: `Key=Value`, `Key=*` (KEY_ONLY) or `*=Value` (VALUE_ONLY). */
export function showEc2Tag(tag: Ec2Tag): string {
  if (tag.type === 'KEY_ONLY') return `${tag.key}=*`;
  if (tag.type === 'VALUE_ONLY') return `*=${tag.value}`;
  return `${tag.key}=${tag.value}`;
}

/** The same normalized shape from what GetDeploymentGroup returns. */
export function specFromGroupInfo(info: DeploymentGroupInfo): DeploymentGroupSpec {
  const bg = info.blueGreenDeploymentConfiguration;
  const readyAction = bg?.deploymentReadyOption?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT';
  const terminateAction = bg?.terminateBlueInstancesOnDeploymentSuccess?.action ?? 'TERMINATE';
  const rollback = info.autoRollbackConfiguration;
  const alarms = info.alarmConfiguration;
  return {
    applicationName: info.applicationName ?? '',
    deploymentGroupName: info.deploymentGroupName ?? '',
    serviceRoleArn: info.serviceRoleArn ?? '',
    deploymentConfigName: info.deploymentConfigName ?? 'CodeDeployDefault.OneAtATime',
    autoScalingGroups: sorted((info.autoScalingGroups ?? []).map((g) => g.name ?? '')),
    ec2Tags: tagGroupsOf(info),
    deploymentType: info.deploymentStyle?.deploymentType ?? 'IN_PLACE',
    deploymentOption: info.deploymentStyle?.deploymentOption ?? 'WITHOUT_TRAFFIC_CONTROL',
    greenFleetProvisioning: bg?.greenFleetProvisioningOption?.action ?? 'DISCOVER_EXISTING',
    readyAction,
    readyWaitMinutes:
      readyAction === 'STOP_DEPLOYMENT' ? (bg?.deploymentReadyOption?.waitTimeInMinutes ?? 0) : 0,
    terminateAction,
    terminationWaitMinutes:
      terminateAction === 'TERMINATE'
        ? (bg?.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes ?? 0)
        : 0,
    targetGroups: sorted((info.loadBalancerInfo?.targetGroupInfoList ?? []).map((t) => t.name ?? '')),
    alarmsEnabled: alarms?.enabled ?? false,
    alarms: sorted((alarms?.alarms ?? []).map((a) => a.name ?? '')),
    ignorePollAlarmFailure: alarms?.ignorePollAlarmFailure ?? false,
    autoRollbackEnabled: rollback?.enabled ?? false,
    // Events of a disabled rollback configuration have no effect; don't report them as drift.
    autoRollbackEvents: rollback?.enabled ? sorted(rollback.events ?? []) : [],
    outdatedInstancesStrategy: info.outdatedInstancesStrategy ?? 'UPDATE',
  };
}

/**
 * A field's value as the plan prints it: `[a, b]` for a list; tag groups as
 * `[app=web and (env=dev or env=test)]` (the instances a group of several tags matches have any one).
 */
export function showSpecValue(value: FieldChange['current']): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  const items = (value as readonly (string | Ec2TagGroup)[]).map((item) =>
    typeof item === 'string'
      ? item
      : item.length === 1
        ? showEc2Tag(item[0] as Ec2Tag)
        : `(${item.map(showEc2Tag).join(' or ')})`,
  );
  return value.length > 0 && typeof value[0] !== 'string'
    ? `[${items.join(' and ')}]`
    : `[${items.join(', ')}]`;
}

export function diffGroups(current: DeploymentGroupSpec, desired: DeploymentGroupSpec): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of Object.keys(desired) as SpecField[]) {
    if (!sameValue(current[field], desired[field]))
      changes.push({ field, current: current[field], desired: desired[field] });
  }
  return changes;
}

function sameValue(a: unknown, b: unknown): boolean {
  // Lists are normalized (sorted) on both sides; tag groups are lists of plain objects.
  if (Array.isArray(a) && Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

type GroupFields = Omit<
  CreateDeploymentGroupInput,
  'applicationName' | 'deploymentGroupName' | 'serviceRoleArn' | 'tags' | 'ec2TagFilters' | 'ec2TagSet'
>;

function groupFields(spec: DeploymentGroupSpec): GroupFields {
  const blueGreen = spec.deploymentType === 'BLUE_GREEN';
  return {
    deploymentConfigName: spec.deploymentConfigName,
    autoScalingGroups: [...spec.autoScalingGroups],
    deploymentStyle: {
      deploymentType: spec.deploymentType as 'BLUE_GREEN' | 'IN_PLACE',
      deploymentOption: spec.deploymentOption as 'WITH_TRAFFIC_CONTROL' | 'WITHOUT_TRAFFIC_CONTROL',
    },
    ...(blueGreen && {
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: {
          action: spec.terminateAction as 'TERMINATE' | 'KEEP_ALIVE',
          terminationWaitTimeInMinutes: spec.terminationWaitMinutes,
        },
        deploymentReadyOption: {
          actionOnTimeout: spec.readyAction as 'CONTINUE_DEPLOYMENT' | 'STOP_DEPLOYMENT',
          waitTimeInMinutes: spec.readyWaitMinutes,
        },
        greenFleetProvisioningOption: { action: spec.greenFleetProvisioning as 'COPY_AUTO_SCALING_GROUP' },
      },
    }),
    // An in-place group without target groups deploys without traffic control: no load balancer.
    ...(spec.targetGroups.length > 0 && {
      loadBalancerInfo: { targetGroupInfoList: spec.targetGroups.map((name) => ({ name })) },
    }),
    alarmConfiguration: {
      enabled: spec.alarmsEnabled,
      ignorePollAlarmFailure: spec.ignorePollAlarmFailure,
      alarms: spec.alarms.map((name) => ({ name })),
    },
    autoRollbackConfiguration: {
      enabled: spec.autoRollbackEnabled,
      events: [...spec.autoRollbackEvents] as AutoRollbackEvent[],
    },
    outdatedInstancesStrategy: spec.outdatedInstancesStrategy as 'UPDATE' | 'IGNORE',
  };
}

function tagSetInput(groups: readonly Ec2TagGroup[]): { ec2TagSetList: EC2TagFilter[][] } {
  return {
    ec2TagSetList: groups.map((group) =>
      group.map((tag) => ({ Key: tag.key, Value: tag.value, Type: tag.type })),
    ),
  };
}

export function toCreateInput(
  spec: DeploymentGroupSpec,
  tags: Readonly<Record<string, string>>,
): CreateDeploymentGroupInput {
  const tagList = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return {
    applicationName: spec.applicationName,
    deploymentGroupName: spec.deploymentGroupName,
    serviceRoleArn: spec.serviceRoleArn,
    ...groupFields(spec),
    ...(spec.ec2Tags.length > 0 ? { ec2TagSet: tagSetInput(spec.ec2Tags) } : {}),
    ...(tagList.length > 0 ? { tags: tagList } : {}),
  };
}

/**
 * The updates that bring `current` to `spec`, in order: usually one, carrying the whole desired group.
 * UpdateDeploymentGroup changes only the members that are present, but sending the blue/green
 * configuration without the ASG is rejected ("Exactly one AutoScaling group must be specifed…"), so
 * the related members always travel together; sending unchanged values is harmless.
 *
 * Tags are sent only when they change. A group that names instances by `ec2TagFilters` gets its tag
 * set in an update of its own after the filters are cleared: the two "cannot be used in the same
 * call" (InvalidEC2TagCombinationException), and an empty list is how an update removes tags
 * (UpdateDeploymentGroupInput.ec2TagFilters: "To remove tags, do not enter any tag names").
 * Likewise an empty target group list clears a load balancer an in-place group no longer has.
 */
export function toUpdateInputs(
  spec: DeploymentGroupSpec,
  current: DeploymentGroupInfo,
): UpdateDeploymentGroupInput[] {
  const base = {
    applicationName: spec.applicationName,
    currentDeploymentGroupName: spec.deploymentGroupName,
  };
  const hadTargetGroups =
    (current.loadBalancerInfo?.targetGroupInfoList ?? []).length > 0 ||
    (current.loadBalancerInfo?.elbInfoList ?? []).length > 0;
  const main: UpdateDeploymentGroupInput = {
    ...base,
    serviceRoleArn: spec.serviceRoleArn,
    ...groupFields(spec),
    ...(spec.targetGroups.length === 0 &&
      hadTargetGroups && { loadBalancerInfo: { targetGroupInfoList: [] } }),
  };
  if (sameValue(tagGroupsOf(current), spec.ec2Tags)) return [main];
  const filters = current.ec2TagFilters ?? [];
  const hasTagSet = (current.ec2TagSet?.ec2TagSetList ?? []).length > 0;
  const setsTagSet = spec.ec2Tags.length > 0 || hasTagSet;
  if (filters.length > 0 && !setsTagSet) return [{ ...main, ec2TagFilters: [] }];
  const withTagSet = { ...main, ec2TagSet: tagSetInput(spec.ec2Tags) };
  return filters.length > 0 ? [{ ...base, ec2TagFilters: [] }, withTagSet] : [withTagSet];
}
