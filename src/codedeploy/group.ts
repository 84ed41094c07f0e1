import {
  paginateDescribeAutoScalingGroups,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  BatchGetDeploymentsCommand,
  CreateApplicationCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  GetApplicationCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  UpdateDeploymentGroupCommand,
  type CodeDeployClient,
  type DeploymentConfigInfo,
  type DeploymentGroupInfo,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClientSource } from '../deps.js';
import { AwsOperationError, awsCall, classifyAwsError } from '../aws/errors.js';
import type { EnvironmentConfig, MinimumHealthyHosts } from '../config/environment.js';
import type { Logger } from '../log/events.js';
import {
  copiedAsgDeploymentId,
  desiredGroup,
  diffGroups,
  isCopyOfGroup,
  specFromGroupInfo,
  toCreateInput,
  toUpdateInputs,
  type DeploymentGroupSpec,
  type FieldChange,
} from './group-spec.js';
import { readGroupTags, tagGroup } from './group-tags.js';

export interface GroupClients {
  readonly codedeploy: CodeDeployClient;
  readonly autoscaling: AutoScalingClient;
  /** To check the target groups exist; without it the plan says they were not checked. */
  readonly elbv2?: ElasticLoadBalancingV2Client;
  /** To check the alarms exist; without it the plan says they were not checked. */
  readonly cloudwatch?: CloudWatchClient;
}

/** Every client a plan needs, so that the target groups and alarms are checked too. */
export async function groupClientsOf(aws: AwsClientSource): Promise<Required<GroupClients>> {
  const [codedeploy, autoscaling, elbv2, cloudwatch] = await Promise.all([
    aws.codedeploy(),
    aws.autoscaling(),
    aws.elbv2(),
    aws.cloudwatch(),
  ]);
  return { codedeploy, autoscaling, elbv2, cloudwatch };
}

/**
 * One resource the deployment group refers to, as the plan found it. `missing` is an error of the
 * plan: CodeDeploy would refuse the group, or accept it and fail the first deployment.
 */
export interface ReferenceCheck {
  readonly kind: 'Auto Scaling group' | 'target group' | 'alarm' | 'service role' | 'deployment config';
  readonly name: string;
  readonly status: 'exists' | 'missing' | 'created by apply' | 'not checked';
  /** Why it was not checked. */
  readonly note?: string;
}

/** The deployment group refers to resources that do not exist: nothing is changed (exit 2). */
export class GroupReferencesError extends Error {
  readonly exitCode = 2;
  readonly missing: readonly ReferenceCheck[];
  constructor(missing: readonly ReferenceCheck[], group: string) {
    super(
      `deployment group ${group} refers to what does not exist: ` +
        `${missing.map((m) => `${m.kind} ${m.name}`).join(', ')}; ` +
        'create what is missing (the stack: greenlight sam deploy) or fix greenlight.yml; nothing was changed',
    );
    this.name = 'GroupReferencesError';
    this.missing = missing;
  }
}

/** The plan's errors: what the group refers to that does not exist. */
export function missingReferences(plan: GroupPlan): ReferenceCheck[] {
  return plan.references.filter((r) => r.status === 'missing');
}

export type GroupAction =
  | { readonly action: 'create' }
  | { readonly action: 'update'; readonly changes: FieldChange[] }
  | { readonly action: 'none' };

export interface DeploymentConfigPlan {
  readonly name: string;
  readonly action: 'create' | 'none';
  readonly minimumHealthyHosts: MinimumHealthyHosts;
}

export interface GroupPlan {
  readonly application: { readonly name: string; readonly action: 'create' | 'none' };
  /** Present when the environment asks for a custom deployment config. */
  readonly deploymentConfig?: DeploymentConfigPlan;
  readonly group: GroupAction;
  readonly desired: DeploymentGroupSpec;
  /** Tags greenlight.yml sets that the group does not have (or has with another value). */
  readonly tagsToSet: Readonly<Record<string, string>>;
  /** `CodeDeploy_<group>_*` Auto Scaling groups that no deployment owns. */
  readonly orphans: readonly string[];
  /** What the group refers to (ASG, target groups, alarms, service role, deployment config), checked. */
  readonly references: readonly ReferenceCheck[];
  /** What applying the plan does that a person should know first (a change of deployment style). */
  readonly warnings: readonly string[];
}

export interface ApplyResult {
  readonly plan: GroupPlan;
  readonly changed: boolean;
  readonly deletedOrphans: readonly string[];
}

