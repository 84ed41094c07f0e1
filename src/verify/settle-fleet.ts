import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { GetDeploymentGroupCommand, type DeploymentInfo } from '@aws-sdk/client-codedeploy';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsCall } from '../aws/errors.js';
import type { Clock } from '../clock.js';
import { getDeployments, listActiveDeploymentIds } from '../codedeploy/deploy.js';
import type { Logger } from '../log/events.js';
import type { VerifyClients } from './gather.js';

// Before an in-place deployment is judged, the fleet is let settle. An instance an Auto Scaling group
// launched while the deployment ran waits in Pending:Wait until it ends, and then CodeDeploy deploys
// the group's last successful revision to it in an automatic deployment ("Under the hood: CodeDeploy
// and Auto Scaling integration", CodeDeploy User Guide: a scale-out during a deployment is deployed
// after it). Judged a moment too early it would read as undeployed; judged after, it reads as what it
// is. A fleet that does not settle within the deadline is judged as it stands (and fails, named).

/** Launching states: the instance is not in service yet and a deployment may still come to it. */
const LAUNCHING = /^Pending/;

export interface SettleFleetDeps {
  readonly clients: Pick<VerifyClients, 'codedeploy' | 'autoscaling' | 'elbv2'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export async function settleInPlaceFleet(
  deployment: DeploymentInfo,
  options: { readonly pollMs: number; readonly withinMs: number; readonly signal?: AbortSignal },
  deps: SettleFleetDeps,
): Promise<void> {
  if (deployment.deploymentStyle?.deploymentType !== 'IN_PLACE' || deployment.creator === 'autoscaling')
    return;
  const application = deployment.applicationName ?? '?';
  const deploymentGroup = deployment.deploymentGroupName ?? '?';
  const name = `${application}/${deploymentGroup}`;
  const { codedeploy, autoscaling } = deps.clients;
  const until = deps.clock.now() + options.withinMs;
  let said = false;
  for (;;) {
    const group = await awsCall('GetDeploymentGroup', name, () =>
      codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: deploymentGroup }),
      ),
    );
    const asgs = (group.deploymentGroupInfo?.autoScalingGroups ?? []).flatMap((g) =>
      g.name ? [g.name] : [],
    );
    const launching: string[] = [];
    if (asgs.length > 0) {
      const out = await awsCall('DescribeAutoScalingGroups', asgs.join(', '), () =>
        autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: asgs })),
      );
      for (const g of out.AutoScalingGroups ?? [])
        for (const i of g.Instances ?? [])
          if (LAUNCHING.test(i.LifecycleState ?? '')) launching.push(i.InstanceId ?? '?');
    }
    // A launched instance the group registered is `initial` until its first health checks pass.
    const registering =
      launching.length === 0 ? await registeringTargets(group.deploymentGroupInfo, deps) : [];
    const ids = await listActiveDeploymentIds(codedeploy, { application, deploymentGroup });
    const automatic = (await getDeployments(codedeploy, name, ids)).filter((d) =>
      (d.creator ?? '').startsWith('autoscaling'),
    );
    if (launching.length === 0 && automatic.length === 0 && registering.length === 0) {
      if (said) deps.logger.emit({ kind: 'step', step: `let ${name}'s fleet settle`, status: 'done' });
      return;
    }
    if (!said) {
      said = true;
      const what = [
        ...(launching.length > 0 ? [`${launching.join(', ')} launching`] : []),
        ...automatic.map((d) => `automatic deployment ${d.deploymentId ?? '?'} ${d.status ?? '?'}`),
        ...(registering.length > 0 ? [`${registering.join(', ')} registering`] : []),
      ].join('; ');
      deps.logger.emit({ kind: 'step', step: `let ${name}'s fleet settle`, status: 'started', detail: what });
    }
    if (deps.clock.now() >= until) {
      deps.logger.emit({
        kind: 'step',
        step: `let ${name}'s fleet settle`,
        status: 'failed',
        detail: 'it did not settle in time; judging it as it stands',
      });
      return;
    }
    await deps.clock.sleep(Math.min(options.pollMs, Math.max(0, until - deps.clock.now())), options.signal);
  }
}

/** Instances whose registration in the group's target groups is still in progress (`initial`). */
async function registeringTargets(
  group:
    | { readonly loadBalancerInfo?: { readonly targetGroupInfoList?: readonly { name?: string }[] } }
    | undefined,
  deps: SettleFleetDeps,
): Promise<string[]> {
  const names = (group?.loadBalancerInfo?.targetGroupInfoList ?? []).flatMap((tg) =>
    tg.name ? [tg.name] : [],
  );
  if (names.length === 0) return [];
  const { elbv2 } = deps.clients;
  const found = await awsCall('DescribeTargetGroups', names.join(', '), () =>
    elbv2.send(new DescribeTargetGroupsCommand({ Names: names })),
  ).catch(() => undefined);
  const ids: string[] = [];
  for (const tg of found?.TargetGroups ?? []) {
    const health = await awsCall('DescribeTargetHealth', tg.TargetGroupName ?? '?', () =>
      elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn })),
    );
    for (const t of health.TargetHealthDescriptions ?? [])
      if (t.TargetHealth?.State === 'initial') ids.push(t.Target?.Id ?? '?');
  }
  return ids;
}
