import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeAutoScalingGroupsCommand,
  type DescribeAutoScalingGroupsCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import { ListDeploymentsCommand, type InstanceTarget } from '@aws-sdk/client-codedeploy';
import type { AwsClients } from '../aws/clients.js';
import { AwsOperationError } from '../aws/errors.js';
import { readDeploymentGroup } from '../codedeploy/group.js';
import { getInstanceTargets, listTargetIds } from '../codedeploy/targets.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { PreflightCheck } from './preflight.js';

// Preflight's "agents" check: every instance of the group's current Auto Scaling group has a live
// agent. The blue fleet runs the block-traffic hooks and a dead agent there fails the deployment
// after an hour of waiting (CodeDeploy's "agent was not able to receive the lifecycle event"); found
// here, it is found before anything starts. Where the environment's diagnostics use SSM
// (diagnostics.fetchLogs), SSM says whether each instance's agent answers (PingStatus Online);
// elsewhere the group's history does: an instance no deployment reached, or whose last lifecycle
// event failed because the agent did not take it, is named.

/** How many of the group's newest deployments are read for the instances' last results. */
const HISTORY = 10;
/** DescribeInstanceInformation's InstanceIds filter takes this many values at a time. */
const SSM_FILTER_VALUES = 50;

const NAME = 'agents';

/** CodeDeploy's diagnostic when a lifecycle event never reached the instance's agent. */
const AGENT_UNREACHABLE = /agent was not able to receive|agent is not running|no (running )?agent/i;

export async function checkAgents(env: EnvironmentConfig, aws: AwsClients): Promise<PreflightCheck> {
  const codedeploy = await aws.codedeploy();
  const group = await readDeploymentGroup(codedeploy, env, () => undefined);
  // In place, the fleet is what greenlight.yml names: its groups' instances and those with its tags.
  const asgNames = env.inPlace
    ? [...env.inPlace.autoScalingGroups]
    : (group?.autoScalingGroups?.flatMap((g) => (g.name ? [g.name] : [])) ??
      (env.autoScalingGroup ? [env.autoScalingGroup] : []));
  const tags = Object.entries(env.inPlace?.tags ?? {});
  if (asgNames.length === 0 && tags.length === 0)
    return { name: NAME, status: 'skip', detail: 'the deployment group has no Auto Scaling group yet' };
  const tagged = tags.length > 0 ? await taggedInstances(tags, aws) : [];
  const autoscaling = await aws.autoscaling();
  const described: DescribeAutoScalingGroupsCommandOutput | { AutoScalingGroups?: undefined } =
    asgNames.length === 0
      ? {}
      : await autoscaling
          .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: asgNames }))
          .catch((error: unknown) => {
            throw new AwsOperationError('DescribeAutoScalingGroups', asgNames.join(', '), error);
          });
  const fromGroups = (described.AutoScalingGroups ?? [])
    .flatMap((g) => g.Instances ?? [])
    .filter((i) => !(i.LifecycleState ?? '').startsWith('Terminat'))
    .flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
  const instances = [...new Set([...fromGroups, ...tagged])];
  const fleet = [
    ...asgNames,
    ...(tags.length > 0 ? [`instances tagged ${tags.map(([k, v]) => `${k}=${v}`).join(' and ')}`] : []),
  ].join(', ');
  if (instances.length === 0)
    return { name: NAME, status: 'pass', detail: `${fleet} has no instance to check` };
  return env.diagnostics.fetchLogs
    ? checkBySsm(instances, fleet, aws)
    : checkByHistory(env, instances, fleet, aws);
}

/** Running (or starting) EC2 instances carrying every one of these tags, as CodeDeploy's tag set matches them. */
async function taggedInstances(tags: readonly [string, string][], aws: AwsClients): Promise<string[]> {
  const ec2 = await aws.ec2();
  const filters = [
    ...tags.map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
    { Name: 'instance-state-name', Values: ['pending', 'running'] },
  ];
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await ec2
      .send(new DescribeInstancesCommand({ Filters: filters, ...(token ? { NextToken: token } : {}) }))
      .catch((error: unknown) => {
        throw new AwsOperationError(
          'DescribeInstances',
          tags.map(([k, v]) => `tag:${k}=${v}`).join(', '),
          error,
        );
      });
    for (const reservation of page.Reservations ?? [])
      for (const instance of reservation.Instances ?? [])
        if (instance.InstanceId) ids.push(instance.InstanceId);
    token = page.NextToken;
  } while (token);
  return ids;
}

