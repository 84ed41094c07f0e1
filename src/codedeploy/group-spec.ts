import type {
  AutoRollbackEvent,
  CreateDeploymentGroupInput,
  DeploymentGroupInfo,
  UpdateDeploymentGroupInput,
} from '@aws-sdk/client-codedeploy';
import type { EnvironmentConfig } from '../config/environment.js';

// A deployment group as desired state. Both what greenlight.yml asks for and what CodeDeploy has are
// brought to this one normalized shape, so the difference between them is a plain field-by-field
// comparison, and "nothing to do" is an empty list.

export interface DeploymentGroupSpec {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly serviceRoleArn: string;
  readonly deploymentConfigName: string;
  readonly autoScalingGroups: readonly string[];
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

/** Transitional: in-place environments load, but the group is not yet reconciled for them (exit 2). */
export class InPlaceNotYetError extends Error {
  readonly exitCode = 2;
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
  const bg = env.blueGreen;
  if (bg === undefined) {
    throw new InPlaceNotYetError(
      `environment ${env.name} is style: in-place, which group plan and apply do not manage yet`,
    );
  }
  let autoScalingGroups: string[] = env.autoScalingGroup ? [env.autoScalingGroup] : [];
  if (current && env.autoScalingGroup && bg.greenFleet === 'COPY_AUTO_SCALING_GROUP') {
    const followed = current.autoScalingGroups.filter(
      (name) => name === env.autoScalingGroup || isCopyOfGroup(name, env.deploymentGroup),
    );
    if (followed.length === 1) autoScalingGroups = followed;
  }
  return {
    applicationName: env.application,
    deploymentGroupName: env.deploymentGroup,
    serviceRoleArn: env.serviceRoleArn,
    deploymentConfigName: env.deploymentConfig.name,
    autoScalingGroups: sorted(autoScalingGroups),
    deploymentType: 'BLUE_GREEN',
    deploymentOption: 'WITH_TRAFFIC_CONTROL',
    greenFleetProvisioning: bg.greenFleet,
    readyAction: bg.ready.action,
    readyWaitMinutes: bg.ready.action === 'STOP_DEPLOYMENT' ? bg.ready.waitMinutes : 0,
    terminateAction: bg.terminateBlue.action,
    terminationWaitMinutes: bg.terminateBlue.action === 'TERMINATE' ? bg.terminateBlue.waitMinutes : 0,
    targetGroups: sorted(env.targetGroups),
    alarmsEnabled: env.alarms.length > 0,
    alarms: sorted(env.alarms),
    ignorePollAlarmFailure: env.ignorePollAlarmFailure,
    autoRollbackEnabled: env.autoRollback.length > 0,
    autoRollbackEvents: sorted(env.autoRollback),
    outdatedInstancesStrategy: env.outdatedInstancesStrategy,
  };
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

/** A field's value as the plan prints it: `[a, b]` for a list. */
export function showSpecValue(value: FieldChange['current']): string {
  return Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
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
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

type GroupFields = Omit<
  CreateDeploymentGroupInput,
  'applicationName' | 'deploymentGroupName' | 'serviceRoleArn' | 'tags'
>;

function groupFields(spec: DeploymentGroupSpec): GroupFields {
  return {
    deploymentConfigName: spec.deploymentConfigName,
    autoScalingGroups: [...spec.autoScalingGroups],
    deploymentStyle: {
      deploymentType: spec.deploymentType as 'BLUE_GREEN',
      deploymentOption: spec.deploymentOption as 'WITH_TRAFFIC_CONTROL',
    },
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
    loadBalancerInfo: { targetGroupInfoList: spec.targetGroups.map((name) => ({ name })) },
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
    ...(tagList.length > 0 ? { tags: tagList } : {}),
  };
}

/**
 * An update carrying the whole desired group. UpdateDeploymentGroup changes only the members that
 * are present, but sending the blue/green configuration without the ASG is rejected ("Exactly one
 * AutoScaling group must be specifed…"), so the related members always travel together; sending
 * unchanged values is harmless.
 */
export function toUpdateInput(spec: DeploymentGroupSpec): UpdateDeploymentGroupInput {
  return {
    applicationName: spec.applicationName,
    currentDeploymentGroupName: spec.deploymentGroupName,
    serviceRoleArn: spec.serviceRoleArn,
    ...groupFields(spec),
  };
}
