// CodeDeploy's state and operations for one account and region: applications, deployment groups,
// deployment configs, deployments and their targets, tags. Operations take the decoded input shape
// and return the output shape; the deployments themselves progress in DeploymentRun.

import type {
  AutoScalingPort,
  CloudWatchPort,
  Ec2Instance,
  Ec2Port,
  Elbv2Port,
  InstanceFaultPort,
  S3Port,
  Scheduler,
} from '../ports.js';
import type { Agent, AgentDeployment, Revision } from './agent.js';
import type { DeploymentConfigRecord } from './deployment-configs.js';
import { healthRuleOf, predefinedDeploymentConfigs } from './deployment-configs.js';
import type { DeploymentEnd, EngineContext } from './deployment.js';
import { DeploymentRun } from './deployment.js';
import * as errors from './errors.js';
import { isLive } from './fleets.js';
import {
  mergeTags,
  namePattern,
  settingsForCreate,
  settingsForUpdate,
  validateAlarms,
  validateAutoRollback,
  validateTags,
} from './group-settings.js';
import type { SettingsEnvironment } from './group-settings.js';
import { newDeploymentId, newHookSuffix, newUuid } from './ids.js';
import { installLaunchHook, launchHookPrefix, removeLaunchHook } from './launch-hook.js';
import { paginate } from './pagination.js';
import { createSyntheticAgent } from './synthetic-agent.js';
import type {
  AlarmConfiguration,
  ApplicationRecord,
  AutoRollbackConfiguration,
  DeploymentGroupRecord,
  DeploymentRecord,
  DeploymentStatus,
  Tag,
  TargetInstances,
  TargetRecord,
  TargetStatus,
} from './state.js';
import { deploymentStatuses, emptyOverview, targetStatuses, terminalStatuses } from './state.js';
import * as views from './views.js';

export interface CodeDeployDeps {
  /** CodeDeploy's own actions against the deployment group's service role (EngineContext's). */
  readonly greenFleetDenial?: EngineContext['greenFleetDenial'];
  readonly region: string;
  readonly accountId: string;
  readonly scheduler: Scheduler;
  readonly ec2: Ec2Port;
  readonly autoscaling: AutoScalingPort;
  readonly elbv2: Elbv2Port;
  readonly cloudwatch: CloudWatchPort;
  readonly s3: S3Port;
  readonly faults: InstanceFaultPort;
  readonly random: () => number;
  /** The agent of an instance; the synthetic agent when left out. */
  readonly agentFor?: (instance: Ec2Instance) => Agent;
  /** Page size of every List* operation (default 100). */
  readonly pageSize?: number;
}

/** An operation's input as the protocol layer decoded it: member names as the botocore model has them. */
export type Input = Readonly<Record<string, unknown>>;

const batchLimit = 25;
const applicationBatchLimit = 100;

interface HeldLaunch {
  readonly groupName: string;
  readonly hookName: string;
  readonly instanceId: string;
}

export class CodeDeployModel {
  private readonly applications = new Map<string, ApplicationRecord>();
  /** Keyed by `<application>/<group>`. */
  private readonly groups = new Map<string, DeploymentGroupRecord>();
  private readonly configs = new Map<string, DeploymentConfigRecord>();
  /** In creation order. */
  private readonly deployments: DeploymentRecord[] = [];
  private readonly deploymentsById = new Map<string, DeploymentRecord>();
  private readonly runs = new Map<string, DeploymentRun>();
  /** Deployment group id → its one active deployment. */
  private readonly active = new Map<string, DeploymentRun>();
  /** Deployment group id → instances held by its launch hook, waiting for a deployment. */
  private readonly heldLaunches = new Map<string, HeldLaunch[]>();
  private readonly pumpScheduled = new Set<string>();
  private readonly installed = new Map<string, Revision>();
  private readonly pageSize: number;
  private readonly agentFor: (instance: Ec2Instance) => Agent;
  private readonly engine: EngineContext;
  private readonly settingsEnv: SettingsEnvironment;

  constructor(private readonly deps: CodeDeployDeps) {
    this.pageSize = deps.pageSize ?? 100;
    for (const config of predefinedDeploymentConfigs()) this.configs.set(config.deploymentConfigName, config);
    const synthetic = createSyntheticAgent({ scheduler: deps.scheduler, random: deps.random, s3: deps.s3 });
    this.agentFor = deps.agentFor ?? (() => synthetic);
    this.settingsEnv = {
      autoscaling: deps.autoscaling,
      elbv2: deps.elbv2,
      deploymentConfigExists: (name) => this.configs.has(name),
    };
    this.engine = {
      scheduler: deps.scheduler,
      ec2: deps.ec2,
      autoscaling: deps.autoscaling,
      elbv2: deps.elbv2,
      cloudwatch: deps.cloudwatch,
      faults: deps.faults,
      agentFor: (instance) => this.agentFor(instance),
      group: (id) => this.groupById(id),
      deployment: (id) => this.deploymentsById.get(id),
      healthRule: (name) =>
        healthRuleOf(this.configs.get(name) ?? this.requireConfig('CodeDeployDefault.OneAtATime')),
      agentDeployment: (record) => this.agentDeployment(record),
      lastRevisionOn: (groupId, instanceId) => this.installed.get(`${groupId}/${instanceId}`),
      recordInstalled: (groupId, instanceId, revision) =>
        this.installed.set(`${groupId}/${instanceId}`, revision),
      finished: (record, end) => this.finished(record, end),
      ...(deps.greenFleetDenial ? { greenFleetDenial: deps.greenFleetDenial } : {}),
    };
    deps.autoscaling.onLaunchHook((groupName, hookName, instanceId) =>
      this.launchHeld(groupName, hookName, instanceId),
    );
    deps.cloudwatch.onAlarmStateChange((name, state) => {
      for (const run of [...this.active.values()]) run.alarmChanged(name, state);
    });
    deps.ec2.onStateChange((instance) => {
      if (instance.state === 'pending' || instance.state === 'running') return;
      for (const run of this.active.values())
        if (run.record.targets.has(instance.instanceId)) run.instanceGone(instance.instanceId);
    });
  }