async function checkBySsm(
  instances: readonly string[],
  fleet: string,
  aws: AwsClients,
): Promise<PreflightCheck> {
  const ssm = await aws.ssm();
  // Imported only for an environment whose diagnostics use SSM.
  const { DescribeInstanceInformationCommand } = await import('@aws-sdk/client-ssm');
  const status = new Map<string, string>();
  for (let i = 0; i < instances.length; i += SSM_FILTER_VALUES) {
    const ids = instances.slice(i, i + SSM_FILTER_VALUES);
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await ssm
        .send(
          new DescribeInstanceInformationCommand({
            Filters: [{ Key: 'InstanceIds', Values: ids }],
            ...(token ? { NextToken: token } : {}),
          }),
        )
        .catch((error: unknown) => {
          throw new AwsOperationError('DescribeInstanceInformation', fleet, error);
        });
      for (const node of page.InstanceInformationList ?? [])
        if (node.InstanceId) status.set(node.InstanceId, node.PingStatus ?? 'unknown');
      nextToken = page.NextToken;
    } while (nextToken);
  }
  const dead = instances.filter((id) => status.get(id) !== 'Online');
  if (dead.length === 0)
    return {
      name: NAME,
      status: 'pass',
      detail: `all ${instances.length} instances of ${fleet} answer SSM (PingStatus Online)`,
    };
  return {
    name: NAME,
    status: 'fail',
    detail: `${dead.length} of ${instances.length} instances of ${fleet} have no live SSM Agent: ${dead
      .map((id) => `${id} (${status.has(id) ? `PingStatus ${status.get(id)}` : 'not registered'})`)
      .join(', ')}`,
    fix: 'start the agents on them (systemctl start amazon-ssm-agent codedeploy-agent) or replace them (aws autoscaling terminate-instance-in-auto-scaling-group); an instance registers only with AmazonSSMManagedInstanceCore on its instance role',
  };
}

async function checkByHistory(
  env: EnvironmentConfig,
  instances: readonly string[],
  fleet: string,
  aws: AwsClients,
): Promise<PreflightCheck> {
  const codedeploy = await aws.codedeploy();
  const name = `${env.application}/${env.deploymentGroup}`;
  const listed = await codedeploy
    .send(
      new ListDeploymentsCommand({
        applicationName: env.application,
        deploymentGroupName: env.deploymentGroup,
        // Only what is over says anything: a deployment in flight (another job's) has not reached
        // its instances yet, or is about to replace them.
        includeOnlyStatuses: ['Succeeded', 'Failed', 'Stopped'],
      }),
    )
    .catch((error: unknown) => {
      throw new AwsOperationError('ListDeployments', name, error);
    });
  const deployments = (listed.deployments ?? []).slice(0, HISTORY);
  if (deployments.length === 0)
    return {
      name: NAME,
      status: 'skip',
      detail: `no deployment of ${name} has ended yet: its history cannot say whether the agents answer (diagnostics.fetchLogs asks SSM instead)`,
    };
  // Each instance's newest target, newest deployment first, until every instance has one.
  const last = new Map<string, { deploymentId: string; target: InstanceTarget }>();
  const wanted = new Set(instances);
  for (const deploymentId of deployments) {
    // (listTargetIds and getInstanceTargets name the operation and the deployment when they fail.)
    const ids = await listTargetIds(codedeploy, deploymentId).catch((error: unknown) => {
      // One created a moment ago (another job's, waiting for its turn) has no targets yet.
      if (error instanceof AwsOperationError && error.code === 'DeploymentNotStartedException') return [];
      throw error;
    });
    const fresh = ids.filter((id) => wanted.has(id) && !last.has(id));
    if (fresh.length > 0) {
      const targets = await getInstanceTargets(codedeploy, deploymentId, fresh);
      for (const target of targets) if (target.targetId) last.set(target.targetId, { deploymentId, target });
    }
    if (last.size === wanted.size) break;
  }
  // An instance no ended deployment reached is unknown, not dead: a warning. Only CodeDeploy's own
  // word that an event never reached the agent fails the check.
  const unknown = instances.filter((id) => !last.has(id));
  const problems = instances.flatMap((id) => {
    const seen = last.get(id);
    if (!seen) return [];
    const failed = (seen.target.lifecycleEvents ?? []).find(
      (e) => e.status === 'Failed' && AGENT_UNREACHABLE.test(e.diagnostics?.message ?? ''),
    );
    return failed
      ? [`${id}: ${failed.lifecycleEventName ?? '?'} of ${seen.deploymentId} never reached its agent`]
      : [];
  });
  if (problems.length === 0 && unknown.length > 0)
    return {
      name: NAME,
      status: 'warn',
      detail: `${unknown.length} of ${instances.length} instances of ${fleet} took part in none of the group's last ${deployments.length} ended deployments (${unknown.join(', ')}): whether their agents answer is not known; diagnostics.fetchLogs has preflight ask SSM`,
    };
  if (problems.length === 0)
    return {
      name: NAME,
      status: 'pass',
      detail: `every instance of ${fleet} took part in a recent deployment with its agent answering`,
    };
  return {
    name: NAME,
    status: 'fail',
    detail: `${problems.length} of ${instances.length} instances of ${fleet} may have no live CodeDeploy agent: ${problems.join('; ')}`,
    fix: 'check the agent on them (systemctl status codedeploy-agent) or replace them (aws autoscaling terminate-instance-in-auto-scaling-group); with diagnostics.fetchLogs, preflight asks SSM instead',
  };
}
