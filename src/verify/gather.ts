import { DescribeAutoScalingGroupsCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  BatchGetDeploymentsCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentGroupInfo,
  type DeploymentInfo,
  type EC2TagFilter,
  type InstanceTarget,
} from '@aws-sdk/client-codedeploy';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsOperationError } from '../aws/errors.js';
import { cancelled, patientRead, plainRead, type AwsRead } from '../aws/patient-read.js';
import type { Clock } from '../clock.js';
import { revisionLabel, sameRevision } from '../codedeploy/deploy.js';
import { getInstanceTargets, listTargetIds } from '../codedeploy/targets.js';
import { UnknownDeploymentError } from '../codedeploy/wait.js';
import type { CapacityRange, HealthCheck } from '../config/environment.js';
import type {
  AlarmFact,
  AsgFact,
  DeploymentFact,
  Facts,
  FollowUpFact,
  HealthAnswer,
  InstanceFact,
  ServedFacts,
  TargetFact,
  TargetGroupFact,
} from './facts.js';
import { askVersion, inBatches } from './served-version.js';

// Gathering the facts: each API asked once, in as few calls as the APIs allow — the targets through
// list pages and batches of 25 (a few in flight), one DescribeTargetHealth per target group, one call
// each for the deployment, its group, the Auto Scaling groups and the alarms. EC2 and the follow-up
// (scale-out) deployments only when the other facts say they are needed.
//
// The fleet is the environment's, not the deployment's: every instance registered in the
// environment's target groups (in any state but `unused`) and every instance of the group's current
// Auto Scaling groups, whatever CodeDeploy's target list says. Every read is patient (throttling is
// weather, aws/patient-read.ts) within one deadline for the whole gathering, and every health probe
// has a total deadline of its own, so a verdict is reached or the reason it was not is said.
//
// The listings page by hand, not with the SDK's paginators (paginateDescribeAlarms …): each page is
// a patient read, retried on its own, and a paginator whose page request throws is finished — asked
// again it reports no more pages, and the rest of the list would be dropped without a word.

export interface VerifyClients {
  readonly codedeploy: CodeDeployClient;
  readonly autoscaling: AutoScalingClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
  readonly cloudwatch: CloudWatchClient;
}

/** The environment a deployment must belong to, and whose target groups make its fleet. */
export interface EnvironmentScope {
  readonly name: string;
  readonly application: string;
  readonly deploymentGroup: string;
  readonly targetGroups: readonly string[];
}