  // ---- applications -------------------------------------------------------------------------------

  createApplication(input: Input): object {
    const name = requireName(
      input.applicationName,
      errors.applicationNameRequired,
      errors.invalidApplicationName,
    );
    const platform = computePlatformOf(input.computePlatform);
    if (this.applications.has(name)) throw errors.applicationAlreadyExists(name);
    if (this.applications.size >= 1000) throw errors.applicationLimitExceeded();
    const app: ApplicationRecord = {
      applicationId: newUuid(this.deps.random),
      applicationName: name,
      createTime: this.deps.scheduler.now(),
      computePlatform: platform,
      tags: validateTags(input.tags as Tag[] | undefined),
    };
    this.applications.set(name, app);
    return { applicationId: app.applicationId };
  }

  getApplication(input: Input): object {
    return { application: views.applicationInfo(this.requireApplication(input.applicationName)) };
  }

  listApplications(input: Input): object {
    const page = paginate(
      [...this.applications.keys()].sort(),
      'applications',
      this.pageSize,
      input.nextToken,
    );
    return { applications: page.items, ...next(page.nextToken) };
  }

  batchGetApplications(input: Input): object {
    const names = (input.applicationNames ?? []) as string[];
    if (names.length === 0) throw errors.applicationNameRequired();
    if (names.length > applicationBatchLimit) throw errors.batchLimitExceeded(applicationBatchLimit);
    return { applicationsInfo: names.map((n) => views.applicationInfo(this.requireApplication(n))) };
  }

  deleteApplication(input: Input): object {
    const name = requireName(
      input.applicationName,
      errors.applicationNameRequired,
      errors.invalidApplicationName,
    );
    for (const group of [...this.groups.values()]) {
      if (group.applicationName === name) this.removeGroup(group);
    }
    this.applications.delete(name);
    return {};
  }

  // ---- deployment groups --------------------------------------------------------------------------

  createDeploymentGroup(input: Input): object {
    const app = this.requireApplication(input.applicationName);
    const name = requireName(
      input.deploymentGroupName,
      errors.deploymentGroupNameRequired,
      errors.invalidDeploymentGroupName,
    );
    if (this.groups.has(groupKey(app.applicationName, name))) throw errors.deploymentGroupAlreadyExists(name);
    if ([...this.groups.values()].filter((g) => g.applicationName === app.applicationName).length >= 1000) {
      throw errors.deploymentGroupLimitExceeded();
    }
    const settings = settingsForCreate(input, this.settingsEnv);
    const group: DeploymentGroupRecord = {
      deploymentGroupId: newUuid(this.deps.random),
      applicationName: app.applicationName,
      deploymentGroupName: name,
      settings,
      launchHookName: `${launchHookPrefix}-${name}-${newHookSuffix(this.deps.random)}`,
      tags: validateTags(input.tags as Tag[] | undefined),
    };
    for (const asg of settings.autoScalingGroups) installLaunchHook(this.deps.autoscaling, asg, group);
    this.groups.set(groupKey(app.applicationName, name), group);
    return { deploymentGroupId: group.deploymentGroupId };
  }

  getDeploymentGroup(input: Input): object {
    const group = this.requireGroup(input.applicationName, input.deploymentGroupName);
    return { deploymentGroupInfo: this.groupInfo(group) };
  }

  updateDeploymentGroup(input: Input): object {
    const group = this.requireGroup(input.applicationName, input.currentDeploymentGroupName);
    const newName =
      input.newDeploymentGroupName === undefined || input.newDeploymentGroupName === null
        ? undefined
        : requireName(
            input.newDeploymentGroupName,
            errors.deploymentGroupNameRequired,
            errors.invalidDeploymentGroupName,
          );
    if (
      newName !== undefined &&
      newName !== group.deploymentGroupName &&
      this.groups.has(groupKey(group.applicationName, newName))
    ) {
      throw errors.deploymentGroupAlreadyExists(newName);
    }
    const settings = settingsForUpdate(group.settings, input, this.settingsEnv);
    const before = new Set(group.settings.autoScalingGroups);
    const after = new Set(settings.autoScalingGroups);
    for (const asg of before) if (!after.has(asg)) removeLaunchHook(this.deps.autoscaling, asg, group);
    for (const asg of after) if (!before.has(asg)) installLaunchHook(this.deps.autoscaling, asg, group);
    group.settings = settings;
    if (newName !== undefined && newName !== group.deploymentGroupName) {
      this.groups.delete(groupKey(group.applicationName, group.deploymentGroupName));
      group.deploymentGroupName = newName;
      this.groups.set(groupKey(group.applicationName, newName), group);
    }
    return { hooksNotCleanedUp: [] };
  }

  listDeploymentGroups(input: Input): object {
    const app = this.requireApplication(input.applicationName);
    const names = [...this.groups.values()]
      .filter((g) => g.applicationName === app.applicationName)
      .map((g) => g.deploymentGroupName)
      .sort();
    const page = paginate(names, `groups/${app.applicationName}`, this.pageSize, input.nextToken);
    return { applicationName: app.applicationName, deploymentGroups: page.items, ...next(page.nextToken) };
  }

  batchGetDeploymentGroups(input: Input): object {
    const app = this.requireApplication(input.applicationName);
    const names = (input.deploymentGroupNames ?? []) as string[];
    if (names.length === 0) throw errors.deploymentGroupNameRequired();
    if (names.length > applicationBatchLimit) throw errors.batchLimitExceeded(applicationBatchLimit);
    const found: object[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const group = this.groups.get(groupKey(app.applicationName, name));
      if (group) found.push(this.groupInfo(group));
      else missing.push(name);
    }
    return {
      deploymentGroupsInfo: found,
      ...(missing.length > 0 ? { errorMessage: `Deployment groups not found: ${missing.join(', ')}` } : {}),
    };
  }

