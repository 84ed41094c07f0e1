// tier: integration
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchGetDeploymentTargetsCommand,
  ContinueDeploymentCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type BlueGreenDeploymentConfiguration,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { caught } from '../harness.js';
import { until } from '../harness.js';
import {
  putRevisions,
  s3Revision,
  serviceRoleArn,
  startCodeDeployCloud,
  webWorld,
  type CodeDeployTestCloud,
} from './cloud.js';

interface GroupOptions {
  readonly config?: string;
  readonly ready?: BlueGreenDeploymentConfiguration['deploymentReadyOption'];
  readonly autoRollback?: (
    'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST'
  )[];
  readonly alarms?: string[];
  readonly terminationWait?: number;
}

async function blueGreenGroup(tc: CodeDeployTestCloud, options: GroupOptions = {}): Promise<void> {
  await putRevisions(tc, 'web/v1.zip', 'web/v2.zip');
  await tc.codedeploy.send(new CreateApplicationCommand({ applicationName: 'web' }));
  await tc.codedeploy.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'web',
      deploymentGroupName: 'web-bg',
      serviceRoleArn,
      deploymentConfigName: options.config ?? 'CodeDeployDefault.AllAtOnce',
      autoScalingGroups: ['web-asg'],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        deploymentReadyOption: options.ready ?? { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE',
          terminationWaitTimeInMinutes: options.terminationWait ?? 0,
        },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
      ...(options.autoRollback
        ? { autoRollbackConfiguration: { enabled: true, events: options.autoRollback } }
        : {}),
      ...(options.alarms
        ? { alarmConfiguration: { enabled: true, alarms: options.alarms.map((name) => ({ name })) } }
        : {}),
    }),
  );
}

async function deploy(tc: CodeDeployTestCloud, key: string): Promise<string> {
  const out = await tc.codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: 'web',
      deploymentGroupName: 'web-bg',
      revision: s3Revision(key),
    }),
  );
  return out.deploymentId ?? '';
}

async function deployment(tc: CodeDeployTestCloud, deploymentId: string): Promise<DeploymentInfo> {
  const out = await tc.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
  return out.deploymentInfo ?? {};
}

function untilStatus(
  tc: CodeDeployTestCloud,
  deploymentId: string,
  statuses: string[],
): Promise<DeploymentInfo> {
  return until(
    () => deployment(tc, deploymentId),
    (d) => statuses.includes(d.status ?? ''),
    `${deploymentId} to be ${statuses.join(' or ')}`,
    '1m',
  );
}
const done = ['Succeeded', 'Failed', 'Stopped'];

async function addFault(tc: CodeDeployTestCloud, rule: object): Promise<void> {
  const response = await fetch(`${tc.lc.url}/_localcloud/faults`, {
    method: 'POST',
    body: JSON.stringify(rule),
  });
  assert.equal(response.status, 200, await response.text());
}

