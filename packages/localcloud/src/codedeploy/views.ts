// Records rendered as the botocore output shapes (camelCase members, Date timestamps). Members
// AWS would not return are left out rather than sent empty.

import type { DeploymentConfigRecord } from './deployment-configs.js';
import type {
  ApplicationRecord,
  DeploymentGroupRecord,
  DeploymentRecord,
  LifecycleEventRecord,
  TargetRecord,
} from './state.js';

export function applicationInfo(app: ApplicationRecord): object {
  return {
    applicationId: app.applicationId,
    applicationName: app.applicationName,
    createTime: app.createTime,
    linkedToGitHub: false,
    computePlatform: app.computePlatform,
  };
}

function lastDeploymentInfo(deployment: DeploymentRecord | undefined): object | undefined {
  if (!deployment) return undefined;
  return {
    deploymentId: deployment.deploymentId,
    status: deployment.status,
    ...(deployment.completeTime ? { endTime: deployment.completeTime } : {}),
    createTime: deployment.createTime,
  };
}

export function deploymentGroupInfo(
  group: DeploymentGroupRecord,
  deploymentOf: (id: string | undefined) => DeploymentRecord | undefined,
): object {
  const s = group.settings;
  const lastSuccessful = deploymentOf(group.lastSuccessfulDeploymentId);
  const lastAttempted = lastDeploymentInfo(deploymentOf(group.lastAttemptedDeploymentId));
  return {
    applicationName: group.applicationName,
    deploymentGroupId: group.deploymentGroupId,
    deploymentGroupName: group.deploymentGroupName,
    deploymentConfigName: s.deploymentConfigName,
    ec2TagFilters: s.ec2TagFilters,
    ...(s.ec2TagSet ? { ec2TagSet: s.ec2TagSet } : {}),
    onPremisesInstanceTagFilters: s.onPremisesInstanceTagFilters,
    autoScalingGroups: s.autoScalingGroups.map((name) => ({ name, hook: group.launchHookName })),
    serviceRoleArn: s.serviceRoleArn,
    ...(lastSuccessful ? { targetRevision: lastSuccessful.revision } : {}),
    triggerConfigurations: s.triggerConfigurations,
    alarmConfiguration: {
      enabled: s.alarmConfiguration.enabled ?? false,
      ignorePollAlarmFailure: s.alarmConfiguration.ignorePollAlarmFailure ?? false,
      alarms: s.alarmConfiguration.alarms ?? [],
    },
    autoRollbackConfiguration: {
      enabled: s.autoRollbackConfiguration.enabled ?? false,
      events: s.autoRollbackConfiguration.events ?? [],
    },
    deploymentStyle: s.deploymentStyle,
    outdatedInstancesStrategy: s.outdatedInstancesStrategy,
    ...(s.blueGreenDeploymentConfiguration
      ? { blueGreenDeploymentConfiguration: s.blueGreenDeploymentConfiguration }
      : {}),
    ...(s.loadBalancerInfo ? { loadBalancerInfo: s.loadBalancerInfo } : {}),
    ...(lastSuccessful ? { lastSuccessfulDeployment: lastDeploymentInfo(lastSuccessful) } : {}),
    ...(lastAttempted ? { lastAttemptedDeployment: lastAttempted } : {}),
    computePlatform: 'Server',
  };
}

export function deploymentConfigInfo(config: DeploymentConfigRecord): object {
  return {
    deploymentConfigId: config.deploymentConfigId,
    deploymentConfigName: config.deploymentConfigName,
    minimumHealthyHosts: config.minimumHealthyHosts,
    createTime: config.createTime,
    computePlatform: config.computePlatform,
  };
}