  deleteDeploymentGroup(input: Input): object {
    this.requireApplication(input.applicationName);
    const name = requireName(
      input.deploymentGroupName,
      errors.deploymentGroupNameRequired,
      errors.invalidDeploymentGroupName,
    );
    // The model has no DoesNotExist error for this operation: deleting a missing group succeeds.
    const group = this.groups.get(groupKey(input.applicationName as string, name));
    if (group) this.removeGroup(group);
    return { hooksNotCleanedUp: [] };
  }

  // ---- deployment configs -------------------------------------------------------------------------

  createDeploymentConfig(input: Input): object {
    const name = requireName(
      input.deploymentConfigName,
      errors.deploymentConfigNameRequired,
      errors.invalidDeploymentConfigName,
    );
    if (name.startsWith('CodeDeployDefault.')) throw errors.invalidDeploymentConfigName(name);
    if (this.configs.has(name)) throw errors.deploymentConfigAlreadyExists(name);
    const platform = computePlatformOf(input.computePlatform);
    const mhh = input.minimumHealthyHosts as { type?: string; value?: number } | undefined;
    if (!mhh || mhh.type === undefined || mhh.value === undefined) {
      throw errors.invalidMinimumHealthyHostValue('The minimum healthy hosts argument is missing.');
    }
    if (mhh.type !== 'HOST_COUNT' && mhh.type !== 'FLEET_PERCENT') {
      throw errors.invalidMinimumHealthyHostValue(
        `Invalid minimum healthy hosts type: ${mhh.type}. Valid values are HOST_COUNT and FLEET_PERCENT.`,
      );
    }
    if (!Number.isInteger(mhh.value) || mhh.value < 0 || (mhh.type === 'FLEET_PERCENT' && mhh.value >= 100)) {
      throw errors.invalidMinimumHealthyHostValue(
        mhh.type === 'FLEET_PERCENT'
          ? `FLEET_PERCENT must be 0 or a positive integer below 100: ${mhh.value}`
          : `HOST_COUNT must be 0 or a positive integer: ${mhh.value}`,
      );
    }
    if ([...this.configs.values()].filter((c) => !c.predefined).length >= 200)
      throw errors.deploymentConfigLimitExceeded();
    const config: DeploymentConfigRecord = {
      deploymentConfigId: newUuid(this.deps.random),
      deploymentConfigName: name,
      minimumHealthyHosts: { type: mhh.type, value: mhh.value },
      createTime: this.deps.scheduler.now(),
      computePlatform: platform,
      predefined: false,
    };
    this.configs.set(name, config);
    return { deploymentConfigId: config.deploymentConfigId };
  }

  getDeploymentConfig(input: Input): object {
    const name = requireName(
      input.deploymentConfigName,
      errors.deploymentConfigNameRequired,
      errors.invalidDeploymentConfigName,
    );
    return { deploymentConfigInfo: views.deploymentConfigInfo(this.requireConfig(name)) };
  }

  listDeploymentConfigs(input: Input): object {
    const page = paginate([...this.configs.keys()].sort(), 'configs', this.pageSize, input.nextToken);
    return { deploymentConfigsList: page.items, ...next(page.nextToken) };
  }

  deleteDeploymentConfig(input: Input): object {
    const name = requireName(
      input.deploymentConfigName,
      errors.deploymentConfigNameRequired,
      errors.invalidDeploymentConfigName,
    );
    const config = this.configs.get(name);
    if (config?.predefined)
      throw errors.invalidOperation(`The predefined deployment configuration ${name} cannot be deleted.`);
    if ([...this.groups.values()].some((g) => g.settings.deploymentConfigName === name))
      throw errors.deploymentConfigInUse(name);
    this.configs.delete(name);
    return {};
  }

  // ---- deployments --------------------------------------------------------------------------------

  createDeployment(input: Input): object {
    const app = this.requireApplication(input.applicationName);
    if (input.deploymentGroupName === undefined || input.deploymentGroupName === null)
      throw errors.deploymentGroupNameRequired();
    const group = this.requireGroup(app.applicationName, input.deploymentGroupName);
    const revision = validRevision(input.revision);
    if (typeof input.description === 'string' && input.description.length > 256)
      throw errors.descriptionTooLong();
    const configName =
      (input.deploymentConfigName as string | undefined) ?? group.settings.deploymentConfigName;
    if (!namePattern.test(configName)) throw errors.invalidDeploymentConfigName(configName);
    this.requireConfig(configName);
    const fileExistsBehavior = (input.fileExistsBehavior as string | undefined) ?? 'DISALLOW';
    if (!['DISALLOW', 'OVERWRITE', 'RETAIN'].includes(fileExistsBehavior))
      throw errors.invalidFileExistsBehavior(fileExistsBehavior);
    const targetInstances = input.targetInstances as TargetInstances | undefined;
    const s = group.settings;
    const discover =
      s.deploymentStyle.deploymentType === 'BLUE_GREEN' &&
      s.blueGreenDeploymentConfiguration?.greenFleetProvisioningOption?.action === 'DISCOVER_EXISTING';
    if (targetInstances && !discover) {
      throw errors.invalidTargetInstances(
        'Target instances can be specified only for a blue/green deployment whose green fleet provisioning option is DISCOVER_EXISTING.',
      );
    }
    if (discover && !targetInstances) {
      throw errors.invalidTargetInstances(
        'A blue/green deployment with the DISCOVER_EXISTING option requires targetInstances.',
      );
    }
    // CreateDeployment's model has no InvalidEC2TagCombinationException; the target instances are what is invalid.
    if (targetInstances?.tagFilters && targetInstances.ec2TagSet) {
      throw errors.invalidTargetInstances(
        'Target instances can use tagFilters or ec2TagSet, not both, in a single call.',
      );
    }
    const autoRollback =
      (input.autoRollbackConfiguration as AutoRollbackConfiguration | undefined) ??
      s.autoRollbackConfiguration;
    validateAutoRollback(autoRollback);
    const override = input.overrideAlarmConfiguration as AlarmConfiguration | undefined;
    if (override) validateAlarms(override);
    const activeRun = this.active.get(group.deploymentGroupId);
    if (activeRun)
      throw errors.deploymentLimitExceeded(group.deploymentGroupName, activeRun.record.deploymentId);
    const record = this.newDeployment(group, {
      creator: 'user',
      revision,
      deploymentConfigName: configName,
      autoRollbackConfiguration: autoRollback,
      alarmConfiguration: override ?? s.alarmConfiguration,
      ...(override ? { overrideAlarmConfiguration: override } : {}),
      ...(typeof input.description === 'string' ? { description: input.description } : {}),
      ignoreApplicationStopFailures: input.ignoreApplicationStopFailures === true,
      updateOutdatedInstancesOnly: input.updateOutdatedInstancesOnly === true,
      fileExistsBehavior: fileExistsBehavior as DeploymentRecord['fileExistsBehavior'],
      ...(targetInstances ? { targetInstances } : {}),
    });
    return { deploymentId: record.deploymentId };
  }