/** A greenlight.yml that CodeDeploy cannot be brought to: exit 2, with what to change. */
export class GroupConfigConflict extends Error {
  readonly exitCode = 2;
}

const terminal = new Set(['Succeeded', 'Failed', 'Stopped']);

/** Reads what exists and compares it with greenlight.yml. Changes nothing. */
export async function planGroup(env: EnvironmentConfig, clients: GroupClients): Promise<GroupPlan> {
  return (await readAndPlan(env, clients)).plan;
}

/** The plan, and the group as CodeDeploy described it (what an update starts from). */
async function readAndPlan(
  env: EnvironmentConfig,
  clients: GroupClients,
): Promise<{ plan: GroupPlan; current: DeploymentGroupInfo | undefined }> {
  const [applicationExists, config, current, others] = await Promise.all([
    readApplication(env, clients),
    readDeploymentConfig(env, clients),
    readGroup(env, clients),
    checkTargetGroupsAndAlarms(env, clients),
  ]);
  const plan = await buildPlan(env, clients, { applicationExists, config, current });
  const references = [
    ...(await checkAutoScalingGroups(plan.desired.autoScalingGroups, clients)),
    ...others,
    serviceRoleCheck(env),
    await checkDeploymentConfig(env, clients, config),
  ];
  return { plan: { ...plan, references }, current };
}

async function buildPlan(
  env: EnvironmentConfig,
  clients: GroupClients,
  state: {
    applicationExists: boolean;
    config: DeploymentConfigInfo | undefined;
    current: DeploymentGroupInfo | undefined;
  },
): Promise<Omit<GroupPlan, 'references'>> {
  const currentSpec = state.current ? specFromGroupInfo(state.current) : undefined;
  const desired = desiredGroup(env, currentSpec);
  const group: GroupAction = !currentSpec
    ? { action: 'create' }
    : ((changes) =>
        changes.length > 0 ? { action: 'update' as const, changes } : { action: 'none' as const })(
        diffGroups(currentSpec, desired),
      );
  const currentTags = state.current ? await readTags(env, clients) : {};
  const tagsToSet = Object.fromEntries(
    Object.entries(env.tags).filter(([key, value]) => currentTags[key] !== value),
  );
  const orphans = await findOrphans(env, clients, currentSpec?.autoScalingGroups ?? []);
  return {
    application: { name: env.application, action: state.applicationExists ? 'none' : 'create' },
    ...(env.deploymentConfig.kind === 'custom'
      ? {
          deploymentConfig: {
            name: env.deploymentConfig.name,
            action: state.config ? 'none' : 'create',
            minimumHealthyHosts: env.deploymentConfig.minimumHealthyHosts,
          },
        }
      : {}),
    group,
    desired,
    tagsToSet,
    orphans,
    warnings: currentSpec ? styleChangeWarnings(currentSpec, desired) : [],
  };
}

/**
 * CodeDeploy lets an update change a group's deployment style, and greenlight does it when
 * greenlight.yml says so; but what the group deploys to changes with it, which the plan says first.
 */
function styleChangeWarnings(current: DeploymentGroupSpec, desired: DeploymentGroupSpec): string[] {
  if (current.deploymentType === desired.deploymentType) return [];
  const group = desired.deploymentGroupName;
  if (desired.deploymentType === 'IN_PLACE') {
    // After blue/green deployments the instances that serve are in CodeDeploy's copy of the first ASG,
    // which greenlight.yml cannot know by name: an in-place group naming the first ASG would deploy
    // to a group that is gone (or idle) and leave the serving fleet out.
    const copies = current.autoScalingGroups.filter(
      (name) => isCopyOfGroup(name, group) && !desired.autoScalingGroups.includes(name),
    );
    return [
      `the group changes from blue/green to in-place: from now on each deployment installs onto the instances of ${showList(desired.autoScalingGroups)}${desired.ec2Tags.length > 0 ? ' and those with its tags' : ''}, where they are`,
      ...(copies.length > 0
        ? [
            `the group's fleet is now ${copies.join(', ')}, CodeDeploy's copy from its last blue/green deployment, which greenlight.yml does not name: ` +
              'list it under inPlace.autoScalingGroups to go on deploying to the instances that serve',
          ]
        : []),
    ];
  }
  return [
    `the group changes from in-place to blue/green: each deployment copies ${showList(desired.autoScalingGroups)} into a new fleet and moves traffic to it` +
      (current.ec2Tags.length > 0
        ? "; the group's EC2 tags, which named the in-place fleet, are removed"
        : ''),
  ];
}