export function deploymentInfo(d: DeploymentRecord): object {
  const o = d.overview;
  return {
    applicationName: d.applicationName,
    deploymentGroupName: d.deploymentGroupName,
    deploymentConfigName: d.deploymentConfigName,
    deploymentId: d.deploymentId,
    ...(d.previousRevision ? { previousRevision: d.previousRevision } : {}),
    revision: d.revision,
    status: d.status,
    ...(d.errorInformation ? { errorInformation: d.errorInformation } : {}),
    createTime: d.createTime,
    ...(d.startTime ? { startTime: d.startTime } : {}),
    ...(d.completeTime ? { completeTime: d.completeTime } : {}),
    deploymentOverview: {
      Pending: o.Pending,
      InProgress: o.InProgress,
      Succeeded: o.Succeeded,
      Failed: o.Failed,
      Skipped: o.Skipped,
      Ready: o.Ready,
    },
    ...(d.description !== undefined ? { description: d.description } : {}),
    creator: d.creator,
    ignoreApplicationStopFailures: d.ignoreApplicationStopFailures,
    autoRollbackConfiguration: {
      enabled: d.autoRollbackConfiguration.enabled ?? false,
      events: d.autoRollbackConfiguration.events ?? [],
    },
    updateOutdatedInstancesOnly: d.updateOutdatedInstancesOnly,
    ...(d.rollbackInfo ? { rollbackInfo: d.rollbackInfo } : {}),
    deploymentStyle: d.deploymentStyle,
    ...(d.targetInstances ? { targetInstances: d.targetInstances } : {}),
    instanceTerminationWaitTimeStarted: d.instanceTerminationWaitTimeStarted,
    ...(d.blueGreenDeploymentConfiguration
      ? { blueGreenDeploymentConfiguration: d.blueGreenDeploymentConfiguration }
      : {}),
    ...(d.loadBalancerInfo ? { loadBalancerInfo: d.loadBalancerInfo } : {}),
    ...(d.additionalDeploymentStatusInfo
      ? { additionalDeploymentStatusInfo: d.additionalDeploymentStatusInfo }
      : {}),
    fileExistsBehavior: d.fileExistsBehavior,
    deploymentStatusMessages: d.deploymentStatusMessages,
    computePlatform: 'Server',
    ...(d.overrideAlarmConfiguration ? { overrideAlarmConfiguration: d.overrideAlarmConfiguration } : {}),
  };
}

function lifecycleEvent(e: LifecycleEventRecord): object {
  return {
    lifecycleEventName: e.lifecycleEventName,
    ...(e.diagnostics ? { diagnostics: e.diagnostics } : {}),
    ...(e.startTime ? { startTime: e.startTime } : {}),
    ...(e.endTime ? { endTime: e.endTime } : {}),
    status: e.status,
  };
}

export function instanceArn(region: string, accountId: string, instanceId: string): string {
  return `arn:aws:ec2:${region}:${accountId}:instance/${instanceId}`;
}

export function deploymentTarget(
  d: DeploymentRecord,
  t: TargetRecord,
  region: string,
  accountId: string,
): object {
  return {
    deploymentTargetType: 'InstanceTarget',
    instanceTarget: {
      deploymentId: d.deploymentId,
      targetId: t.instanceId,
      targetArn: instanceArn(region, accountId, t.instanceId),
      status: t.status,
      lastUpdatedAt: t.lastUpdatedAt,
      lifecycleEvents: t.events.map(lifecycleEvent),
      ...(t.label ? { instanceLabel: t.label } : {}),
    },
  };
}

/** The deprecated instance summary: AWS returns the instance id as an ARN here (spec §2.4). */
export function instanceSummary(
  d: DeploymentRecord,
  t: TargetRecord,
  region: string,
  accountId: string,
): object {
  return {
    deploymentId: d.deploymentId,
    instanceId: instanceArn(region, accountId, t.instanceId),
    status: t.status,
    lastUpdatedAt: t.lastUpdatedAt,
    lifecycleEvents: t.events.map(lifecycleEvent),
    ...(t.label ? { instanceType: t.label } : {}),
  };
}