export interface GatherRequest {
  readonly deploymentId: string;
  /** From greenlight.yml: a deployment of another application or group is refused (exit 2). */
  readonly environment?: EnvironmentScope;
  readonly phase?: Facts['phase'];
  /** From greenlight.yml; without it the served version is not checked. */
  readonly health?: HealthCheck;
  readonly expectedCapacity?: CapacityRange;
  /** Alarms greenlight.yml names on top of the group's own. */
  readonly alarms?: readonly string[];
  /** Total time of one request to a health endpoint (connect, headers, body). */
  readonly healthTimeoutMs?: number;
  /**
   * Read the replaced (blue) targets' own lifecycle events for the timeline (default true): one
   * BatchGetDeploymentTargets per 25 of them. The gate's looks, which draw no timeline, leave it out.
   */
  readonly replacedEvents?: boolean;
  /** How long the AWS reads may take in all, throttling included (default 5 minutes). */
  readonly readBudgetMs?: number;
  /** SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}

/** The deployment id names a deployment of another application or group than the environment's. */
export class ForeignDeploymentError extends Error {
  readonly exitCode = 2;
}

/** The deployment's group is gone: there is no environment to judge the deployment against. */
export class GroupGoneError extends Error {
  readonly exitCode = 1;
}

const LEAVING_ASG = /^(Terminat|Detach)/;
const DEFAULT_READ_BUDGET_MS = 5 * 60_000;
const DEFAULT_HEALTH_TIMEOUT_MS = 3_000;
/** Health requests in flight at once. */
const HEALTH_IN_FLIGHT = 16;
/** DescribeInstances filter values per call (EC2 allows 200 values per filter). */
const EC2_IDS_PER_CALL = 200;

export async function gatherFacts(
  request: GatherRequest,
  clients: VerifyClients,
  clock: Clock,
): Promise<Facts> {
  const phase = request.phase ?? 'after-traffic';
  const read = patientRead({
    clock,
    deadline: clock.now() + (request.readBudgetMs ?? DEFAULT_READ_BUDGET_MS),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const info = await getDeployment(read, clients.codedeploy, request.deploymentId);
  const deployment = deploymentFact(info);
  checkBelongs(deployment, request.environment);
  const blueGreen = deployment.deploymentType === 'BLUE_GREEN';
  const rollback = blueGreen && deployment.rollbackOf !== undefined;
  // In CodeDeploy's rollback of a blue/green deployment the original (Blue) instances take traffic back.
  const servingLabel = rollback ? 'Blue' : 'Green';
  const replacedLabel = rollback ? 'Green' : 'Blue';
  const [group, servingIds, replaced] = await Promise.all([
    getGroup(read, clients.codedeploy, deployment),
    listTargetIds(
      clients.codedeploy,
      deployment.deploymentId,
      blueGreen ? { label: [servingLabel] } : undefined,
      read,
    ),
    blueGreen
      ? listTargetIds(clients.codedeploy, deployment.deploymentId, { label: [replacedLabel] }, read)
      : [],
  ]);
  const targetGroupNames = [
    ...new Set([
      ...(request.environment?.targetGroups ?? []),
      ...(info.loadBalancerInfo?.targetGroupInfoList ?? []).flatMap((tg) => (tg.name ? [tg.name] : [])),
      ...(group.loadBalancerInfo?.targetGroupInfoList ?? []).flatMap((tg) => (tg.name ? [tg.name] : [])),
    ]),
  ];
  const asgPlan = asgOf(info, deployment, group);
  const alarmNames = alarmsOf(group, request.alarms ?? []);
  // An in-place deployment goes to the group's tagged instances too: they are part of its fleet.
  const inPlaceFleet = !blueGreen && deployment.creator !== 'autoscaling';
  const [serving, replacedTargets, asg, targetGroups, alarms, tagged] = await Promise.all([
    getInstanceTargets(clients.codedeploy, deployment.deploymentId, servingIds, read).then((ts) =>
      ts.map(targetFact),
    ),
    request.replacedEvents !== false && replaced.length > 0
      ? getInstanceTargets(clients.codedeploy, deployment.deploymentId, replaced, read).then((ts) =>
          ts.map(targetFact),
        )
      : undefined,
    asgPlan.name ? describeAsg(read, clients.autoscaling, asgPlan.name) : undefined,
    describeTargetGroups(read, clients.elbv2, targetGroupNames),
    describeAlarms(read, clients.cloudwatch, alarmNames),
    inPlaceFleet ? describeTagged(read, clients.ec2, group) : undefined,
  ]);
  const trafficMoved = movedTraffic(deployment, serving, phase);

  // The group's current Auto Scaling groups other than the serving one: their instances are part of
  // the environment's fleet (e.g. the group now follows another copy than this deployment's).
  const otherAsgNames =
    phase === 'after-traffic' && trafficMoved
      ? (group.autoScalingGroups ?? []).flatMap((g) => (g.name && g.name !== asgPlan.name ? [g.name] : []))
      : [];
  const otherAsgs = await Promise.all(
    otherAsgNames.map((name) => describeAsg(read, clients.autoscaling, name)),
  );

  const targetSet = new Set(serving.map((t) => t.instanceId));
  const replacedSet = new Set(replaced);
  const liveMembers = (g: AsgFact | undefined) =>
    g?.found ? g.instances.filter((i) => !LEAVING_ASG.test(i.lifecycleState)).map((i) => i.instanceId) : [];
  const members = liveMembers(asg);
  // Registered instances that are neither serving nor blue: strangers until a deployment says otherwise.
  const registered = targetGroups.flatMap((tg) =>
    tg.found ? tg.targets.filter((t) => t.state !== 'unused').map((t) => t.instanceId) : [],
  );
  const strangers = [
    ...new Set([
      ...members,
      ...otherAsgs.flatMap(liveMembers),
      ...(phase === 'after-traffic' ? registered : []),
      ...(tagged?.instanceIds ?? []),
    ]),
  ].filter((id) => !targetSet.has(id) && !replacedSet.has(id));
  // In place the judged deployment's own instances may have been deployed again since (the next
  // release, a rollback): what they run is the newest deployment that reached them, not this one.
  const inPlaceAfter = inPlaceFleet && phase === 'after-traffic' && serving.length > 0;
  const afterwards =
    (strangers.length > 0 && phase === 'after-traffic') || inPlaceAfter
      ? await deploymentsSince(read, clients.codedeploy, info)
      : [];
  const followUps =
    strangers.length > 0 && phase === 'after-traffic'
      ? await reaching(
          read,
          clients.codedeploy,
          info,
          afterwards.filter((d) => d.creator === 'autoscaling'),
          strangers,
        )
      : [];
  const later = inPlaceAfter
    ? await reaching(read, clients.codedeploy, info, afterwards, [...targetSet])
    : undefined;

  // EC2 only where needed: blue instances (terminated or kept alive?), deployed instances that left
  // their group, strangers (which group launched them?) and the addresses of the instances asked.
  const memberSet = new Set(members);
  const probeIds = [
    ...new Set([...serving.map((t) => t.instanceId), ...(phase === 'after-traffic' ? strangers : [])]),
  ];
  const probing = servedPlan(request, deployment, phase);
  const ec2Ids = new Set<string>(strangers);
  if (blueGreen && !rollback && phase === 'after-traffic') for (const id of replaced) ec2Ids.add(id);
  if (asg?.found) for (const t of serving) if (!memberSet.has(t.instanceId)) ec2Ids.add(t.instanceId);
  if (probing.kind === 'probe') for (const id of probeIds) ec2Ids.add(id);
  const instances = ec2Ids.size > 0 ? await describeInstances(read, clients.ec2, [...ec2Ids]) : {};

  const served: ServedFacts =
    probing.kind === 'skip'
      ? { mode: 'skipped', reason: probing.reason }
      : await askServedVersions(
          probing,
          probeIds,
          instances,
          phase,
          request.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
          request.signal,
        );
  if (request.signal?.aborted) throw cancelled(request.signal);

  return {
    deployment,
    serving,
    replaced,
    ...(replacedTargets ? { replacedTargets } : {}),
    ...(asg ? { asg } : { asgAbsentReason: asgPlan.reason }),
    otherAsgs,
    ...(tagged ? { tagged } : {}),
    targetGroups,
    instances,
    alarms,
    ignoreAlarmFailure: Boolean(group.alarmConfiguration?.ignorePollAlarmFailure),
    served,
    followUps,
    ...(later ? { later } : {}),
    ...(request.expectedCapacity ? { expectedCapacity: request.expectedCapacity } : {}),
    phase,
    trafficMoved,
    gatheredAt: new Date(clock.now()).toISOString(),
  };
}

/** Refuses (exit 2) a deployment id of another application or group than the environment's. */
export async function checkBelongsTo(
  codedeploy: CodeDeployClient,
  deploymentId: string,
  env: EnvironmentScope,
): Promise<void> {
  const info = await getDeployment(plainRead, codedeploy, deploymentId);
  checkBelongs(deploymentFact(info), env);
}

function checkBelongs(d: DeploymentFact, env: EnvironmentScope | undefined): void {
  if (!env) return;
  if (d.application === env.application && d.deploymentGroup === env.deploymentGroup) return;
  throw new ForeignDeploymentError(
    `deployment ${d.deploymentId} belongs to ${d.application}/${d.deploymentGroup}, not to ${env.application}/${env.deploymentGroup} (environment ${env.name}); ` +
      `check the id, or pass the --env whose group it is`,
  );
}

/**
 * Whether traffic moved to the serving fleet. A blue/green deployment that failed or was stopped
 * before AllowTraffic never moved it: the original fleet still serves, and holding its instances to
 * "deregistered" or "terminated" would be a false failure.
 */
function movedTraffic(d: DeploymentFact, serving: readonly TargetFact[], phase: Facts['phase']): boolean {
  if (phase === 'before-traffic') return false;
  if (d.deploymentType !== 'BLUE_GREEN' || !d.withTrafficControl) return true;
  if (d.status === 'Succeeded' || d.instanceTerminationWaitStarted) return true;
  return serving.some((t) =>
    t.events.some(
      // AllowTraffic ran (or runs) on some green instance; Pending or Skipped means it never did.
      (e) =>
        (e.name === 'AllowTraffic' || e.name === 'AfterAllowTraffic') &&
        (e.status === 'Succeeded' || e.status === 'Failed' || e.status === 'InProgress'),
    ),
  );
}

async function getDeployment(
  read: AwsRead,
  codedeploy: CodeDeployClient,
  id: string,
): Promise<DeploymentInfo> {
  try {
    const out = await read('GetDeployment', id, (abortSignal) =>
      codedeploy.send(new GetDeploymentCommand({ deploymentId: id }), { abortSignal }),
    );
    if (!out.deploymentInfo) throw new Error(`GetDeployment ${id} returned no deploymentInfo`);
    return out.deploymentInfo;
  } catch (error) {
    if (error instanceof AwsOperationError && error.errorClass === 'not-found') {
      throw new UnknownDeploymentError(
        `deployment ${id} does not exist (${(error.cause as Error).message}); check the id and --region`,
      );
    }
    throw error;
  }
}

/**
 * The deployment's group, which must exist: its alarms, target groups and current Auto Scaling
 * groups are half the verdict, and a group that cannot be read must never read as "no alarms".
 */
async function getGroup(
  read: AwsRead,
  codedeploy: CodeDeployClient,
  d: DeploymentFact,
): Promise<DeploymentGroupInfo> {
  const name = `${d.application}/${d.deploymentGroup}`;
  try {
    const out = await read('GetDeploymentGroup', name, (abortSignal) =>
      codedeploy.send(
        new GetDeploymentGroupCommand({
          applicationName: d.application,
          deploymentGroupName: d.deploymentGroup,
        }),
        { abortSignal },
      ),
    );
    if (!out.deploymentGroupInfo)
      throw new Error(`GetDeploymentGroup ${name} returned no deploymentGroupInfo`);
    return out.deploymentGroupInfo;
  } catch (error) {
    if (error instanceof AwsOperationError && error.errorClass === 'not-found') {
      throw new GroupGoneError(
        `deployment group ${name} of ${d.deploymentId} does not exist (${error.code}): its alarms, target groups and Auto Scaling groups cannot be read, so the deployment cannot be verified`,
      );
    }
    throw error;
  }
}

/** The commit a revision deploys: a GitHub commit, or a 40-hex name in an S3 key (`web/<sha>.zip`). */
export function commitOf(info: Pick<DeploymentInfo, 'revision'>): string | undefined {
  const r = info.revision;
  if (r?.revisionType === 'GitHub') return r.gitHubLocation?.commitId;
  if (r?.revisionType === 'S3')
    return /(?:^|[/_-])([0-9a-f]{40})(?:\.|$)/i.exec(r.s3Location?.key ?? '')?.[1];
  return undefined;
}

export function deploymentFact(info: DeploymentInfo): DeploymentFact {
  const bg = info.blueGreenDeploymentConfiguration;
  const style = info.deploymentStyle;
  const terminate = bg?.terminateBlueInstancesOnDeploymentSuccess;
  const commit = commitOf(info);
  const createTime = info.createTime?.toISOString();
  const startTime = info.startTime?.toISOString();
  const completeTime = info.completeTime?.toISOString();
  const rollbackOf =
    info.creator === 'codeDeployRollback' ? info.rollbackInfo?.rollbackTriggeringDeploymentId : undefined;
  return {
    deploymentId: info.deploymentId ?? '?',
    application: info.applicationName ?? '?',
    deploymentGroup: info.deploymentGroupName ?? '?',
    status: info.status ?? 'Unknown',
    creator: info.creator ?? 'user',
    revision: revisionLabel(info.revision),
    ...(commit ? { expectedVersion: commit } : {}),
    deploymentType: style?.deploymentType === 'BLUE_GREEN' ? 'BLUE_GREEN' : 'IN_PLACE',
    withTrafficControl: style?.deploymentOption === 'WITH_TRAFFIC_CONTROL',
    ...(bg?.greenFleetProvisioningOption?.action
      ? { greenFleet: bg.greenFleetProvisioningOption.action }
      : {}),
    ...(bg?.deploymentReadyOption?.actionOnTimeout
      ? { ready: bg.deploymentReadyOption.actionOnTimeout }
      : {}),
    ...(terminate?.action
      ? {
          terminateBlue: {
            action: terminate.action,
            waitMinutes: terminate.terminationWaitTimeInMinutes ?? 0,
          },
        }
      : {}),
    ...(rollbackOf ? { rollbackOf } : {}),
    ...(info.errorInformation?.code ? { errorCode: info.errorInformation.code } : {}),
    ...(info.errorInformation?.message ? { errorMessage: info.errorInformation.message } : {}),
    instanceTerminationWaitStarted: Boolean(info.instanceTerminationWaitTimeStarted),
    ...(createTime ? { createTime } : {}),
    ...(startTime ? { startTime } : {}),
    ...(completeTime ? { completeTime } : {}),
  };
}

export function targetFact(t: InstanceTarget): TargetFact {
  return {
    instanceId: t.targetId ?? '?',
    ...(t.instanceLabel === 'Blue' || t.instanceLabel === 'Green' ? { label: t.instanceLabel } : {}),
    status: t.status ?? 'Unknown',
    events: (t.lifecycleEvents ?? []).map((e) => ({
      name: e.lifecycleEventName ?? '?',
      status: e.status ?? 'Unknown',
      ...(e.diagnostics?.errorCode ? { errorCode: e.diagnostics.errorCode } : {}),
      ...(e.diagnostics?.scriptName ? { scriptName: e.diagnostics.scriptName } : {}),
      ...(e.diagnostics?.message ? { message: e.diagnostics.message } : {}),
      ...(e.diagnostics?.logTail ? { logTail: e.diagnostics.logTail } : {}),
      ...(e.startTime ? { startTime: e.startTime.toISOString() } : {}),
      ...(e.endTime ? { endTime: e.endTime.toISOString() } : {}),
    })),
  };
}

/** Which Auto Scaling group the serving fleet lives in, or why there is none to compare with. */
function asgOf(
  info: DeploymentInfo,
  d: DeploymentFact,
  group: DeploymentGroupInfo | undefined,
): { name?: string; reason: string } {
  const groupAsgs = (group?.autoScalingGroups ?? []).flatMap((g) => (g.name ? [g.name] : []));
  if (d.creator === 'autoscaling') {
    return { reason: 'an automatic (scale-out) deployment installs only the instances that launched' };
  }
  if (d.deploymentType === 'BLUE_GREEN' && d.rollbackOf) {
    // The group keeps its original ASG when the deployment it rolls back never succeeded.
    return groupAsgs.length === 1
      ? { name: groupAsgs[0], reason: '' }
      : { reason: 'the deployment group has no single Auto Scaling group' };
  }
  if (d.deploymentType === 'BLUE_GREEN' && d.greenFleet === 'COPY_AUTO_SCALING_GROUP') {
    return { name: `CodeDeploy_${d.deploymentGroup}_${d.deploymentId}`, reason: '' };
  }
  if (d.deploymentType === 'BLUE_GREEN') {
    const asgs = info.targetInstances?.autoScalingGroups ?? [];
    return asgs.length === 1
      ? { name: asgs[0], reason: '' }
      : { reason: 'DISCOVER_EXISTING picks its green instances by tag, not from one Auto Scaling group' };
  }
  // In place: the group's first Auto Scaling group; the others are read as `otherAsgs`, and every
  // one of them is held to the same counts (rules.ts, capacity).
  return groupAsgs.length > 0
    ? { name: groupAsgs[0], reason: '' }
    : { reason: 'the deployment group has no Auto Scaling group: its instances are found by tag' };
}

function alarmsOf(group: DeploymentGroupInfo | undefined, extra: readonly string[]): string[] {
  const config = group?.alarmConfiguration;
  const own = config?.enabled ? (config.alarms ?? []).flatMap((a) => (a.name ? [a.name] : [])) : [];
  return [...new Set([...own, ...extra])];
}

async function describeAsg(read: AwsRead, autoscaling: AutoScalingClient, name: string): Promise<AsgFact> {
  const out = await read('DescribeAutoScalingGroups', name, (abortSignal) =>
    autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }), {
      abortSignal,
    }),
  );
  const g = out.AutoScalingGroups?.[0];
  if (!g) return { name, found: false };
  return {
    name,
    found: true,
    desiredCapacity: g.DesiredCapacity ?? 0,
    instances: (g.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId ?? '?',
      availabilityZone: i.AvailabilityZone ?? '?',
      lifecycleState: i.LifecycleState ?? 'Unknown',
      healthStatus: i.HealthStatus ?? 'Unknown',
    })),
  };
}