function showList(names: readonly string[]): string {
  return names.length === 0 ? 'no Auto Scaling group' : names.join(', ');
}

/**
 * Creates what is missing and updates only what differs. Safe to run concurrently: a create that
 * loses a race (`…AlreadyExists`) re-reads and reconciles instead of failing.
 */
export async function applyGroup(
  env: EnvironmentConfig,
  clients: GroupClients,
  logger: Logger,
  options: { dryRun?: boolean; cleanOrphans?: boolean } = {},
): Promise<ApplyResult> {
  const { plan, current: before } = await readAndPlan(env, clients);
  if (options.dryRun) return { plan, changed: false, deletedOrphans: [] };
  // A group that refers to what does not exist is not applied at all: not even the deployment config
  // or the application, which would leave it half applied.
  const missing = missingReferences(plan);
  if (missing.length > 0) throw new GroupReferencesError(missing, groupName(env));
  let changed = false;

  if (plan.application.action === 'create') {
    changed = (await createApplication(env, clients)) || changed;
    step(logger, `application ${env.application}`, 'created');
  }
  if (plan.deploymentConfig?.action === 'create') {
    changed = (await createDeploymentConfig(plan.deploymentConfig, clients)) || changed;
    step(logger, `deployment config ${plan.deploymentConfig.name}`, 'created');
  }

  let action = plan.group;
  let desired = plan.desired;
  let current = before;
  if (action.action === 'create') {
    const created = await createGroup(plan.desired, env, clients);
    if (created) {
      changed = true;
      step(logger, `deployment group ${env.application}/${env.deploymentGroup}`, 'created');
    } else {
      // Someone else created it between our read and our create: reconcile against what they made.
      current = await readGroup(env, clients);
      if (!current)
        throw new Error(
          `deployment group ${env.deploymentGroup} exists and does not: CodeDeploy disagrees with itself`,
        );
      const theirs = specFromGroupInfo(current);
      desired = desiredGroup(env, theirs);
      const changes = diffGroups(theirs, desired);
      action = changes.length > 0 ? { action: 'update', changes } : { action: 'none' };
    }
  }
  if (action.action === 'update' && current) {
    for (const input of toUpdateInputs(desired, current)) {
      await awsCall('UpdateDeploymentGroup', groupName(env), () =>
        clients.codedeploy.send(new UpdateDeploymentGroupCommand(input)),
      );
    }
    changed = true;
    step(
      logger,
      `deployment group ${groupName(env)}`,
      `updated ${action.changes.map((c) => c.field).join(', ')}`,
    );
  }
  if (Object.keys(plan.tagsToSet).length > 0 && plan.group.action !== 'create') {
    await tagGroup(clients.codedeploy, env, plan.tagsToSet);
    changed = true;
    step(logger, `deployment group ${groupName(env)}`, `tagged ${Object.keys(plan.tagsToSet).join(', ')}`);
  }

  const deletedOrphans: string[] = [];
  if (options.cleanOrphans) {
    for (const name of plan.orphans) {
      await awsCall('DeleteAutoScalingGroup', name, () =>
        clients.autoscaling.send(
          new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }),
        ),
      );
      deletedOrphans.push(name);
      step(logger, `orphaned Auto Scaling group ${name}`, 'deleted');
    }
  }
  if (!changed && deletedOrphans.length === 0)
    step(logger, `deployment group ${groupName(env)}`, 'up to date, nothing to do');
  return { plan, changed: changed || deletedOrphans.length > 0, deletedOrphans };
}

function step(logger: Logger, subject: string, detail: string): void {
  logger.emit({ kind: 'step', step: subject, status: 'done', detail });
}

function groupName(env: EnvironmentConfig): string {
  return `${env.application}/${env.deploymentGroup}`;
}

/** Reads a resource; only "does not exist" becomes undefined, every other error is reported as itself. */
async function readOrMissing<T>(
  operation: string,
  resource: string,
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (classifyAwsError(error) === 'not-found') return undefined;
    throw new AwsOperationError(operation, resource, error);
  }
}

/** Creates a resource; "already exists" (a concurrent apply won) is reported as false, not an error. */
async function createOrExisting(
  operation: string,
  resource: string,
  create: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    const code = (error as { name?: string }).name ?? '';
    if (code.endsWith('AlreadyExistsException')) return false;
    throw new AwsOperationError(operation, resource, error);
  }
}

