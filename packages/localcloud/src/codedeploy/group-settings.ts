// A deployment group's settings from CreateDeploymentGroup / UpdateDeploymentGroup input, with
// AWS's validation. Update merges only the members present, then the merged whole is validated
// (so "Exactly one AutoScaling group" applies to the result, as on AWS).

import type { AutoScalingPort, Elbv2Port } from '../ports.js';
import { defaultDeploymentConfigName } from './deployment-configs.js';
import * as errors from './errors.js';
import type {
  AlarmConfiguration,
  AutoRollbackConfiguration,
  BlueGreenDeploymentConfiguration,
  DeploymentStyle,
  GroupSettings,
  Tag,
} from './state.js';

export const namePattern = /^[A-Za-z0-9._+=,@-]{1,100}$/;
const rollbackEvents = new Set([
  'DEPLOYMENT_FAILURE',
  'DEPLOYMENT_STOP_ON_ALARM',
  'DEPLOYMENT_STOP_ON_REQUEST',
]);
/** Minutes: 48 hours, for both the ready wait and the termination wait. */
export const maxWaitMinutes = 2880;

// The members of Create/UpdateDeploymentGroupInput that make up the settings.
type SettingsInput = Partial<Omit<GroupSettings, 'ec2TagSet'>> & {
  ec2TagSet?: GroupSettings['ec2TagSet'];
  onPremisesTagSet?: unknown;
};

export interface SettingsEnvironment {
  readonly autoscaling: AutoScalingPort;
  readonly elbv2: Elbv2Port;
  deploymentConfigExists(name: string): boolean;
}

export function settingsForCreate(input: SettingsInput, env: SettingsEnvironment): GroupSettings {
  if (input.serviceRoleArn === undefined || input.serviceRoleArn === '') throw errors.roleRequired();
  const settings: GroupSettings = {
    deploymentConfigName: input.deploymentConfigName ?? defaultDeploymentConfigName,
    ec2TagFilters: input.ec2TagFilters ?? [],
    ...(input.ec2TagSet ? { ec2TagSet: input.ec2TagSet } : {}),
    onPremisesInstanceTagFilters: input.onPremisesInstanceTagFilters ?? [],
    autoScalingGroups: input.autoScalingGroups ?? [],
    serviceRoleArn: input.serviceRoleArn,
    triggerConfigurations: input.triggerConfigurations ?? [],
    alarmConfiguration: input.alarmConfiguration ?? {
      enabled: false,
      ignorePollAlarmFailure: false,
      alarms: [],
    },
    autoRollbackConfiguration: input.autoRollbackConfiguration ?? { enabled: false, events: [] },
    deploymentStyle: withStyleDefaults(input.deploymentStyle),
    ...(input.blueGreenDeploymentConfiguration
      ? { blueGreenDeploymentConfiguration: input.blueGreenDeploymentConfiguration }
      : {}),
    ...(input.loadBalancerInfo ? { loadBalancerInfo: input.loadBalancerInfo } : {}),
    outdatedInstancesStrategy: input.outdatedInstancesStrategy ?? 'UPDATE',
  };
  if (input.ec2TagFilters && input.ec2TagSet) throw errors.invalidEc2TagCombination();
  return validated(settings, env);
}

export function settingsForUpdate(
  current: GroupSettings,
  input: SettingsInput,
  env: SettingsEnvironment,
): GroupSettings {
  if (input.ec2TagFilters && input.ec2TagSet) throw errors.invalidEc2TagCombination();
  // RoleRequiredException is Create's alone; Update's model lists InvalidRoleException for a blank role.
  if (input.serviceRoleArn === '') throw errors.invalidRole('');
  const merged: GroupSettings = { ...current };
  const keys: (keyof GroupSettings)[] = [
    'deploymentConfigName',
    'ec2TagFilters',
    'ec2TagSet',
    'onPremisesInstanceTagFilters',
    'autoScalingGroups',
    'serviceRoleArn',
    'triggerConfigurations',
    'alarmConfiguration',
    'autoRollbackConfiguration',
    'deploymentStyle',
    'blueGreenDeploymentConfiguration',
    'loadBalancerInfo',
    'outdatedInstancesStrategy',
  ];
  for (const key of keys) {
    if (input[key] !== undefined && input[key] !== null) Object.assign(merged, { [key]: input[key] });
  }
  // Tag filters and a tag set replace each other.
  if (input.ec2TagFilters) delete merged.ec2TagSet;
  if (input.ec2TagSet) merged.ec2TagFilters = [];
  merged.deploymentStyle = withStyleDefaults(merged.deploymentStyle);
  return validated(merged, env);
}