async function describeTargetGroups(
  read: AwsRead,
  elbv2: ElasticLoadBalancingV2Client,
  names: readonly string[],
): Promise<TargetGroupFact[]> {
  if (names.length === 0) return [];
  const arns = new Map<string, string>();
  const lookUp = async (some: readonly string[]) => {
    const out = await read('DescribeTargetGroups', some.join(', '), (abortSignal) =>
      elbv2.send(new DescribeTargetGroupsCommand({ Names: [...some] }), { abortSignal }),
    );
    for (const tg of out.TargetGroups ?? [])
      if (tg.TargetGroupName && tg.TargetGroupArn) arns.set(tg.TargetGroupName, tg.TargetGroupArn);
  };
  try {
    await lookUp(names);
  } catch (error) {
    if (!(error instanceof AwsOperationError && error.errorClass === 'not-found')) throw error;
    // One of them is gone: ask one by one to say which.
    for (const name of names) {
      try {
        await lookUp([name]);
      } catch (inner) {
        if (!(inner instanceof AwsOperationError && inner.errorClass === 'not-found')) throw inner;
      }
    }
  }
  return Promise.all(
    names.map(async (name): Promise<TargetGroupFact> => {
      const arn = arns.get(name);
      if (!arn) return { name, found: false };
      const out = await read('DescribeTargetHealth', name, (abortSignal) =>
        elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }), { abortSignal }),
      );
      return {
        name,
        found: true,
        arn,
        targets: (out.TargetHealthDescriptions ?? []).map((t) => ({
          instanceId: t.Target?.Id ?? '?',
          ...(t.Target?.Port !== undefined ? { port: t.Target.Port } : {}),
          state: t.TargetHealth?.State ?? 'unknown',
          ...(t.TargetHealth?.Reason ? { reason: t.TargetHealth.Reason } : {}),
          ...(t.TargetHealth?.Description ? { description: t.TargetHealth.Description } : {}),
        })),
      };
    }),
  );
}