async function readApplication(env: EnvironmentConfig, clients: GroupClients): Promise<boolean> {
  const app = await readOrMissing('GetApplication', env.application, () =>
    clients.codedeploy.send(new GetApplicationCommand({ applicationName: env.application })),
  );
  return app !== undefined;
}

async function readDeploymentConfig(
  env: EnvironmentConfig,
  clients: GroupClients,
): Promise<DeploymentConfigInfo | undefined> {
  const spec = env.deploymentConfig;
  if (spec.kind !== 'custom') return undefined;
  const out = await readOrMissing('GetDeploymentConfig', spec.name, () =>
    clients.codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: spec.name })),
  );
  const info = out?.deploymentConfigInfo;
  const have = info?.minimumHealthyHosts;
  if (
    info &&
    (have?.type !== spec.minimumHealthyHosts.type || have?.value !== spec.minimumHealthyHosts.value)
  ) {
    // CodeDeploy has no UpdateDeploymentConfig: a config is fixed once created.
    throw new GroupConfigConflict(
      `deployment config ${spec.name} exists with minimum healthy hosts ${have?.type ?? '?'} ${have?.value ?? '?'}, ` +
        `but greenlight.yml asks for ${spec.minimumHealthyHosts.type} ${spec.minimumHealthyHosts.value}; ` +
        'CodeDeploy cannot change a deployment config, so give the new one another name in greenlight.yml',
    );
  }
  return info;
}

function readGroup(env: EnvironmentConfig, clients: GroupClients): Promise<DeploymentGroupInfo | undefined> {
  return readDeploymentGroup(clients.codedeploy, env, () => undefined);
}

/**
 * The group as CodeDeploy describes it. What a group that does not exist means is the caller's to say:
 * `whenMissing` gives the answer for it, or throws.
 */
export async function readDeploymentGroup<M>(
  codedeploy: CodeDeployClient,
  group: { readonly application: string; readonly deploymentGroup: string },
  whenMissing: (cause: Error) => M,
): Promise<DeploymentGroupInfo | M | undefined> {
  try {
    const out = await codedeploy.send(
      new GetDeploymentGroupCommand({
        applicationName: group.application,
        deploymentGroupName: group.deploymentGroup,
      }),
    );
    return out.deploymentGroupInfo;
  } catch (error) {
    if (classifyAwsError(error) === 'not-found') return whenMissing(error as Error);
    throw new AwsOperationError('GetDeploymentGroup', `${group.application}/${group.deploymentGroup}`, error);
  }
}

async function readTags(env: EnvironmentConfig, clients: GroupClients): Promise<Record<string, string>> {
  if (Object.keys(env.tags).length === 0) return {};
  return Object.fromEntries(await readGroupTags(clients.codedeploy, env));
}

function createApplication(env: EnvironmentConfig, clients: GroupClients): Promise<boolean> {
  return createOrExisting('CreateApplication', env.application, () =>
    clients.codedeploy.send(
      new CreateApplicationCommand({ applicationName: env.application, computePlatform: 'Server' }),
    ),
  );
}

function createDeploymentConfig(plan: DeploymentConfigPlan, clients: GroupClients): Promise<boolean> {
  return createOrExisting('CreateDeploymentConfig', plan.name, () =>
    clients.codedeploy.send(
      new CreateDeploymentConfigCommand({
        deploymentConfigName: plan.name,
        minimumHealthyHosts: plan.minimumHealthyHosts,
        computePlatform: 'Server',
      }),
    ),
  );
}

function createGroup(
  spec: DeploymentGroupSpec,
  env: EnvironmentConfig,
  clients: GroupClients,
): Promise<boolean> {
  return createOrExisting('CreateDeploymentGroup', groupName(env), () =>
    clients.codedeploy.send(new CreateDeploymentGroupCommand(toCreateInput(spec, env.tags))),
  );
}

/**
 * Leftover copies: `CodeDeploy_<group>_<id>` groups that are neither the deployment group's current
 * ASG nor the green fleet of a deployment still running (a failed or stopped blue/green deployment
 * can leave its copy behind).
 */