function withStyleDefaults(style: DeploymentStyle | undefined): DeploymentStyle {
  return {
    deploymentType: style?.deploymentType ?? 'IN_PLACE',
    deploymentOption: style?.deploymentOption ?? 'WITHOUT_TRAFFIC_CONTROL',
  };
}

function validated(settings: GroupSettings, env: SettingsEnvironment): GroupSettings {
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(settings.serviceRoleArn))
    throw errors.invalidRole(settings.serviceRoleArn);
  if (!env.deploymentConfigExists(settings.deploymentConfigName))
    throw errors.deploymentConfigDoesNotExist(settings.deploymentConfigName);
  if ((settings.ec2TagSet?.ec2TagSetList ?? []).length > 3) throw errors.tagSetListLimitExceeded();
  for (const name of settings.autoScalingGroups) {
    if (!env.autoscaling.get(name))
      throw errors.invalidAutoScalingGroup(`Auto Scaling group ${name} does not exist.`);
  }
  if (settings.autoScalingGroups.length > 10)
    throw errors.invalidAutoScalingGroup('A deployment group can have at most 10 Auto Scaling groups.');
  if (settings.triggerConfigurations.length > 10)
    throw errors.invalidTriggerConfig('A deployment group can have at most 10 triggers.');
  validateAlarms(settings.alarmConfiguration);
  validateAutoRollback(settings.autoRollbackConfiguration);
  validateStyle(settings.deploymentStyle);
  if (
    settings.deploymentStyle.deploymentOption === 'WITH_TRAFFIC_CONTROL' ||
    settings.deploymentStyle.deploymentType === 'BLUE_GREEN'
  ) {
    validateLoadBalancer(settings, env);
  }
  if (settings.deploymentStyle.deploymentType === 'BLUE_GREEN') {
    settings.blueGreenDeploymentConfiguration = blueGreenWithDefaults(
      settings.blueGreenDeploymentConfiguration,
    );
    validateBlueGreen(settings);
  }
  return settings;
}

export function validateAlarms(config: AlarmConfiguration): void {
  const alarms = config.alarms ?? [];
  if (alarms.length > 10) throw errors.alarmsLimitExceeded();
  const seen = new Set<string>();
  for (const alarm of alarms) {
    const name = alarm.name ?? '';
    if (name === '' || name.length > 255)
      throw errors.invalidAlarmConfig(`The alarm name "${name}" is empty or longer than 255 characters.`);
    if (seen.has(name)) throw errors.invalidAlarmConfig(`The alarm ${name} is listed more than once.`);
    seen.add(name);
  }
  if (config.enabled && alarms.length === 0) {
    throw errors.invalidAlarmConfig('Alarm configuration is enabled, but the alarm list is empty.');
  }
}

export function validateAutoRollback(config: AutoRollbackConfiguration): void {
  const events = config.events ?? [];
  const bad = events.find((e) => !rollbackEvents.has(e));
  if (bad !== undefined)
    throw errors.invalidAutoRollbackConfig(`Invalid automatic rollback event type: ${bad}.`);
  if (config.enabled && events.length === 0) {
    throw errors.invalidAutoRollbackConfig(
      'Automatic rollback is enabled, but no triggering event types were specified.',
    );
  }
}

function validateStyle(style: DeploymentStyle): void {
  if (
    !['IN_PLACE', 'BLUE_GREEN'].includes(style.deploymentType ?? '') ||
    !['WITH_TRAFFIC_CONTROL', 'WITHOUT_TRAFFIC_CONTROL'].includes(style.deploymentOption ?? '')
  ) {
    throw errors.invalidDeploymentStyle(
      'An invalid deployment style was specified. Valid deployment types include "IN_PLACE" and "BLUE_GREEN." Valid deployment options include "WITH_TRAFFIC_CONTROL" and "WITHOUT_TRAFFIC_CONTROL."',
    );
  }
  // [I] EC2 blue/green needs a load balancer to move traffic (spec §3.1), so it always controls traffic.
  if (style.deploymentType === 'BLUE_GREEN' && style.deploymentOption !== 'WITH_TRAFFIC_CONTROL') {
    throw errors.invalidDeploymentStyle(
      'A blue/green deployment on EC2 instances requires the WITH_TRAFFIC_CONTROL deployment option.',
    );
  }
}

function validateLoadBalancer(settings: GroupSettings, env: SettingsEnvironment): void {
  const info = settings.loadBalancerInfo;
  const targetGroups = info?.targetGroupInfoList ?? [];
  const elbs = info?.elbInfoList ?? [];
  if (targetGroups.length === 0 && elbs.length === 0) {
    throw errors.invalidLoadBalancerInfo(
      'A load balancer or target group must be specified for a deployment with traffic control.',
    );
  }
  if (elbs.length > 0) {
    throw errors.invalidLoadBalancerInfo(
      'Classic Load Balancers are not supported by the local cloud; use targetGroupInfoList.',
    );
  }
  if (targetGroups.length > 10)
    throw errors.invalidLoadBalancerInfo('At most 10 target groups can be specified.');
  for (const tg of targetGroups) {
    if (tg.name === undefined || !env.elbv2.getTargetGroupByName(tg.name)) {
      throw errors.invalidLoadBalancerInfo(`The target group ${tg.name ?? ''} does not exist.`);
    }
  }
}