  getDeployment(input: Input): object {
    return { deploymentInfo: views.deploymentInfo(this.requireDeployment(input.deploymentId)) };
  }

  batchGetDeployments(input: Input): object {
    const ids = (input.deploymentIds ?? []) as string[];
    if (ids.length === 0) throw errors.deploymentIdRequired();
    if (ids.length > batchLimit) throw errors.batchLimitExceeded(batchLimit);
    for (const id of ids) if (!isDeploymentId(id)) throw errors.invalidDeploymentId(id);
    // [I] Unknown ids are left out of the answer.
    return {
      deploymentsInfo: ids.flatMap((id) => {
        const d = this.deploymentsById.get(id);
        return d ? [views.deploymentInfo(d)] : [];
      }),
    };
  }

  listDeployments(input: Input): object {
    const appName = input.applicationName as string | undefined;
    const groupName = input.deploymentGroupName as string | undefined;
    let group: DeploymentGroupRecord | undefined;
    if (appName !== undefined || groupName !== undefined) {
      if (appName === undefined) throw errors.applicationNameRequired();
      if (groupName === undefined) throw errors.deploymentGroupNameRequired();
      group = this.requireGroup(appName, groupName);
    }
    const statuses = (input.includeOnlyStatuses ?? []) as string[];
    for (const s of statuses)
      if (!deploymentStatuses.includes(s as DeploymentStatus)) throw errors.invalidDeploymentStatus(s);
    const range = input.createTimeRange as { start?: unknown; end?: unknown } | undefined;
    const start = range?.start === undefined ? undefined : toDate(range.start);
    const end = range?.end === undefined ? undefined : toDate(range.end);
    if (
      (start && Number.isNaN(start.getTime())) ||
      (end && Number.isNaN(end.getTime())) ||
      (start && end && start > end)
    ) {
      throw errors.invalidTimeRange();
    }
    const externalId = input.externalId as string | undefined;
    // [I] Newest first (spec §2.3).
    const ids: string[] = [];
    for (let i = this.deployments.length - 1; i >= 0; i--) {
      const d = this.deployments[i];
      if (!d) continue;
      if (group && d.deploymentGroupId !== group.deploymentGroupId) continue;
      if (statuses.length > 0 && !statuses.includes(d.status)) continue;
      if (start && d.createTime < start) continue;
      if (end && d.createTime > end) continue;
      if (externalId !== undefined) continue; // no deployment here has an external id
      ids.push(d.deploymentId);
    }
    const page = paginate(ids, 'deployments', this.pageSize, input.nextToken);
    return { deployments: page.items, ...next(page.nextToken) };
  }

  stopDeployment(input: Input): object {
    const d = this.requireDeployment(input.deploymentId);
    const run = this.runs.get(d.deploymentId);
    if (terminalStatuses.has(d.status) || !run || run.isEnded)
      throw errors.deploymentAlreadyCompleted(d.deploymentId);
    const requested = input.autoRollbackEnabled as boolean | undefined | null;
    run.stop('MANUAL_STOP', 'The deployment was stopped by the user.', {
      trigger: 'DEPLOYMENT_STOP_ON_REQUEST',
      ...(requested === undefined || requested === null ? {} : { rollbackRequested: requested }),
    });
    return {
      status: 'Succeeded',
      statusMessage: 'No more commands will be scheduled for execution in the deployment instances',
    };
  }

  continueDeployment(input: Input): object {
    const d = this.requireDeployment(input.deploymentId);
    // [I] An omitted wait type means READY_WAIT.
    const type = (input.deploymentWaitType as string | undefined) ?? 'READY_WAIT';
    if (type !== 'READY_WAIT' && type !== 'TERMINATION_WAIT') throw errors.invalidDeploymentWaitType(type);
    if (
      d.deploymentStyle.deploymentType !== 'BLUE_GREEN' ||
      d.rollbackOf !== undefined ||
      d.launchedInstances
    ) {
      throw errors.unsupportedActionForDeploymentType(
        'ContinueDeployment is supported only for blue/green deployments.',
      );
    }
    if (terminalStatuses.has(d.status)) throw errors.deploymentAlreadyCompleted(d.deploymentId);
    const run = this.runs.get(d.deploymentId);
    if (!run?.waitsFor(type)) {
      if (type === 'READY_WAIT') throw errors.deploymentIsNotInReadyState();
      throw errors.invalidDeploymentStatus(
        `${d.status} (the deployment is not waiting to terminate its original instances)`,
      );
    }
    run.continue(type);
    return {};
  }

  // ---- targets and instances ----------------------------------------------------------------------