async function describeAlarms(
  read: AwsRead,
  cloudwatch: CloudWatchClient,
  names: readonly string[],
): Promise<AlarmFact[]> {
  if (names.length === 0) return [];
  const found = new Map<string, AlarmFact>();
  let token: string | undefined;
  do {
    const next = token;
    const out = await read('DescribeAlarms', names.join(', '), (abortSignal) =>
      cloudwatch.send(
        new DescribeAlarmsCommand({
          AlarmNames: [...names],
          // A composite alarm is answered only when asked for; unasked, it would read as missing.
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          MaxRecords: 100,
          ...(next ? { NextToken: next } : {}),
        }),
        { abortSignal },
      ),
    );
    for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
      if (a.AlarmName) {
        found.set(a.AlarmName, {
          name: a.AlarmName,
          ...(a.StateValue ? { state: a.StateValue } : {}),
          ...(a.StateReason ? { reason: a.StateReason } : {}),
        });
      }
    }
    token = out.NextToken;
  } while (token);
  return names.map((name) => found.get(name) ?? { name });
}

async function describeInstances(
  read: AwsRead,
  ec2: EC2Client,
  ids: readonly string[],
): Promise<Record<string, InstanceFact>> {
  const facts: Record<string, InstanceFact> = {};
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += EC2_IDS_PER_CALL) batches.push(ids.slice(i, i + EC2_IDS_PER_CALL));
  await inBatches(batches, 4, async (batch) => {
    let token: string | undefined;
    do {
      const next = token;
      // A filter, not InstanceIds: an id EC2 has forgotten must not fail the whole call.
      const out = await read('DescribeInstances', `${batch.length} instances`, (abortSignal) =>
        ec2.send(
          new DescribeInstancesCommand({
            Filters: [{ Name: 'instance-id', Values: batch }],
            MaxResults: 1000,
            ...(next ? { NextToken: next } : {}),
          }),
          { abortSignal },
        ),
      );
      for (const r of out.Reservations ?? []) {
        for (const i of r.Instances ?? []) {
          if (!i.InstanceId) continue;
          facts[i.InstanceId] = {
            instanceId: i.InstanceId,
            state: i.State?.Name ?? 'unknown',
            ...(i.Placement?.AvailabilityZone ? { availabilityZone: i.Placement.AvailabilityZone } : {}),
            ...(i.PrivateIpAddress ? { privateIpAddress: i.PrivateIpAddress } : {}),
            ...asgTag(i.Tags),
          };
        }
      }
      token = out.NextToken;
    } while (token);
  });
  for (const id of ids) facts[id] ??= { instanceId: id, state: 'missing' };
  return facts;
}