function blueGreenWithDefaults(
  config: BlueGreenDeploymentConfiguration | undefined,
): BlueGreenDeploymentConfiguration {
  // [I] What AWS fills in when a blue/green group leaves these out.
  return {
    terminateBlueInstancesOnDeploymentSuccess: {
      action: config?.terminateBlueInstancesOnDeploymentSuccess?.action ?? 'TERMINATE',
      terminationWaitTimeInMinutes:
        config?.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes ?? 0,
    },
    deploymentReadyOption: {
      actionOnTimeout: config?.deploymentReadyOption?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT',
      waitTimeInMinutes: config?.deploymentReadyOption?.waitTimeInMinutes ?? 0,
    },
    greenFleetProvisioningOption: {
      action: config?.greenFleetProvisioningOption?.action ?? 'DISCOVER_EXISTING',
    },
  };
}

function validateBlueGreen(settings: GroupSettings): void {
  const bg = settings.blueGreenDeploymentConfiguration ?? {};
  const wait = bg.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes ?? 0;
  if (wait < 0 || wait > maxWaitMinutes) {
    throw errors.invalidBlueGreenDeploymentConfiguration(
      `terminationWaitTimeInMinutes must be between 0 and ${maxWaitMinutes}.`,
    );
  }
  const ready = bg.deploymentReadyOption?.waitTimeInMinutes ?? 0;
  if (ready < 0 || ready > maxWaitMinutes) {
    throw errors.invalidBlueGreenDeploymentConfiguration(
      `waitTimeInMinutes must be between 0 and ${maxWaitMinutes}.`,
    );
  }
  if (!['TERMINATE', 'KEEP_ALIVE'].includes(bg.terminateBlueInstancesOnDeploymentSuccess?.action ?? '')) {
    throw errors.invalidBlueGreenDeploymentConfiguration(
      'terminateBlueInstancesOnDeploymentSuccess.action must be TERMINATE or KEEP_ALIVE.',
    );
  }
  if (!['CONTINUE_DEPLOYMENT', 'STOP_DEPLOYMENT'].includes(bg.deploymentReadyOption?.actionOnTimeout ?? '')) {
    throw errors.invalidBlueGreenDeploymentConfiguration(
      'deploymentReadyOption.actionOnTimeout must be CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT.',
    );
  }
  const action = bg.greenFleetProvisioningOption?.action;
  if (action !== 'COPY_AUTO_SCALING_GROUP' && action !== 'DISCOVER_EXISTING') {
    throw errors.invalidBlueGreenDeploymentConfiguration(
      'greenFleetProvisioningOption.action must be DISCOVER_EXISTING or COPY_AUTO_SCALING_GROUP.',
    );
  }
  if (action === 'COPY_AUTO_SCALING_GROUP' && settings.autoScalingGroups.length !== 1) {
    // AWS's message, misspelling included (spec §2.2).
    throw errors.invalidBlueGreenDeploymentConfiguration(
      'Exactly one AutoScaling group must be specifed when selecting the COPY_AUTO_SCALING_GROUP green fleet provisioning option.',
    );
  }
}

export function validateTags(tags: readonly Tag[] | undefined): Tag[] {
  const list = tags ?? [];
  for (const tag of list) {
    if (typeof tag.Key !== 'string' || tag.Key.length === 0 || tag.Key.length > 128) {
      throw errors.invalidTagsToAdd(`Tag keys must be 1 to 128 characters: ${String(tag.Key)}`);
    }
    if ((tag.Value ?? '').length > 256)
      throw errors.invalidTagsToAdd(`The value of tag ${tag.Key} is longer than 256 characters.`);
  }
  // TagLimitExceededException belongs to the on-premises tag operations; the operations that take
  // tags here list InvalidTagsToAddException for a tag list AWS will not take.
  if (list.length > 50) throw errors.invalidTagsToAdd('At most 50 tags can be added to a resource.');
  return list.map((t) => ({ Key: t.Key, ...(t.Value !== undefined ? { Value: t.Value } : {}) }));
}

/** Tags merge by key; later ones win. */
export function mergeTags(current: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map(current.map((t) => [t.Key, t]));
  for (const tag of added) byKey.set(tag.Key, tag);
  return [...byKey.values()];
}