  listDeploymentTargets(input: Input): object {
    const d = this.requireStartedDeployment(input.deploymentId);
    const filters = (input.targetFilters ?? {}) as Record<string, string[]>;
    let statuses: string[] | undefined;
    let labels: string[] | undefined;
    for (const [name, values] of Object.entries(filters)) {
      if (name === 'TargetStatus') {
        for (const v of values)
          if (!targetStatuses.includes(v as TargetStatus)) throw errors.invalidInstanceStatus(v);
        statuses = values;
      } else if (name === 'ServerInstanceLabel') {
        for (const v of values) if (v !== 'Blue' && v !== 'Green') throw errors.invalidInstanceType(v);
        labels = values;
      } else throw errors.invalidTargetFilterName(name);
    }
    const ids = this.targetIds(d, statuses, labels);
    const page = paginate(ids, `targets/${d.deploymentId}`, this.pageSize, input.nextToken);
    return { targetIds: page.items, ...next(page.nextToken) };
  }

  batchGetDeploymentTargets(input: Input): object {
    const d = this.requireStartedDeployment(input.deploymentId);
    const ids = (input.targetIds ?? []) as string[];
    if (ids.length === 0) throw errors.deploymentTargetIdRequired();
    if (ids.length > batchLimit) throw errors.deploymentTargetListSizeExceeded(batchLimit);
    return { deploymentTargets: ids.map((id) => this.target(d, id)) };
  }

  getDeploymentTarget(input: Input): object {
    const d = this.requireStartedDeployment(input.deploymentId);
    if (typeof input.targetId !== 'string' || input.targetId === '')
      throw errors.deploymentTargetIdRequired();
    return { deploymentTarget: this.target(d, input.targetId) };
  }

  listDeploymentInstances(input: Input): object {
    const d = this.requireStartedDeployment(input.deploymentId);
    const statuses = input.instanceStatusFilter as string[] | undefined;
    const types = input.instanceTypeFilter as string[] | undefined;
    for (const v of statuses ?? [])
      if (!targetStatuses.includes(v as TargetStatus)) throw errors.invalidInstanceStatus(v);
    for (const v of types ?? []) if (v !== 'Blue' && v !== 'Green') throw errors.invalidInstanceType(v);
    if ((types ?? []).length > 0 && d.deploymentStyle.deploymentType !== 'BLUE_GREEN')
      throw errors.invalidDeploymentInstanceType();
    const ids = this.targetIds(d, statuses?.length ? statuses : undefined, types?.length ? types : undefined);
    const page = paginate(ids, `instances/${d.deploymentId}`, this.pageSize, input.nextToken);
    return { instancesList: page.items, ...next(page.nextToken) };
  }

  batchGetDeploymentInstances(input: Input): object {
    const d = this.requireDeployment(input.deploymentId);
    const ids = ((input.instanceIds ?? []) as string[]).map(instanceIdOf);
    if (ids.length === 0) throw errors.instanceIdRequired();
    if (ids.length > batchLimit) throw errors.batchLimitExceeded(batchLimit);
    const summaries: object[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const t = d.targets.get(id);
      if (t) summaries.push(views.instanceSummary(d, t, this.deps.region, this.deps.accountId));
      else missing.push(id);
    }
    return {
      instancesSummary: summaries,
      ...(missing.length > 0
        ? { errorMessage: `Instances not found in deployment ${d.deploymentId}: ${missing.join(', ')}` }
        : {}),
    };
  }

  getDeploymentInstance(input: Input): object {
    const d = this.requireDeployment(input.deploymentId);
    if (typeof input.instanceId !== 'string' || input.instanceId === '') throw errors.instanceIdRequired();
    const t = d.targets.get(instanceIdOf(input.instanceId));
    if (!t) throw errors.instanceDoesNotExist(input.instanceId);
    return { instanceSummary: views.instanceSummary(d, t, this.deps.region, this.deps.accountId) };
  }

  // ---- tags ---------------------------------------------------------------------------------------

  tagResource(input: Input): object {
    const resource = this.taggable(input.ResourceArn);
    if (!Array.isArray(input.Tags) || input.Tags.length === 0) throw errors.tagRequired();
    resource.tags = mergeTags(resource.tags, validateTags(input.Tags as Tag[]));
    return {};
  }

  untagResource(input: Input): object {
    const resource = this.taggable(input.ResourceArn);
    const keys = new Set((input.TagKeys ?? []) as string[]);
    if (keys.size === 0) throw errors.tagRequired();
    resource.tags = resource.tags.filter((t) => !keys.has(t.Key));
    return {};
  }

