// The records CodeDeploy keeps per region. Input-shaped settings are stored as the API gave them
// (camelCase, model member names) so that Get* can echo them.

import type { Diagnostics, Revision } from './agent.js';
import type { LifecycleEventName, TargetRole } from './lifecycle.js';

export type DeploymentStatus =
  'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Succeeded' | 'Failed' | 'Stopped' | 'Ready';
export const deploymentStatuses: readonly DeploymentStatus[] = [
  'Created',
  'Queued',
  'InProgress',
  'Baking',
  'Succeeded',
  'Failed',
  'Stopped',
  'Ready',
];
export const terminalStatuses: ReadonlySet<DeploymentStatus> = new Set(['Succeeded', 'Failed', 'Stopped']);

export type TargetStatus =
  'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown' | 'Ready';
export const targetStatuses: readonly TargetStatus[] = [
  'Pending',
  'InProgress',
  'Succeeded',
  'Failed',
  'Skipped',
  'Unknown',
  'Ready',
];
export type EventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown';
export type InstanceLabel = 'Blue' | 'Green';

export type DeploymentCreator = 'user' | 'autoscaling' | 'codeDeployRollback';

export interface Tag {
  Key: string;
  Value?: string;
}
export interface Ec2TagFilter {
  Key?: string;
  Value?: string;
  Type?: 'KEY_ONLY' | 'VALUE_ONLY' | 'KEY_AND_VALUE';
}
export interface AlarmConfiguration {
  enabled?: boolean;
  ignorePollAlarmFailure?: boolean;
  alarms?: { name?: string }[];
}
export type AutoRollbackEvent =
  'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST';
export interface AutoRollbackConfiguration {
  enabled?: boolean;
  events?: AutoRollbackEvent[];
}
export interface DeploymentStyle {
  deploymentType?: 'IN_PLACE' | 'BLUE_GREEN';
  deploymentOption?: 'WITH_TRAFFIC_CONTROL' | 'WITHOUT_TRAFFIC_CONTROL';
}
export interface BlueGreenDeploymentConfiguration {
  terminateBlueInstancesOnDeploymentSuccess?: {
    action?: 'TERMINATE' | 'KEEP_ALIVE';
    terminationWaitTimeInMinutes?: number;
  };
  deploymentReadyOption?: {
    actionOnTimeout?: 'CONTINUE_DEPLOYMENT' | 'STOP_DEPLOYMENT';
    waitTimeInMinutes?: number;
  };
  greenFleetProvisioningOption?: { action?: 'DISCOVER_EXISTING' | 'COPY_AUTO_SCALING_GROUP' };
}
export interface LoadBalancerInfo {
  elbInfoList?: { name?: string }[];
  targetGroupInfoList?: { name?: string }[];
}
export interface TargetInstances {
  tagFilters?: Ec2TagFilter[];
  autoScalingGroups?: string[];
  ec2TagSet?: { ec2TagSetList?: Ec2TagFilter[][] };
}

export interface ApplicationRecord {
  readonly applicationId: string;
  readonly applicationName: string;
  readonly createTime: Date;
  readonly computePlatform: 'Server' | 'Lambda' | 'ECS';
  tags: Tag[];
}

/** What a deployment group is configured to do; Update merges into it. */
export interface GroupSettings {
  deploymentConfigName: string;
  ec2TagFilters: Ec2TagFilter[];
  ec2TagSet?: { ec2TagSetList?: Ec2TagFilter[][] };
  onPremisesInstanceTagFilters: unknown[];
  autoScalingGroups: string[];
  serviceRoleArn: string;
  triggerConfigurations: unknown[];
  alarmConfiguration: AlarmConfiguration;
  autoRollbackConfiguration: AutoRollbackConfiguration;
  deploymentStyle: DeploymentStyle;
  blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  loadBalancerInfo?: LoadBalancerInfo;
  outdatedInstancesStrategy: 'UPDATE' | 'IGNORE';
}