/**
 * The running (or pending) EC2 instances an in-place deployment group's tags pick, as CodeDeploy
 * reads them: `ec2TagFilters` is one OR of its filters; `ec2TagSet` an AND of groups, each an OR of
 * its filters ("Tag groups" in the CodeDeploy User Guide: an instance must match at least one tag in
 * every group). EC2 filters AND their names, so each tag filter is one DescribeInstances.
 */
async function describeTagged(
  read: AwsRead,
  ec2: EC2Client,
  group: DeploymentGroupInfo,
): Promise<Facts['tagged']> {
  const single = group.ec2TagFilters ?? [];
  const groups =
    single.length > 0 ? [single] : (group.ec2TagSet?.ec2TagSetList ?? []).filter((g) => g.length > 0);
  if (groups.length === 0) return undefined;
  const describe = (f: EC2TagFilter) =>
    f.Type === 'KEY_ONLY'
      ? `${f.Key ?? ''}`
      : f.Type === 'VALUE_ONLY'
        ? `=${f.Value ?? ''}`
        : `${f.Key ?? ''}=${f.Value ?? ''}`;
  const filter = groups
    .map((g) => g.map(describe).join(' or '))
    .map((t) => (groups.length > 1 && t.includes(' or ') ? `(${t})` : t))
    .join(' and ');
  let matched: Set<string> | undefined;
  for (const tagGroup of groups) {
    const any = new Set<string>();
    for (const f of tagGroup) for (const id of await instancesWithTag(read, ec2, f)) any.add(id);
    matched = matched ? new Set([...matched].filter((id) => any.has(id))) : any;
  }
  return { filter, instanceIds: [...(matched ?? [])].sort() };
}