  listTagsForResource(input: Input): object {
    const resource = this.taggable(input.ResourceArn);
    const page = paginate(resource.tags, `tags/${String(input.ResourceArn)}`, this.pageSize, input.NextToken);
    return { Tags: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }

  // ---- deployments: creation, end, rollback, scale-out --------------------------------------------

  private newDeployment(
    group: DeploymentGroupRecord,
    options: Pick<
      DeploymentRecord,
      'creator' | 'revision' | 'deploymentConfigName' | 'autoRollbackConfiguration' | 'alarmConfiguration'
    > &
      Partial<
        Pick<
          DeploymentRecord,
          | 'description'
          | 'ignoreApplicationStopFailures'
          | 'updateOutdatedInstancesOnly'
          | 'fileExistsBehavior'
          | 'targetInstances'
          | 'overrideAlarmConfiguration'
          | 'rollbackInfo'
          | 'rollbackOf'
          | 'launchedInstances'
          | 'deploymentStyle'
        >
      >,
  ): DeploymentRecord {
    const s = group.settings;
    const lastGood = this.deploymentsById.get(group.lastSuccessfulDeploymentId ?? '');
    let id = newDeploymentId(this.deps.random);
    while (this.deploymentsById.has(id)) id = newDeploymentId(this.deps.random);
    const style = options.deploymentStyle ?? s.deploymentStyle;
    const blueGreen = style.deploymentType === 'BLUE_GREEN';
    const record: DeploymentRecord = {
      deploymentId: id,
      applicationName: group.applicationName,
      deploymentGroupName: group.deploymentGroupName,
      deploymentGroupId: group.deploymentGroupId,
      deploymentConfigName: options.deploymentConfigName,
      revision: options.revision,
      ...(lastGood ? { previousRevision: lastGood.revision } : {}),
      status: 'Created',
      createTime: this.deps.scheduler.now(),
      ...(options.description !== undefined ? { description: options.description } : {}),
      creator: options.creator,
      ignoreApplicationStopFailures: options.ignoreApplicationStopFailures ?? false,
      autoRollbackConfiguration: options.autoRollbackConfiguration,
      updateOutdatedInstancesOnly: options.updateOutdatedInstancesOnly ?? false,
      ...(options.rollbackInfo ? { rollbackInfo: options.rollbackInfo } : {}),
      deploymentStyle: style,
      ...(options.targetInstances ? { targetInstances: options.targetInstances } : {}),
      instanceTerminationWaitTimeStarted: false,
      ...(blueGreen && s.blueGreenDeploymentConfiguration
        ? { blueGreenDeploymentConfiguration: s.blueGreenDeploymentConfiguration }
        : {}),
      ...(s.loadBalancerInfo ? { loadBalancerInfo: s.loadBalancerInfo } : {}),
      fileExistsBehavior: options.fileExistsBehavior ?? 'DISALLOW',
      deploymentStatusMessages: [],
      ...(options.overrideAlarmConfiguration
        ? { overrideAlarmConfiguration: options.overrideAlarmConfiguration }
        : {}),
      alarmConfiguration: options.alarmConfiguration,
      targets: new Map<string, TargetRecord>(),
      overview: emptyOverview(),
      blueAutoScalingGroups: [...s.autoScalingGroups],
      trafficShifted: false,
      ...(options.rollbackOf !== undefined ? { rollbackOf: options.rollbackOf } : {}),
      ...(options.launchedInstances ? { launchedInstances: options.launchedInstances } : {}),
    };
    this.deployments.push(record);
    this.deploymentsById.set(id, record);
    group.lastAttemptedDeploymentId = id;
    const run = new DeploymentRun(this.engine, record);
    this.runs.set(id, run);
    this.active.set(group.deploymentGroupId, run);
    run.start();
    return record;
  }

  private finished(record: DeploymentRecord, end: DeploymentEnd): void {
    this.runs.delete(record.deploymentId);
    if (this.active.get(record.deploymentGroupId)?.record === record)
      this.active.delete(record.deploymentGroupId);
    const group = this.groupById(record.deploymentGroupId);
    if (group && record.status === 'Succeeded') group.lastSuccessfulDeploymentId = record.deploymentId;
    this.completeLaunches(record);
    const rolledBack = group ? this.rollBackIfAsked(record, group, end) : false;
    // [I] A green fleet that never took traffic is of no use once the deployment is over.
    const green = record.greenAutoScalingGroup;
    if (
      !rolledBack &&
      record.status !== 'Succeeded' &&
      record.rollbackOf === undefined &&
      green !== undefined &&
      !record.trafficShifted
    ) {
      if (this.deps.autoscaling.get(green)) this.deps.autoscaling.delete(green);
    }
    if (group) this.schedulePump(group.deploymentGroupId);
  }

  private rollBackIfAsked(
    record: DeploymentRecord,
    group: DeploymentGroupRecord,
    end: DeploymentEnd,
  ): boolean {
    // [I] Rollbacks and automatic deployments are not rolled back themselves.
    if (record.status === 'Succeeded' || record.creator !== 'user') return false;
    const config = record.autoRollbackConfiguration;
    const wanted =
      end.rollbackRequested ??
      (config.enabled === true && end.trigger !== undefined && (config.events ?? []).includes(end.trigger));
    if (!wanted) return false;
    const lastGood = this.deploymentsById.get(group.lastSuccessfulDeploymentId ?? '');
    if (!lastGood) {
      record.rollbackInfo = {
        rollbackMessage: `Automatic rollback was not performed because deployment group ${group.deploymentGroupName} has no previous successful deployment to roll back to.`,
      };
      return false;
    }
    const blueGreen = record.deploymentStyle.deploymentType === 'BLUE_GREEN';
    const rollback = this.newDeployment(group, {
      creator: 'codeDeployRollback',
      revision: lastGood.revision,
      deploymentConfigName: record.deploymentConfigName,
      autoRollbackConfiguration: record.autoRollbackConfiguration,
      alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      ignoreApplicationStopFailures: record.ignoreApplicationStopFailures,
      fileExistsBehavior: record.fileExistsBehavior,
      rollbackInfo: { rollbackTriggeringDeploymentId: record.deploymentId },
      deploymentStyle: record.deploymentStyle,
      ...(blueGreen ? { rollbackOf: record.deploymentId } : {}),
    });
    record.rollbackInfo = { rollbackDeploymentId: rollback.deploymentId };
    return true;
  }

  /**
   * The launch hook held an instance in Pending:Wait. How it is deployed:
   * - launched into the green ASG of a running blue/green deployment while the green fleet is still
   *   forming (before its install starts): it joins the green fleet, so the hook continues at once;
   * - launched into the green ASG later, or into any ASG of a group with an active deployment
   *   (including the ORIGINAL ASG after the copy was made): it is in neither fleet of the running
   *   deployment. It waits; when that deployment ends, it gets an automatic deployment of the last
   *   successful revision if its ASG is then the group's, otherwise (blue ASG replaced by green) it
   *   is let through undeployed — the "undeployed instance" a verifier must catch;
   * - launched into a group's ASG with no deployment running: an automatic deployment right away.
   */
  private launchHeld(groupName: string, hookName: string, instanceId: string): void {
    if (!hookName.startsWith(launchHookPrefix)) return;
    for (const run of this.active.values()) {
      if (run.record.greenAutoScalingGroup !== groupName) continue;
      if (run.acceptsGreenLaunch()) {
        this.completeLaunch({ groupName, hookName, instanceId }, 'CONTINUE');
      } else {
        this.hold(run.record.deploymentGroupId, { groupName, hookName, instanceId });
      }
      return;
    }
    const group = [...this.groups.values()].find((g) => g.launchHookName === hookName);
    // Another region's or a deleted group's hook: not this model's to answer.
    if (!group) return;
    this.hold(group.deploymentGroupId, { groupName, hookName, instanceId });
    this.schedulePump(group.deploymentGroupId);
  }

  private hold(groupId: string, launch: HeldLaunch): void {
    const held = this.heldLaunches.get(groupId) ?? [];
    held.push(launch);
    this.heldLaunches.set(groupId, held);
  }

  /** Launches that arrive together go into one automatic deployment, a (scaled) second later. */
  private schedulePump(groupId: string): void {
    if (this.pumpScheduled.has(groupId) || !this.heldLaunches.get(groupId)?.length) return;
    this.pumpScheduled.add(groupId);
    this.deps.scheduler.after(1_000, () => {
      this.pumpScheduled.delete(groupId);
      this.deployHeldLaunches(groupId);
    });
  }

  private deployHeldLaunches(groupId: string): void {
    if (this.active.has(groupId)) return;
    const held = this.heldLaunches.get(groupId) ?? [];
    this.heldLaunches.delete(groupId);
    const group = this.groupById(groupId);
    const lastGood = group ? this.deploymentsById.get(group.lastSuccessfulDeploymentId ?? '') : undefined;
    const toDeploy = new Map<string, { groupName: string; hookName: string }>();
    for (const launch of held) {
      if (!isLive(this.deps.ec2, launch.instanceId)) continue;
      if (group && lastGood && group.settings.autoScalingGroups.includes(launch.groupName)) {
        toDeploy.set(launch.instanceId, { groupName: launch.groupName, hookName: launch.hookName });
      } else {
        // [I] Nothing to deploy (no successful revision yet, or the ASG left the group): let it start as launched.
        this.completeLaunch(launch, 'CONTINUE');
      }
    }
    if (!group || !lastGood || toDeploy.size === 0) return;
    this.newDeployment(group, {
      creator: 'autoscaling',
      revision: lastGood.revision,
      deploymentConfigName: group.settings.deploymentConfigName,
      autoRollbackConfiguration: group.settings.autoRollbackConfiguration,
      alarmConfiguration: group.settings.alarmConfiguration,
      // [I] The ASG registers its instances with the target groups itself, so the automatic
      // deployment only installs.
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      launchedInstances: toDeploy,
    });
  }

  private completeLaunches(record: DeploymentRecord): void {
    for (const [instanceId, launch] of record.launchedInstances ?? []) {
      const target = record.targets.get(instanceId);
      this.completeLaunch({ ...launch, instanceId }, target?.status === 'Succeeded' ? 'CONTINUE' : 'ABANDON');
    }
  }

  private completeLaunch(launch: HeldLaunch, result: 'CONTINUE' | 'ABANDON'): void {
    if (!this.deps.autoscaling.get(launch.groupName)) return;
    try {
      this.deps.autoscaling.completeLifecycleAction(
        launch.groupName,
        launch.hookName,
        launch.instanceId,
        result,
      );
    } catch {
      // The instance left the group (terminated, or its group went away) before its hook was answered.
    }
  }

  private agentDeployment(record: DeploymentRecord): AgentDeployment {
    const mostRecent = record.rollbackInfo?.rollbackTriggeringDeploymentId;
    const triggering = mostRecent === undefined ? undefined : this.deploymentsById.get(mostRecent);
    return {
      deploymentId: record.deploymentId,
      applicationName: record.applicationName,
      deploymentGroupName: record.deploymentGroupName,
      deploymentGroupId: record.deploymentGroupId,
      creator: record.creator,
      deploymentType: record.deploymentStyle.deploymentType ?? 'IN_PLACE',
      revision: record.revision,
      ...(record.previousRevision ? { lastSuccessfulRevision: record.previousRevision } : {}),
      ...(triggering ? { mostRecentRevision: triggering.revision } : {}),
      ignoreApplicationStopFailures: record.ignoreApplicationStopFailures,
      fileExistsBehavior: record.fileExistsBehavior,
    };
  }

  // ---- lookups ------------------------------------------------------------------------------------

  private groupInfo(group: DeploymentGroupRecord): object {
    return views.deploymentGroupInfo(group, (id) =>
      id === undefined ? undefined : this.deploymentsById.get(id),
    );
  }

  private groupById(id: string): DeploymentGroupRecord | undefined {
    for (const group of this.groups.values()) if (group.deploymentGroupId === id) return group;
    return undefined;
  }

  private removeGroup(group: DeploymentGroupRecord): void {
    for (const asg of group.settings.autoScalingGroups) removeLaunchHook(this.deps.autoscaling, asg, group);
    this.groups.delete(groupKey(group.applicationName, group.deploymentGroupName));
  }

  private requireApplication(name: unknown): ApplicationRecord {
    const valid = requireName(name, errors.applicationNameRequired, errors.invalidApplicationName);
    const app = this.applications.get(valid);
    if (!app) throw errors.applicationDoesNotExist(valid);
    return app;
  }

  private requireGroup(appName: unknown, groupName: unknown): DeploymentGroupRecord {
    const app = this.requireApplication(appName);
    const name = requireName(
      groupName,
      errors.deploymentGroupNameRequired,
      errors.invalidDeploymentGroupName,
    );
    const group = this.groups.get(groupKey(app.applicationName, name));
    if (!group) throw errors.deploymentGroupDoesNotExist(name);
    return group;
  }

  private requireConfig(name: string): DeploymentConfigRecord {
    const config = this.configs.get(name);
    if (!config) throw errors.deploymentConfigDoesNotExist(name);
    return config;
  }

  private requireDeployment(id: unknown): DeploymentRecord {
    if (id === undefined || id === null || id === '') throw errors.deploymentIdRequired();
    if (typeof id !== 'string' || !isDeploymentId(id)) throw errors.invalidDeploymentId(describe(id));
    const d = this.deploymentsById.get(id);
    if (!d) throw errors.deploymentDoesNotExist(id);
    return d;
  }

  private requireStartedDeployment(id: unknown): DeploymentRecord {
    const d = this.requireDeployment(id);
    if (d.status === 'Created' || d.status === 'Queued') throw errors.deploymentNotStarted(d.deploymentId);
    return d;
  }

  private targetIds(
    d: DeploymentRecord,
    statuses: readonly string[] | undefined,
    labels: readonly string[] | undefined,
  ): string[] {
    const ids: string[] = [];
    for (const t of d.targets.values()) {
      if (statuses && !statuses.includes(t.status)) continue;
      if (labels && (t.label === undefined || !labels.includes(t.label))) continue;
      ids.push(t.instanceId);
    }
    return ids;
  }

  private target(d: DeploymentRecord, id: string): object {
    if (typeof id !== 'string' || id === '') throw errors.invalidDeploymentTargetId(describe(id));
    const t = d.targets.get(id);
    if (!t) throw errors.deploymentTargetDoesNotExist(id, d.deploymentId);
    return views.deploymentTarget(d, t, this.deps.region, this.deps.accountId);
  }

  private taggable(arn: unknown): { tags: Tag[] } {
    if (arn === undefined || arn === null || arn === '') throw errors.resourceArnRequired();
    if (typeof arn !== 'string') throw errors.invalidArn(describe(arn));
    const match = /^arn:aws[a-z-]*:codedeploy:([^:]*):(\d{12}):([a-z]+):(.+)$/.exec(arn);
    if (!match) throw errors.invalidArn(arn);
    const [, , , type, rest = ''] = match;
    // A malformed name inside the ARN makes the ARN invalid: the tag operations list no name errors.
    if (type === 'application') {
      if (!namePattern.test(rest)) throw errors.invalidArn(arn);
      return this.requireApplication(rest);
    }
    if (type === 'deploymentgroup') {
      const slash = rest.indexOf('/');
      const [app, group] = [rest.slice(0, slash), rest.slice(slash + 1)];
      if (slash < 0 || !namePattern.test(app) || !namePattern.test(group)) throw errors.invalidArn(arn);
      return this.requireGroup(app, group);
    }
    throw errors.arnNotSupported(arn);
  }
}

function groupKey(app: string, group: string): string {
  return `${app}/${group}`;
}

function next(token: string | undefined): { nextToken?: string } {
  return token === undefined ? {} : { nextToken: token };
}

function requireName(value: unknown, required: () => Error, invalid: (name: string) => Error): string {
  if (value === undefined || value === null || value === '') throw required();
  if (typeof value !== 'string' || !namePattern.test(value)) throw invalid(describe(value));
  return value;
}

function isDeploymentId(id: string): boolean {
  return /^d-[A-Z0-9]{9}$/.test(id);
}

function instanceIdOf(idOrArn: string): string {
  const slash = idOrArn.lastIndexOf('/');
  return idOrArn.startsWith('arn:') && slash >= 0 ? idOrArn.slice(slash + 1) : idOrArn;
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value * 1000);
  return new Date(String(value));
}

