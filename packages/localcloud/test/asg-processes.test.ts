// tier: integration
// Suspended processes, warm pools, mixed instances policies and Capacity Rebalancing through the real
// SDK: each is reported by DescribeAutoScalingGroups as AWS reports it, and a suspension has the
// effect its process has (no launch, no scale-in, no replacement, no registration, no move out of a
// zone the group left) until ResumeProcesses, when what was held back happens. On a manual clock.
import assert from 'node:assert/strict';
import {
  CreateAutoScalingGroupCommand,
  DeleteWarmPoolCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeWarmPoolCommand,
  PutWarmPoolCommand,
  ResumeProcessesCommand,
  SetDesiredCapacityCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { after, before, describe, it } from 'node:test';
import { caught, startTestCloud, until, type TestCloud } from './harness.js';

const WORLD = {
  launchTemplates: [{ name: 'web-lt', imageId: 'ami-0123456789abcdef0', instanceType: 't3.small' }],
  targetGroups: [{ name: 'web-tg', healthCheck: { path: '/healthcheck', intervalSeconds: 10 } }],
  loadBalancers: [{ name: 'web-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
  autoScalingGroups: [
    {
      name: 'web-asg',
      instances: 2,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      launchTemplate: 'web-lt',
      targetGroups: ['web-tg'],
    },
    // Nothing on its instances answers /healthcheck: each becomes unhealthy after its grace period.
    {
      name: 'sick-asg',
      instances: 1,
      availabilityZones: ['us-east-1a'],
      launchTemplate: 'web-lt',
      targetGroups: ['web-tg'],
      healthCheckType: 'ELB' as const,
      healthCheckGracePeriod: 60,
    },
  ],
};

describe('Auto Scaling processes, warm pools and mixed instances policies', () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({ world: WORLD });
    await t.autoscaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web-asg', MaxSize: 4 }),
    );
  });
  after(() => t.close());

  const describeGroup = async (name: string): Promise<AutoScalingGroup> => {
    const answer = await t.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
    );
    const group = answer.AutoScalingGroups?.[0];
    assert.ok(group, name);
    return group;
  };
  const live = (group: AutoScalingGroup) =>
    (group.Instances ?? []).filter((i) => !String(i.LifecycleState).startsWith('Terminat'));
  const suspended = async (name: string) =>
    (await describeGroup(name)).SuspendedProcesses?.map((p) => p.ProcessName).sort();
  const suspend = (name: string, processes?: string[]) =>
    t.autoscaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: name,
        ...(processes ? { ScalingProcesses: processes } : {}),
      }),
    );
  const resume = (name: string, processes?: string[]) =>
    t.autoscaling.send(
      new ResumeProcessesCommand({
        AutoScalingGroupName: name,
        ...(processes ? { ScalingProcesses: processes } : {}),
      }),
    );

  it('reports what is suspended, with why, as AWS does; every process when none is named', async () => {
    assert.deepEqual(await suspended('web-asg'), []);
    await suspend('web-asg', ['AZRebalance', 'ScheduledActions']);
    const group = await describeGroup('web-asg');
    assert.deepEqual(
      group.SuspendedProcesses?.map((p) => p.ProcessName),
      ['AZRebalance', 'ScheduledActions'],
    );
    for (const process of group.SuspendedProcesses ?? [])
      assert.match(process.SuspensionReason ?? '', /^User suspended at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await resume('web-asg', ['ScheduledActions']);
    assert.deepEqual(await suspended('web-asg'), ['AZRebalance']);
    await suspend('web-asg');
    assert.deepEqual(await suspended('web-asg'), [
      'AZRebalance',
      'AddToLoadBalancer',
      'AlarmNotification',
      'HealthCheck',
      'InstanceRefresh',
      'Launch',
      'ReplaceUnhealthy',
      'ScheduledActions',
      'Terminate',
    ]);
    await resume('web-asg');
    assert.deepEqual(await suspended('web-asg'), []);
    const refused = await caught(() => suspend('web-asg', ['Rebalance']));
    assert.equal(refused.name, 'ValidationError');
    assert.match(refused.message, /Invalid scaling process name: Rebalance/);
    const unknown = await caught(() => suspend('no-such-asg', ['Launch']));
    assert.equal(unknown.name, 'ValidationError');
  });

  it('Launch and Terminate suspended: the group stays as it is until they are resumed', async () => {
    await suspend('web-asg', ['Launch']);
    await t.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 3 }),
    );
    await t.time?.advance(120_000);
    assert.equal(live(await describeGroup('web-asg')).length, 2, 'no launch while Launch is suspended');
    await resume('web-asg', ['Launch']);
    await until(
      async () => live(await describeGroup('web-asg')).filter((i) => i.LifecycleState === 'InService').length,
      (n) => n === 3,
      'the third instance, once Launch is resumed',
    );
    await suspend('web-asg', ['Terminate']);
    await t.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 2 }),
    );
    await t.time?.advance(120_000);
    assert.equal(live(await describeGroup('web-asg')).length, 3, 'no scale-in while Terminate is suspended');
    await resume('web-asg', ['Terminate']);
    await until(
      async () => live(await describeGroup('web-asg')).length,
      (n) => n === 2,
      'the scale-in, once Terminate is resumed',
    );
  });

  it('ReplaceUnhealthy suspended: an unhealthy instance is marked, not replaced, until it is resumed', async () => {
    await suspend('sick-asg', ['ReplaceUnhealthy']);
    const [first] = live(await describeGroup('sick-asg'));
    assert.ok(first?.InstanceId);
    const marked = await until(
      async () => live(await describeGroup('sick-asg')),
      (instances) => instances.some((i) => i.HealthStatus === 'Unhealthy'),
      'the instance marked Unhealthy',
    );
    assert.deepEqual(
      marked.map((i) => [i.InstanceId, i.LifecycleState, i.HealthStatus]),
      [[first.InstanceId, 'InService', 'Unhealthy']],
    );
    await t.time?.advance(600_000);
    assert.deepEqual(
      live(await describeGroup('sick-asg')).map((i) => i.InstanceId),
      [first.InstanceId],
      'still there ten minutes later',
    );
    await resume('sick-asg', ['ReplaceUnhealthy']);
    await until(
      async () => live(await describeGroup('sick-asg')).map((i) => i.InstanceId),
      (ids) => ids.length === 1 && ids[0] !== first.InstanceId,
      'its replacement, once ReplaceUnhealthy is resumed',
    );
    // HealthCheck suspended: not even marked.
    await suspend('sick-asg', ['HealthCheck']);
    const [second] = live(await describeGroup('sick-asg'));
    await t.time?.advance(600_000);
    assert.deepEqual(
      live(await describeGroup('sick-asg')).map((i) => [i.InstanceId, i.HealthStatus]),
      [[second?.InstanceId, 'Healthy']],
    );
    await resume('sick-asg');
  });

  it('AddToLoadBalancer suspended: a new instance is not registered with the target groups', async () => {
    const tg = (await t.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web-tg'] }))).TargetGroups?.[0]
      ?.TargetGroupArn;
    const registered = async () =>
      (
        await t.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))
      ).TargetHealthDescriptions?.map((d) => d.Target?.Id) ?? [];
    await suspend('web-asg', ['AddToLoadBalancer']);
    const before = new Set(live(await describeGroup('web-asg')).map((i) => i.InstanceId));
    await t.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 3 }),
    );
    const grown = await until(
      async () => live(await describeGroup('web-asg')).filter((i) => i.LifecycleState === 'InService'),
      (instances) => instances.length === 3,
      'the third instance InService',
    );
    const added = grown.find((i) => !before.has(i.InstanceId))?.InstanceId;
    assert.ok(added);
    assert.ok(!(await registered()).includes(added), 'launched while AddToLoadBalancer was suspended');
    await resume('web-asg');
    await t.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 2 }),
    );
    await until(
      async () => live(await describeGroup('web-asg')).length,
      (n) => n === 2,
      'back to 2',
    );
  });

  it('AZRebalance suspended: instances stay in a zone the group left, and move once it is resumed', async () => {
    await suspend('web-asg', ['AZRebalance']);
    await t.autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web-asg',
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    await t.time?.advance(120_000);
    const zones = async () =>
      live(await describeGroup('web-asg'))
        .map((i) => i.AvailabilityZone)
        .sort();
    assert.deepEqual(await zones(), ['us-east-1a', 'us-east-1b']);
    await resume('web-asg', ['AZRebalance']);
    await until(
      zones,
      (z) => z.length === 2 && z.every((zone) => zone === 'us-east-1a'),
      'both in us-east-1a',
    );
  });

  it('a warm pool: put, described, reported by the group, deleted', async () => {
    await t.autoscaling.send(
      new PutWarmPoolCommand({ AutoScalingGroupName: 'web-asg', MinSize: 1, PoolState: 'Stopped' }),
    );
    const pool = await t.autoscaling.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'web-asg' }));
    assert.deepEqual(pool.WarmPoolConfiguration, { MinSize: 1, PoolState: 'Stopped' });
    assert.deepEqual(pool.Instances, []);
    const group = await describeGroup('web-asg');
    assert.deepEqual(group.WarmPoolConfiguration, { MinSize: 1, PoolState: 'Stopped' });
    assert.equal(group.WarmPoolSize, 0);
    await t.autoscaling.send(new DeleteWarmPoolCommand({ AutoScalingGroupName: 'web-asg' }));
    assert.equal((await describeGroup('web-asg')).WarmPoolConfiguration, undefined);
    const none = await t.autoscaling.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'web-asg' }));
    assert.equal(none.WarmPoolConfiguration, undefined);
  });

  it('a mixed instances policy and Capacity Rebalancing: reported as given, defaults filled in; no warm pool beside them', async () => {
    await t.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'spot-asg',
        MinSize: 1,
        MaxSize: 3,
        DesiredCapacity: 1,
        AvailabilityZones: ['us-east-1a'],
        CapacityRebalance: true,
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateName: 'web-lt', Version: '$Latest' },
            Overrides: [{ InstanceType: 't3.small' }, { InstanceType: 't3a.small' }],
          },
          InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: 0 },
        },
      }),
    );
    const group = await describeGroup('spot-asg');
    assert.equal(group.LaunchTemplate, undefined);
    assert.equal(group.CapacityRebalance, true);
    assert.equal(
      group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateName,
      'web-lt',
    );
    assert.equal(group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.Version, '$Latest');
    assert.deepEqual(
      group.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.map((o) => o.InstanceType),
      ['t3.small', 't3a.small'],
    );
    assert.deepEqual(group.MixedInstancesPolicy?.InstancesDistribution, {
      OnDemandAllocationStrategy: 'prioritized',
      OnDemandBaseCapacity: 0,
      OnDemandPercentageAboveBaseCapacity: 0,
      SpotAllocationStrategy: 'lowest-price',
      SpotInstancePools: 2,
    });
    await until(
      async () =>
        live(await describeGroup('spot-asg')).filter((i) => i.LifecycleState === 'InService').length,
      (n) => n === 1,
      'its instance, launched from the policy’s template',
    );
    const refused = await caught(() =>
      t.autoscaling.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'spot-asg', MinSize: 1 })),
    );
    assert.equal(refused.name, 'ValidationError');
    assert.match(refused.message, /mixed instances policy/);
    await t.autoscaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'spot-asg', CapacityRebalance: false }),
    );
    assert.equal((await describeGroup('spot-asg')).CapacityRebalance, false);
    // A launch template replaces the policy.
    await t.autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'spot-asg',
        LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: '$Default' },
      }),
    );
    const plain = await describeGroup('spot-asg');
    assert.equal(plain.MixedInstancesPolicy, undefined);
    assert.equal(plain.LaunchTemplate?.LaunchTemplateName, 'web-lt');
  });
});