async function instancesWithTag(read: AwsRead, ec2: EC2Client, f: EC2TagFilter): Promise<string[]> {
  const tag =
    f.Type === 'KEY_ONLY'
      ? { Name: 'tag-key', Values: [f.Key ?? ''] }
      : f.Type === 'VALUE_ONLY'
        ? { Name: 'tag-value', Values: [f.Value ?? ''] }
        : { Name: `tag:${f.Key ?? ''}`, Values: [f.Value ?? ''] };
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const next = token;
    const out = await read(
      'DescribeInstances',
      `instances tagged ${tag.Name}=${tag.Values.join(',')}`,
      (abortSignal) =>
        ec2.send(
          new DescribeInstancesCommand({
            Filters: [tag, { Name: 'instance-state-name', Values: ['pending', 'running'] }],
            MaxResults: 1000,
            ...(next ? { NextToken: next } : {}),
          }),
          { abortSignal },
        ),
    );
    for (const r of out.Reservations ?? [])
      for (const i of r.Instances ?? []) if (i.InstanceId) ids.push(i.InstanceId);
    token = out.NextToken;
  } while (token);
  return ids;
}

function asgTag(tags: readonly { Key?: string; Value?: string }[] | undefined): {
  autoScalingGroup?: string;
} {
  const value = tags?.find((t) => t.Key === 'aws:autoscaling:groupName')?.Value;
  return value ? { autoScalingGroup: value } : {};
}