export interface DeploymentGroupRecord {
  readonly deploymentGroupId: string;
  readonly applicationName: string;
  deploymentGroupName: string;
  settings: GroupSettings;
  /** The launch lifecycle hook CodeDeploy installs on each of the group's ASGs. */
  readonly launchHookName: string;
  lastSuccessfulDeploymentId?: string;
  lastAttemptedDeploymentId?: string;
  tags: Tag[];
}

export interface LifecycleEventRecord {
  readonly lifecycleEventName: LifecycleEventName;
  status: EventStatus;
  startTime?: Date;
  endTime?: Date;
  diagnostics?: Diagnostics;
}

export interface TargetRecord {
  readonly instanceId: string;
  readonly role: TargetRole;
  readonly label?: InstanceLabel;
  /** Position in its fleet, in launch order (fault rules pick instances by it). */
  readonly index: number;
  status: TargetStatus;
  lastUpdatedAt: Date;
  readonly events: LifecycleEventRecord[];
}

export interface DeploymentRecord {
  readonly deploymentId: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly deploymentGroupId: string;
  readonly deploymentConfigName: string;
  readonly revision: Revision;
  readonly previousRevision?: Revision;
  status: DeploymentStatus;
  errorInformation?: { code: string; message: string };
  readonly createTime: Date;
  startTime?: Date;
  completeTime?: Date;
  readonly description?: string;
  readonly creator: DeploymentCreator;
  readonly ignoreApplicationStopFailures: boolean;
  readonly autoRollbackConfiguration: AutoRollbackConfiguration;
  readonly updateOutdatedInstancesOnly: boolean;
  rollbackInfo?: {
    rollbackDeploymentId?: string;
    rollbackTriggeringDeploymentId?: string;
    rollbackMessage?: string;
  };
  readonly deploymentStyle: DeploymentStyle;
  readonly targetInstances?: TargetInstances;
  instanceTerminationWaitTimeStarted: boolean;
  readonly blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  readonly loadBalancerInfo?: LoadBalancerInfo;
  additionalDeploymentStatusInfo?: string;
  readonly fileExistsBehavior: 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
  readonly deploymentStatusMessages: string[];
  readonly overrideAlarmConfiguration?: AlarmConfiguration;
  /** The alarm configuration in force: the override, or the group's at creation. */
  readonly alarmConfiguration: AlarmConfiguration;
  /** Insertion order is fleet order: green (or in-place) first, then blue. */
  readonly targets: Map<string, TargetRecord>;
  /** Kept in step with every target status change, for deploymentOverview. */
  readonly overview: Record<TargetStatus, number>;
  /** Blue/green: the ASG copied as the green fleet, once created. */
  greenAutoScalingGroup?: string;
  /** Blue/green: the group's ASGs that made up the blue fleet. */
  blueAutoScalingGroups: string[];
  /** Blue/green: true once any green instance was registered with the load balancer. */
  trafficShifted: boolean;
  /** Rollback of a blue/green deployment: the deployment whose fleets it swaps back. */
  readonly rollbackOf?: string;
  /** Automatic deployments to instances held by the launch hook: which ASG each came from. */
  readonly launchedInstances?: ReadonlyMap<string, { groupName: string; hookName: string }>;
}

export function emptyOverview(): Record<TargetStatus, number> {
  return { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Unknown: 0, Ready: 0 };
}

export function addTarget(deployment: DeploymentRecord, target: TargetRecord): void {
  deployment.targets.set(target.instanceId, target);
  deployment.overview[target.status] += 1;
}

export function setTargetStatus(
  deployment: DeploymentRecord,
  target: TargetRecord,
  status: TargetStatus,
  now: Date,
): void {
  deployment.overview[target.status] -= 1;
  deployment.overview[status] += 1;
  target.status = status;
  target.lastUpdatedAt = now;
}
