// What a scenario does besides running greenlight: the commands it runs, and the moves the world makes
// through the real AWS APIs (scaling, alarms, registering targets), plus reads of the final state.
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { SetAlarmStateCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import {
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TestCloud } from '../../support/cloud.js';
import { V1, V2, fleetOf, type ScenarioContext } from '../scenario.js';

export const POLL = ['--poll', '15s'];

/** Every instance launched after the first fleet (launches 1–4) serves `version`. */
export const allOf = (version: string) => (n: number) => (n > 4 ? version : undefined);
/** v1 on the first deployment's fleet (launches 5–8), v2 on the second's (9–12). */
export const v1ThenV2 = (n: number) => (fleetOf(n, 4) === 1 ? V1 : fleetOf(n, 4) === 2 ? V2 : undefined);
/** v1 on the first deployment's fleet, v2 on the second's and on every instance launched after it. */
export const v1ThenV2Onward = (n: number) => (fleetOf(n, 4) === 1 ? V1 : fleetOf(n, 4) >= 2 ? V2 : undefined);

export const deployArgs = (revision: string, ...extra: string[]) => [
  'deploy',
  '--env',
  'dev',
  '--revision',
  revision,
  ...POLL,
  '--json',
  ...extra,
];
export const verifyArgs = ['verify', '--env', 'dev', '--json'];
export const rollbackArgs = ['rollback', '--env', 'dev', ...POLL, '--json'];
export const applyArgs = ['group', 'apply', '--env', 'dev', '--json'];
export const waitArgs = (id: string, ...extra: string[]) => ['wait', id, ...POLL, '--json', ...extra];

/** Runs a setup step that must succeed; returns the deployment id it printed. */
export async function mustSucceed(
  ctx: ScenarioContext,
  args: string[],
  env?: Record<string, string>,
): Promise<string> {
  const r = await ctx.cli(args, env);
  if (r.code !== 0) throw new Error(`setup step ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { result: { deploymentId: string } }).result.deploymentId;
}

/** `deploy --no-wait`: the id of the deployment it created. */
export async function startDeploy(
  ctx: ScenarioContext,
  revision: string,
  ...extra: string[]
): Promise<string> {
  return mustSucceed(ctx, deployArgs(revision, '--no-wait', ...extra));
}

export async function deploymentIds(cloud: TestCloud): Promise<string[]> {
  const codedeploy = await cloud.aws.codedeploy();
  const out = await codedeploy.send(
    new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
  );
  return out.deployments ?? [];
}

export async function deployment(cloud: TestCloud, id: string): Promise<DeploymentInfo> {
  const codedeploy = await cloud.aws.codedeploy();
  const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  if (!info) throw new Error(`GetDeployment ${id} returned nothing`);
  return info;
}

/** Waits until the group's newest deployment satisfies `ok`; returns it. */
export async function untilLatest(
  cloud: TestCloud,
  ok: (d: DeploymentInfo) => boolean,
  what: string,
): Promise<DeploymentInfo> {
  const found = await cloud.until(
    async () => {
      const id = (await deploymentIds(cloud))[0];
      return id ? deployment(cloud, id) : undefined;
    },
    (d) => d !== undefined && ok(d),
    what,
  );
  if (!found) throw new Error(`gave up waiting for ${what}`);
  return found;
}

export const greenAsgOf = (deploymentId: string) => `CodeDeploy_web-dev_${deploymentId}`;

export async function asgInstances(cloud: TestCloud, name: string): Promise<{ id: string; state: string }[]> {
  const autoscaling = await cloud.aws.autoscaling();
  const out = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return (out.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => ({
    id: i.InstanceId ?? '',
    state: i.LifecycleState ?? '',
  }));
}

export async function setAlarm(cloud: TestCloud, name: string, state: StateValue, reason: string) {
  const cloudwatch = await cloud.aws.cloudwatch();
  await cloudwatch.send(
    new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }),
  );
}

export interface GroupState {
  readonly autoScalingGroups: string[];
  readonly lastSuccessful?: string;
  readonly lastAttempted?: string;
}

export async function groupState(cloud: TestCloud): Promise<GroupState> {
  const codedeploy = await cloud.aws.codedeploy();
  const info = (
    await codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
    )
  ).deploymentGroupInfo;
  const lastSuccessful = info?.lastSuccessfulDeployment?.deploymentId;
  const lastAttempted = info?.lastAttemptedDeployment?.deploymentId;
  return {
    autoScalingGroups: (info?.autoScalingGroups ?? []).map((a) => a.name ?? ''),
    ...(lastSuccessful ? { lastSuccessful } : {}),
    ...(lastAttempted ? { lastAttempted } : {}),
  };
}

/**
 * The usual final state of a blue/green deployment that CodeDeploy finished: the group follows the
 * deployment's green copy, which runs `instances` InService.
 */
export async function groupFollowsGreen(
  cloud: TestCloud,
  deploymentId: string | undefined,
  instances: number,
): Promise<string[]> {
  if (!deploymentId) return ['the scenario recorded no deployment id'];
  const state = await groupState(cloud);
  const green = greenAsgOf(deploymentId);
  const problems: string[] = [];
  if (state.autoScalingGroups.join() !== green)
    problems.push(`the group's ASGs are [${state.autoScalingGroups.join(', ')}], expected [${green}]`);
  const inService = (await asgInstances(cloud, green)).filter((i) => i.state === 'InService').length;
  if (inService !== instances) problems.push(`${green} has ${inService} InService, expected ${instances}`);
  return problems;
}

/** The group still follows the ASG it had: nothing replaced the original fleet. */
export async function groupStillOn(cloud: TestCloud, asg: string): Promise<string[]> {
  const state = await groupState(cloud);
  return state.autoScalingGroups.join() === asg
    ? []
    : [`the group's ASGs are [${state.autoScalingGroups.join(', ')}], expected [${asg}]`];
}

export async function targetGroupArn(cloud: TestCloud): Promise<string> {
  const elbv2 = await cloud.aws.elbv2();
  const out = await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web-dev-tg'] }));
  return out.TargetGroups?.[0]?.TargetGroupArn ?? '';
}

/** The group's automatic (scale-out) deployments that have ended, in ListDeployments' order. */
export async function endedAutomaticDeployments(cloud: TestCloud): Promise<DeploymentInfo[]> {
  const infos = await Promise.all((await deploymentIds(cloud)).map((id) => deployment(cloud, id)));
  return infos.filter(
    (d) => d.creator === 'autoscaling' && ['Succeeded', 'Failed', 'Stopped'].includes(d.status ?? ''),
  );
}

/** Waits until `count` automatic (scale-out) deployments of the group have ended. */
export async function automaticDeploymentsEnded(cloud: TestCloud, count: number): Promise<void> {
  await cloud.until(
    () => endedAutomaticDeployments(cloud),
    (ended) => ended.length >= count,
    `${count} automatic deployment(s) to end`,
  );
}
