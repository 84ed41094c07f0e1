// tier: integration
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  BatchGetDeploymentTargetsCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentTargetsCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeTargetHealthCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { until } from '../harness.js';
import {
  putRevisions,
  s3Revision,
  serviceRoleArn,
  startCodeDeployCloud,
  webWorld,
  type CodeDeployTestCloud,
} from './cloud.js';

const terminal = (d: DeploymentInfo | undefined) =>
  ['Succeeded', 'Failed', 'Stopped'].includes(d?.status ?? '');

describe('a blue/green deployment with COPY_AUTO_SCALING_GROUP, through the SDK', () => {
  let tc: CodeDeployTestCloud;
  before(async () => {
    tc = await startCodeDeployCloud({ world: webWorld(3) });
    await putRevisions(tc, 'web/v1.zip');
    await tc.codedeploy.send(new CreateApplicationCommand({ applicationName: 'web' }));
    await tc.codedeploy.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-bg',
        serviceRoleArn,
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        autoScalingGroups: ['web-asg'],
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration: {
          greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
        },
        loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
      }),
    );
  });
  after(() => tc.close());

  it('moves traffic to a copied ASG, terminates blue and points the group at the copy', async () => {
    const group0 = await tc.codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-bg' }),
    );
    const hook = group0.deploymentGroupInfo?.autoScalingGroups?.[0]?.hook ?? '';
    assert.match(hook, /^CodeDeploy-managed-automatic-launch-deployment-hook-web-bg-[0-9a-f]{8}$/);
    const asg0 = await tc.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
    );
    const blueIds = (asg0.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? '').sort();
    assert.equal(blueIds.length, 3);

    const { deploymentId = '' } = await tc.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-bg',
        revision: s3Revision('web/v1.zip'),
      }),
    );
    assert.match(deploymentId, /^d-[A-Z0-9]{9}$/);
    const info = await until(
      async () => (await tc.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo,
      terminal,
      'the deployment to end',
      '1m',
    );
    assert.equal(info?.status, 'Succeeded', JSON.stringify(info?.errorInformation));
    assert.equal(info?.creator, 'user');
    assert.equal(info?.instanceTerminationWaitTimeStarted, true);
    assert.deepEqual(info?.deploymentOverview, {
      Pending: 0,
      InProgress: 0,
      Succeeded: 6,
      Failed: 0,
      Skipped: 0,
      Ready: 0,
    });
    assert.ok(info?.startTime instanceof Date && info.completeTime instanceof Date);

    const greenName = `CodeDeploy_web-bg_${deploymentId}`;
    const group = await tc.codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-bg' }),
    );
    assert.deepEqual(group.deploymentGroupInfo?.autoScalingGroups, [{ name: greenName, hook }]);
    assert.equal(group.deploymentGroupInfo?.lastSuccessfulDeployment?.deploymentId, deploymentId);
    assert.equal(group.deploymentGroupInfo?.lastAttemptedDeployment?.status, 'Succeeded');

    const labels = await tc.codedeploy.send(
      new ListDeploymentTargetsCommand({ deploymentId, targetFilters: { ServerInstanceLabel: ['Blue'] } }),
    );
    assert.deepEqual([...(labels.targetIds ?? [])].sort(), blueIds);
    const greenIds =
      (
        await tc.codedeploy.send(
          new ListDeploymentTargetsCommand({
            deploymentId,
            targetFilters: { ServerInstanceLabel: ['Green'] },
          }),
        )
      ).targetIds ?? [];
    assert.equal(greenIds.length, 3);

    const targets = await tc.codedeploy.send(
      new BatchGetDeploymentTargetsCommand({
        deploymentId,
        targetIds: [greenIds[0] ?? '', blueIds[0] ?? ''],
      }),
    );
    const [green, blue] = targets.deploymentTargets ?? [];
    assert.equal(green?.deploymentTargetType, 'InstanceTarget');
    assert.equal(green?.instanceTarget?.instanceLabel, 'Green');
    assert.equal(
      green?.instanceTarget?.targetArn,
      `arn:aws:ec2:us-east-1:123456789012:instance/${greenIds[0]}`,
    );
    assert.deepEqual(
      green?.instanceTarget?.lifecycleEvents?.map((e) => [e.lifecycleEventName, e.status]),
      [
        'ApplicationStop',
        'DownloadBundle',
        'BeforeInstall',
        'Install',
        'AfterInstall',
        'ApplicationStart',
        'ValidateService',
        'BeforeAllowTraffic',
        'AllowTraffic',
        'AfterAllowTraffic',
      ].map((n) => [n, 'Succeeded']),
    );
    assert.deepEqual(green?.instanceTarget?.lifecycleEvents?.[0]?.diagnostics, {
      errorCode: 'Success',
      scriptName: '',
      message: 'Succeeded',
      logTail: '',
    });
    assert.deepEqual(
      blue?.instanceTarget?.lifecycleEvents?.map((e) => e.lifecycleEventName),
      ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'],
    );
    assert.equal(blue?.instanceTarget?.instanceLabel, 'Blue');

    // The original ASG is gone with its instances; the copy serves the target group.
    await until(
      async () =>
        (
          await tc.autoscaling.send(
            new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
          )
        ).AutoScalingGroups ?? [],
      (groups) => groups.length === 0,
      'the original ASG to be deleted',
      '1m',
    );
    const states = await until(
      async () => {
        const out = await tc.ec2.send(new DescribeInstancesCommand({ InstanceIds: blueIds }));
        return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name);
      },
      (s) => s.every((state) => state === 'terminated'),
      'every blue instance to be terminated',
      '1m',
    );
    assert.deepEqual(states, ['terminated', 'terminated', 'terminated']);
    const tgs = await tc.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web-tg'] }));
    const health = await tc.elbv2.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: tgs.TargetGroups?.[0]?.TargetGroupArn }),
    );
    const registered = (health.TargetHealthDescriptions ?? [])
      .filter((d) => d.TargetHealth?.State === 'healthy')
      .map((d) => d.Target?.Id)
      .sort();
    assert.deepEqual(registered, [...greenIds].sort());
  });
});