describe('CodeDeploy scenarios through the SDK', () => {
  let tc: CodeDeployTestCloud | undefined;
  afterEach(async () => {
    await tc?.close();
    tc = undefined;
  });

  it('allows one active deployment per group, with AWS message', async () => {
    tc = await startCodeDeployCloud({ world: webWorld(2) });
    await blueGreenGroup(tc);
    const first = await deploy(tc, 'web/v1.zip');
    const error = await caught(() => deploy(tc!, 'web/v2.zip'));
    assert.equal(error.name, 'DeploymentLimitExceededException');
    assert.equal(error.message, `The Deployment Group 'web-bg' already has an active Deployment '${first}'`);
    assert.equal((await untilStatus(tc, first, done)).status, 'Succeeded');
    const second = await deploy(tc, 'web/v2.zip');
    const info = await untilStatus(tc, second, done);
    assert.equal(info.status, 'Succeeded');
    assert.deepEqual(info.previousRevision, s3Revision('web/v1.zip'));
  });

  it('AllAtOnce succeeds when one green instance fails; its later events are Skipped', async () => {
    tc = await startCodeDeployCloud({ world: webWorld(3) });
    await blueGreenGroup(tc);
    await addFault(tc, {
      scope: 'instance',
      deploymentGroup: 'web-bg',
      fleet: 'green',
      index: 1,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    const id = await deploy(tc, 'web/v1.zip');
    const info = await untilStatus(tc, id, done);
    assert.equal(info.status, 'Succeeded');
    assert.equal(info.deploymentOverview?.Failed, 1);
    assert.equal(info.deploymentOverview?.Succeeded, 5);
    const failed = await tc.codedeploy.send(
      new ListDeploymentTargetsCommand({ deploymentId: id, targetFilters: { TargetStatus: ['Failed'] } }),
    );
    assert.equal(failed.targetIds?.length, 1);
    const target = (
      await tc.codedeploy.send(
        new BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds: failed.targetIds }),
      )
    ).deploymentTargets?.[0]?.instanceTarget;
    const events = target?.lifecycleEvents ?? [];
    const afterInstall = events.find((e) => e.lifecycleEventName === 'AfterInstall');
    assert.equal(afterInstall?.status, 'Failed');
    assert.equal(afterInstall?.diagnostics?.errorCode, 'ScriptFailed');
    assert.equal(afterInstall?.diagnostics?.scriptName, 'hooks/after-install.sh');
    assert.equal(
      afterInstall?.diagnostics?.message,
      'Script at specified location: hooks/after-install.sh failed with exit code 3',
    );
    assert.deepEqual(
      events.slice(5).map((e) => [e.lifecycleEventName, e.status, e.startTime === undefined]),
      ['ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'].map(
        (n) => [n, 'Skipped', true],
      ),
    );
  });

  it('OneAtATime fails at a failure before the last instance, with HEALTH_CONSTRAINTS', async () => {
    tc = await startCodeDeployCloud({ world: webWorld(3) });
    await blueGreenGroup(tc, { config: 'CodeDeployDefault.OneAtATime' });
    await addFault(tc, {
      scope: 'instance',
      deploymentGroup: 'web-bg',
      fleet: 'green',
      index: 0,
      event: 'ValidateService',
      effect: 'fail',
    });
    const id = await deploy(tc, 'web/v1.zip');
    const info = await untilStatus(tc, id, done);
    assert.equal(info.status, 'Failed');
    assert.deepEqual(info.errorInformation, {
      code: 'HEALTH_CONSTRAINTS',
      message: 'Deployment failed: Constraint default violated: No hosts succeeded.',
    });
    assert.equal(info.deploymentOverview?.Failed, 1);
    assert.equal(info.deploymentOverview?.Skipped, 5);
    // The copy never took traffic, so it is removed; the group keeps its ASG.
    await until(
      async () =>
        (
          await tc!.autoscaling.send(
            new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`CodeDeploy_web-bg_${id}`] }),
          )
        ).AutoScalingGroups ?? [],
      (groups) => groups.length === 0,
      'the green copy of the ASG to be removed',
      '1m',
    );
  });

  it('stops on request and rolls back to the last successful revision', async () => {
    tc = await startCodeDeployCloud({ world: webWorld(2) });
    await blueGreenGroup(tc, { ready: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 600 } });
    const first = await deploy(tc, 'web/v1.zip');
    await untilStatus(tc, first, ['Ready']);
    await tc.codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: first, deploymentWaitType: 'READY_WAIT' }),
    );
    assert.equal((await untilStatus(tc, first, done)).status, 'Succeeded');

    const second = await deploy(tc, 'web/v2.zip');
    await untilStatus(tc, second, ['Ready']);
    const stop = await tc.codedeploy.send(
      new StopDeploymentCommand({ deploymentId: second, autoRollbackEnabled: true }),
    );
    assert.equal(stop.status, 'Succeeded');
    const stopped = await deployment(tc, second);
    assert.equal(stopped.status, 'Stopped');
    assert.equal(stopped.errorInformation?.code, 'MANUAL_STOP');
    const rollbackId = stopped.rollbackInfo?.rollbackDeploymentId ?? '';
    assert.match(rollbackId, /^d-/);
    const rollback = await untilStatus(tc, rollbackId, done);
    assert.equal(rollback.status, 'Succeeded');
    assert.equal(rollback.creator, 'codeDeployRollback');
    assert.equal(rollback.rollbackInfo?.rollbackTriggeringDeploymentId, second);
    assert.deepEqual(rollback.revision, s3Revision('web/v1.zip'));
    const blue = await tc.codedeploy.send(
      new ListDeploymentTargetsCommand({
        deploymentId: rollbackId,
        targetFilters: { ServerInstanceLabel: ['Blue'] },
      }),
    );
    const target = (
      await tc.codedeploy.send(
        new BatchGetDeploymentTargetsCommand({ deploymentId: rollbackId, targetIds: blue.targetIds }),
      )
    ).deploymentTargets?.[0]?.instanceTarget;
    assert.deepEqual(
      target?.lifecycleEvents?.map((e) => e.lifecycleEventName),
      ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'],
    );
    await until(
      async () =>
        (
          await tc!.autoscaling.send(
            new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`CodeDeploy_web-bg_${second}`] }),
          )
        ).AutoScalingGroups ?? [],
      (groups) => groups.length === 0,
      "the second deployment's green copy of the ASG to be removed",
      '1m',
    );
  });

  it('says why it cannot roll back when nothing succeeded before', async () => {
    tc = await startCodeDeployCloud({ world: webWorld(2) });
    await blueGreenGroup(tc, { autoRollback: ['DEPLOYMENT_FAILURE'] });
    await addFault(tc, {
      scope: 'instance',
      deploymentGroup: 'web-bg',
      event: 'BeforeInstall',
      effect: 'fail',
    });
    const id = await deploy(tc, 'web/v1.zip');
    const info = await untilStatus(tc, id, done);
    assert.equal(info.status, 'Failed');
    assert.match(info.rollbackInfo?.rollbackMessage ?? '', /no previous successful deployment/);
    assert.equal(info.rollbackInfo?.rollbackDeploymentId, undefined);
  });

  it('stops when an alarm goes off and rolls back for DEPLOYMENT_STOP_ON_ALARM', async () => {
    tc = await startCodeDeployCloud({ world: webWorld(2) });
    await blueGreenGroup(tc, {
      alarms: ['web-5xx'],
      autoRollback: ['DEPLOYMENT_STOP_ON_ALARM'],
      ready: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 600 },
    });
    const first = await deploy(tc, 'web/v1.zip');
    await untilStatus(tc, first, ['Ready']);
    await tc.codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: first, deploymentWaitType: 'READY_WAIT' }),
    );
    await untilStatus(tc, first, done);
    const second = await deploy(tc, 'web/v2.zip');
    await untilStatus(tc, second, ['Ready']);
    await tc.cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'test' }),
    );
    const info = await untilStatus(tc, second, done);
    assert.equal(info.status, 'Stopped');
    assert.equal(info.errorInformation?.code, 'ALARM_ACTIVE');
    assert.match(info.errorInformation?.message ?? '', /web-5xx/);
    assert.match(info.rollbackInfo?.rollbackDeploymentId ?? '', /^d-/);
  });

  it('READY_WAIT: ContinueDeployment is refused until Ready, and STOP_DEPLOYMENT times out to Stopped', async () => {
    tc = await startCodeDeployCloud({ world: webWorld(2) });
    await blueGreenGroup(tc, { ready: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 5 } });
    const id = await deploy(tc, 'web/v1.zip');
    const early = await caught(() =>
      tc!.codedeploy.send(
        new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
      ),
    );
    assert.equal(early.name, 'DeploymentIsNotInReadyStateException');
    const ready = await untilStatus(tc, id, ['Ready', ...done]);
    assert.equal(ready.status, 'Ready');
    assert.equal(ready.deploymentOverview?.Ready, 2);
    const info = await untilStatus(tc, id, done);
    assert.equal(info.status, 'Stopped');
    assert.equal(info.errorInformation?.code, 'TIMEOUT');
    const late = await caught(() =>
      tc!.codedeploy.send(
        new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
      ),
    );
    assert.equal(late.name, 'DeploymentAlreadyCompletedException');
  });

  it('TERMINATION_WAIT: the deployment stays InProgress until ContinueDeployment cuts the wait short', async () => {
    tc = await startCodeDeployCloud({ world: webWorld(2) });
    await blueGreenGroup(tc, { terminationWait: 2880 });
    const id = await deploy(tc, 'web/v1.zip');
    const waiting = await until(
      () => deployment(tc!, id),
      (d) => d.instanceTerminationWaitTimeStarted === true,
      'the termination wait to start',
      '1m',
    );
    assert.equal(waiting.status, 'InProgress');
    await tc.codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }),
    );
    assert.equal((await untilStatus(tc, id, done)).status, 'Succeeded');
  });

  it('scale-out during a deployment: blue launches are left out, green launches get an automatic deployment', async () => {
    tc = await startCodeDeployCloud({ world: webWorld(2) });
    await blueGreenGroup(tc, { ready: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 600 } });
    const first = await deploy(tc, 'web/v1.zip');
    await untilStatus(tc, first, ['Ready']);
    await tc.codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: first, deploymentWaitType: 'READY_WAIT' }),
    );
    await untilStatus(tc, first, done);
    const greenOfFirst = `CodeDeploy_web-bg_${first}`;

    const second = await deploy(tc, 'web/v2.zip');
    await untilStatus(tc, second, ['Ready']);
    const greenOfSecond = `CodeDeploy_web-bg_${second}`;
    await tc.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: greenOfFirst, DesiredCapacity: 3 }),
    );
    await tc.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: greenOfSecond, DesiredCapacity: 3 }),
    );
    const members = async (name: string) =>
      (await tc!.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
        .AutoScalingGroups?.[0]?.Instances ?? [];
    const blueLaunched = await until(
      () => members(greenOfFirst),
      (m) => m.length === 3,
      'three instances in the first green ASG',
      '1m',
    );
    const greenLaunched = await until(
      () => members(greenOfSecond),
      (m) => m.length === 3,
      'three instances in the second green ASG',
      '1m',
    );
    const targets = new Set(
      (await tc.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: second }))).targetIds ?? [],
    );
    assert.equal(targets.size, 4);
    assert.equal(
      blueLaunched.filter((i) => !targets.has(i.InstanceId ?? '')).length,
      1,
      'the blue launch is in neither fleet',
    );
    const lateGreen = greenLaunched.find((i) => !targets.has(i.InstanceId ?? ''))?.InstanceId ?? '';
    assert.match(lateGreen, /^i-/);

    await tc.codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: second, deploymentWaitType: 'READY_WAIT' }),
    );
    assert.equal((await untilStatus(tc, second, done)).status, 'Succeeded');
    const automatic = await until(
      async () => {
        const ids =
          (
            await tc!.codedeploy.send(
              new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-bg' }),
            )
          ).deployments ?? [];
        const infos = await Promise.all(ids.map((id) => deployment(tc!, id)));
        return infos.find((d) => d.creator === 'autoscaling' && done.includes(d.status ?? ''));
      },
      (d) => d !== undefined,
      'the automatic deployment to the late instance',
      '1m',
    );
    assert.equal(automatic?.status, 'Succeeded');
    assert.deepEqual(automatic?.revision, s3Revision('web/v2.zip'));
    const automaticTargets = (
      await tc.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: automatic?.deploymentId }))
    ).targetIds;
    assert.deepEqual(automaticTargets, [lateGreen]);
    const inService = await until(
      () => members(greenOfSecond),
      (m) => m.every((i) => i.LifecycleState === 'InService'),
      'every instance of the second green ASG InService',
      '1m',
    );
    assert.equal(inService.length, 3);
  });
});