async function findOrphans(
  env: EnvironmentConfig,
  clients: GroupClients,
  current: readonly string[],
): Promise<string[]> {
  const copies: { name: string; deploymentId: string }[] = [];
  try {
    for await (const page of paginateDescribeAutoScalingGroups(
      { client: clients.autoscaling, pageSize: 100 },
      {},
    )) {
      for (const asg of page.AutoScalingGroups ?? []) {
        const name = asg.AutoScalingGroupName ?? '';
        const deploymentId = copiedAsgDeploymentId(name, env.deploymentGroup);
        if (deploymentId && !current.includes(name)) copies.push({ name, deploymentId });
      }
    }
  } catch (error) {
    throw new AwsOperationError('DescribeAutoScalingGroups', `CodeDeploy_${env.deploymentGroup}_*`, error);
  }
  if (copies.length === 0) return [];
  const active = new Set<string>();
  for (let i = 0; i < copies.length; i += 25) {
    const ids = copies.slice(i, i + 25).map((c) => c.deploymentId);
    const out = await readOrMissing('BatchGetDeployments', ids.join(','), () =>
      clients.codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: ids })),
    );
    for (const d of out?.deploymentsInfo ?? []) {
      if (d.deploymentId && d.status && !terminal.has(d.status)) active.add(d.deploymentId);
    }
  }
  return copies
    .filter((c) => !active.has(c.deploymentId))
    .map((c) => c.name)
    .sort();
}

async function checkAutoScalingGroups(
  names: readonly string[],
  clients: GroupClients,
): Promise<ReferenceCheck[]> {
  if (names.length === 0) return [];
  const out = await awsCall('DescribeAutoScalingGroups', names.join(','), () =>
    clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...names] })),
  );
  const found = new Set((out.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName));
  return names.map((name) => ({
    kind: 'Auto Scaling group',
    name,
    status: found.has(name) ? 'exists' : 'missing',
  }));
}

async function checkTargetGroupsAndAlarms(
  env: EnvironmentConfig,
  clients: GroupClients,
): Promise<ReferenceCheck[]> {
  const { elbv2, cloudwatch } = clients;
  const targetGroups = env.targetGroups.map(async (name): Promise<ReferenceCheck> => {
    if (!elbv2) return { kind: 'target group', name, status: 'not checked', note: 'no ELBv2 client given' };
    const out = await readOrMissing('DescribeTargetGroups', name, () =>
      elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] })),
    );
    const exists = (out?.TargetGroups ?? []).some((t) => t.TargetGroupName === name);
    return { kind: 'target group', name, status: exists ? 'exists' : 'missing' };
  });
  const alarms = async (): Promise<ReferenceCheck[]> => {
    if (env.alarms.length === 0) return [];
    if (!cloudwatch) {
      return env.alarms.map((name) => ({
        kind: 'alarm',
        name,
        status: 'not checked',
        note: 'no CloudWatch client given',
      }));
    }
    const out = await awsCall('DescribeAlarms', env.alarms.join(','), () =>
      cloudwatch.send(
        new DescribeAlarmsCommand({
          AlarmNames: [...env.alarms],
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          MaxRecords: 100,
        }),
      ),
    );
    const found = new Set((out.MetricAlarms ?? []).map((a) => a.AlarmName));
    for (const alarm of out.CompositeAlarms ?? []) found.add(alarm.AlarmName);
    return env.alarms.map((name) => ({
      kind: 'alarm',
      name,
      status: found.has(name) ? 'exists' : 'missing',
    }));
  };
  const [checkedTargetGroups, checkedAlarms] = await Promise.all([Promise.all(targetGroups), alarms()]);
  return [...checkedTargetGroups, ...checkedAlarms];
}

/**
 * greenlight has no IAM client (and the local cloud no IAM), so the role is not looked up; CodeDeploy
 * itself refuses a role it cannot assume when the group is created or updated.
 */
function serviceRoleCheck(env: EnvironmentConfig): ReferenceCheck {
  return {
    kind: 'service role',
    name: env.serviceRoleArn,
    status: 'not checked',
    note: 'greenlight does not call IAM; CodeDeploy checks the role when it creates or updates the group',
  };
}

async function checkDeploymentConfig(
  env: EnvironmentConfig,
  clients: GroupClients,
  custom: DeploymentConfigInfo | undefined,
): Promise<ReferenceCheck> {
  const spec = env.deploymentConfig;
  if (spec.kind === 'custom') {
    return { kind: 'deployment config', name: spec.name, status: custom ? 'exists' : 'created by apply' };
  }
  const out = await readOrMissing('GetDeploymentConfig', spec.name, () =>
    clients.codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: spec.name })),
  );
  return {
    kind: 'deployment config',
    name: spec.name,
    status: out?.deploymentConfigInfo ? 'exists' : 'missing',
  };
}
