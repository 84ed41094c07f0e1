// tier: integration
// What CodeDeploy's copy of a group carries over (autoscaling/model.ts, copy: [I], from the calls
// AWSCodeDeployRole grants), and what that does to a blue/green deployment: the original's suspended
// processes, warm pool, Capacity Rebalancing and its own lifecycle hooks are the green group's too;
// a launch hook nobody completes for the copy holds its instances until the hook's default result
// (ABANDON: the green fleet never forms and the deployment fails), and Launch suspended on the
// original launches no green instance at all. Through the SDK, on a manual clock.
import assert from 'node:assert/strict';
import {
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
  PutLifecycleHookCommand,
  PutWarmPoolCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { after, before, describe, it } from 'node:test';
import type { WorldInput } from '../../src/world.js';
import { until } from '../harness.js';
import {
  putRevisions,
  s3Revision,
  serviceRoleArn,
  startCodeDeployCloud,
  type CodeDeployTestCloud,
} from './cloud.js';

const GROUPS = ['carried', 'held', 'stalled'] as const;

/** One fleet per case, each with its own target group and deployment group. */
function world(): WorldInput {
  return {
    region: 'us-east-1',
    launchTemplates: [{ name: 'web' }],
    targetGroups: GROUPS.map((name) => ({
      name: `${name}-tg`,
      port: 8000,
      healthCheck: { path: '/healthcheck', healthyThreshold: 2 },
    })),
    loadBalancers: GROUPS.map((name) => ({
      name: `${name}-alb`,
      listeners: [{ port: 0, targetGroup: `${name}-tg` }],
    })),
    autoScalingGroups: GROUPS.map((name) => ({
      name: `${name}-asg`,
      instances: 2,
      maxSize: 10,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      targetGroups: [`${name}-tg`],
      launchTemplate: 'web',
    })),
    buckets: ['web-revisions'],
  };
}

const terminal = (d: DeploymentInfo | undefined) =>
  ['Succeeded', 'Failed', 'Stopped'].includes(d?.status ?? '');

describe("CodeDeploy's copy of a group, and what it carries", () => {
  let tc: CodeDeployTestCloud;
  before(async () => {
    tc = await startCodeDeployCloud({ world: world() });
    await putRevisions(tc, 'web/v1.zip');
    await tc.codedeploy.send(new CreateApplicationCommand({ applicationName: 'web' }));
    for (const name of GROUPS) {
      await tc.codedeploy.send(
        new CreateDeploymentGroupCommand({
          applicationName: 'web',
          deploymentGroupName: name,
          serviceRoleArn,
          deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
          autoScalingGroups: [`${name}-asg`],
          deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
          blueGreenDeploymentConfiguration: {
            greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
            deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
            terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' },
          },
          loadBalancerInfo: { targetGroupInfoList: [{ name: `${name}-tg` }] },
        }),
      );
    }
  });
  after(() => tc.close());

  async function deploy(group: string): Promise<{ id: string; info: DeploymentInfo | undefined }> {
    const { deploymentId = '' } = await tc.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: group,
        revision: s3Revision('web/v1.zip'),
      }),
    );
    const info = await until(
      async () => (await tc.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo,
      terminal,
      `the deployment of ${group} to end`,
    );
    return { id: deploymentId, info };
  }

  const foreignHook = (group: string, defaultResult: 'CONTINUE' | 'ABANDON') =>
    tc.autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: `${group}-asg`,
        LifecycleHookName: 'warm-the-cache',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        HeartbeatTimeout: 60,
        DefaultResult: defaultResult,
      }),
    );

  it('the copy has the original’s suspended processes, warm pool, Capacity Rebalancing and its hooks', async () => {
    await tc.autoscaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: 'carried-asg',
        ScalingProcesses: ['AZRebalance', 'ReplaceUnhealthy'],
      }),
    );
    await tc.autoscaling.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'carried-asg', MinSize: 1 }));
    await tc.autoscaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'carried-asg', CapacityRebalance: true }),
    );
    // CONTINUE: the copy's instances go on once the hook times out, a minute each.
    await foreignHook('carried', 'CONTINUE');
    const { id, info } = await deploy('carried');
    assert.equal(info?.status, 'Succeeded', JSON.stringify(info?.errorInformation));
    const green = `CodeDeploy_carried_${id}`;
    const copy = (
      await tc.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [green] }))
    ).AutoScalingGroups?.[0];
    assert.deepEqual(copy?.SuspendedProcesses?.map((p) => p.ProcessName).sort(), [
      'AZRebalance',
      'ReplaceUnhealthy',
    ]);
    assert.deepEqual(copy?.WarmPoolConfiguration, { MinSize: 1, PoolState: 'Stopped' });
    assert.equal(copy?.CapacityRebalance, true);
    const hooks = await tc.autoscaling.send(
      new DescribeLifecycleHooksCommand({ AutoScalingGroupName: green }),
    );
    const names = (hooks.LifecycleHooks ?? []).map((h) => h.LifecycleHookName ?? '').sort();
    assert.equal(names.length, 2, names.join(', '));
    assert.match(names[0] ?? '', /^CodeDeploy-managed-automatic-launch-deployment-hook-carried-/);
    assert.equal(names[1], 'warm-the-cache');
  });

  it('a launch hook nobody completes for the copy, ABANDON by default: the green fleet never forms', async () => {
    await foreignHook('held', 'ABANDON');
    const { info } = await deploy('held');
    assert.equal(info?.status, 'Failed');
    assert.equal(info?.errorInformation?.code, 'TIMEOUT');
    assert.match(info?.errorInformation?.message ?? '', /did not reach InService in time/);
  });

  it('Launch suspended on the original: the copy launches nothing, and the deployment fails', async () => {
    await tc.autoscaling.send(
      new SuspendProcessesCommand({ AutoScalingGroupName: 'stalled-asg', ScalingProcesses: ['Launch'] }),
    );
    const { info } = await deploy('stalled');
    assert.equal(info?.status, 'Failed');
    assert.equal(info?.errorInformation?.code, 'TIMEOUT');
  });
});