/** The group's deployments created after `info` (any creator), oldest first. */
async function deploymentsSince(
  read: AwsRead,
  codedeploy: CodeDeployClient,
  info: DeploymentInfo,
): Promise<DeploymentInfo[]> {
  const group = `${info.applicationName ?? '?'}/${info.deploymentGroupName ?? '?'}`;
  const since = info.createTime;
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const next = token;
    const page = await read('ListDeployments', group, (abortSignal) =>
      codedeploy.send(
        new ListDeploymentsCommand({
          applicationName: info.applicationName,
          deploymentGroupName: info.deploymentGroupName,
          ...(since ? { createTimeRange: { start: since } } : {}),
          ...(next ? { nextToken: next } : {}),
        }),
        { abortSignal },
      ),
    );
    ids.push(...(page.deployments ?? []).filter((id) => id !== info.deploymentId));
    token = page.nextToken;
  } while (token);
  const infos: DeploymentInfo[] = [];
  for (let i = 0; i < ids.length; i += 25) {
    const batch = ids.slice(i, i + 25);
    const out = await read('BatchGetDeployments', group, (abortSignal) =>
      codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: batch }), { abortSignal }),
    );
    infos.push(...(out.deploymentsInfo ?? []));
  }
  return infos
    .filter((d) => !since || (d.createTime?.getTime() ?? 0) >= since.getTime())
    .sort((a, b) => (a.createTime?.getTime() ?? 0) - (b.createTime?.getTime() ?? 0));
}