function validRevision(value: unknown): Revision {
  if (value === undefined || value === null) throw errors.revisionRequired();
  const revision = value as {
    revisionType?: string;
    s3Location?: { bucket?: string; key?: string; bundleType?: string; version?: string; eTag?: string };
    gitHubLocation?: { repository?: string; commitId?: string };
  };
  if (revision.revisionType === 'S3') {
    const s3 = revision.s3Location;
    if (!s3?.bucket || !s3.key)
      throw errors.invalidRevision('An S3 revision needs s3Location with a bucket and a key.');
    if (s3.bundleType !== undefined && !['tar', 'tgz', 'zip'].includes(s3.bundleType)) {
      throw errors.invalidRevision(
        `Invalid bundle type ${s3.bundleType} for an EC2/On-premises deployment; use tar, tgz or zip.`,
      );
    }
    return {
      revisionType: 'S3',
      s3Location: {
        bucket: s3.bucket,
        key: s3.key,
        ...(s3.bundleType !== undefined ? { bundleType: s3.bundleType } : {}),
        ...(s3.version !== undefined ? { version: s3.version } : {}),
        ...(s3.eTag !== undefined ? { eTag: s3.eTag } : {}),
      },
    };
  }
  if (revision.revisionType === 'GitHub') {
    const gh = revision.gitHubLocation;
    if (!gh?.repository || !/^[^/\s]+\/[^/\s]+$/.test(gh.repository)) {
      throw errors.invalidRevision('A GitHub revision needs gitHubLocation.repository as owner/repository.');
    }
    if (!gh.commitId || !/^[0-9a-f]{40}$/i.test(gh.commitId)) {
      throw errors.invalidRevision(
        'A GitHub revision needs gitHubLocation.commitId, a full 40-character commit SHA.',
      );
    }
    return { revisionType: 'GitHub', gitHubLocation: { repository: gh.repository, commitId: gh.commitId } };
  }
  if (revision.revisionType === undefined)
    throw errors.invalidRevision('The revision type was not specified.');
  throw errors.invalidRevision(
    `Revision type ${revision.revisionType} is not supported for EC2/On-premises deployments; use S3 or GitHub.`,
  );
}

export type { DeploymentStatus };

function computePlatformOf(value: unknown): 'Server' | 'Lambda' | 'ECS' {
  if (value === undefined || value === null) return 'Server';
  if (value === 'Server' || value === 'Lambda' || value === 'ECS') return value;
  throw errors.invalidComputePlatform(describe(value));
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
}