/** Those of `deployments` that targeted any of `instanceIds`, with those targets. */
async function reaching(
  read: AwsRead,
  codedeploy: CodeDeployClient,
  info: DeploymentInfo,
  deployments: readonly DeploymentInfo[],
  instanceIds: readonly string[],
): Promise<FollowUpFact[]> {
  const wanted = new Set(instanceIds);
  const facts: FollowUpFact[] = [];
  for (const d of deployments) {
    const id = d.deploymentId ?? '?';
    const targetIds = (await listTargetIds(codedeploy, id, undefined, read)).filter((t) => wanted.has(t));
    if (targetIds.length === 0) continue;
    const targets = (await getInstanceTargets(codedeploy, id, targetIds, read)).map(targetFact);
    facts.push({
      deploymentId: id,
      status: d.status ?? 'Unknown',
      creator: d.creator ?? 'user',
      revision: revisionLabel(d.revision),
      sameRevision: sameRevision(d.revision, info.revision),
      targets,
    });
  }
  return facts;
}

type ServedPlan = { kind: 'skip'; reason: string } | { kind: 'probe'; health: HealthCheck };

function servedPlan(request: GatherRequest, d: DeploymentFact, phase: Facts['phase']): ServedPlan {
  const health = request.health;
  if (!health) return { kind: 'skip', reason: 'no environment given (--env): its health check is not known' };
  if (!health.expectVersion)
    return { kind: 'skip', reason: 'greenlight.yml sets health.expectVersion: false' };
  // In place, each instance is asked on its own address; the URL is only the fallback when none
  // answers (and an environment without a load balancer may have none).
  if (!health.url && d.deploymentType !== 'IN_PLACE') {
    return { kind: 'skip', reason: 'greenlight.yml sets no health.url for this environment' };
  }
  if (!d.expectedVersion)
    return { kind: 'skip', reason: `the revision ${d.revision} names no commit to compare with` };
  if (phase === 'before-traffic' || d.status === 'Succeeded' || d.status === 'Ready') {
    return { kind: 'probe', health };
  }
  return { kind: 'skip', reason: `the deployment is ${d.status}: nothing to ask yet` };
}

async function askServedVersions(
  plan: Extract<ServedPlan, { kind: 'probe' }>,
  ids: readonly string[],
  instances: Readonly<Record<string, InstanceFact>>,
  phase: Facts['phase'],
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ServedFacts> {
  const { health } = plan;
  const answers: Record<string, HealthAnswer> = {};
  const probe = { timeoutMs, ...(signal ? { signal } : {}) };
  await inBatches(ids, HEALTH_IN_FLIGHT, async (id) => {
    const ip = instances[id]?.privateIpAddress;
    if (!ip) return;
    answers[id] = await askVersion(`http://${ip}:${health.port}${health.path}`, probe);
  });
  const asked = Object.values(answers);
  const reachable = asked.some((a) => !a.unreachable);
  if (reachable || asked.length === 0) return { mode: 'instances', answers };
  const why = `no instance answered on its private address (${asked[0]?.error ?? 'unreachable'})`;
  if (!health.url) return { mode: 'instances', answers };
  if (phase === 'before-traffic') {
    return {
      mode: 'skipped',
      reason: `${why}; the version is checked through ${health.url} once traffic moves`,
    };
  }
  // Round robin across T targets: 3·T requests see every target with high probability.
  const count = Math.min(3_000, Math.max(10, ids.length * 3));
  const url = health.url;
  const lb = await inBatches(
    Array.from({ length: count }, () => url),
    8,
    (u) => askVersion(u, probe),
  );
  return { mode: 'load-balancer', why, url, answers: lb, targets: ids.length };
}

/** The clients verification talks to, from greenlight's client factory. */
export async function verifyClientsOf(aws: {
  codedeploy(): Promise<CodeDeployClient>;
  autoscaling(): Promise<AutoScalingClient>;
  elbv2(): Promise<ElasticLoadBalancingV2Client>;
  ec2(): Promise<EC2Client>;
  cloudwatch(): Promise<CloudWatchClient>;
}): Promise<VerifyClients> {
  const [codedeploy, autoscaling, elbv2, ec2, cloudwatch] = await Promise.all([
    aws.codedeploy(),
    aws.autoscaling(),
    aws.elbv2(),
    aws.ec2(),
    aws.cloudwatch(),
  ]);
  return { codedeploy, autoscaling, elbv2, ec2, cloudwatch };
}
