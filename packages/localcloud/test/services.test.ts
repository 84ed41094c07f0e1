// tier: integration
// The infrastructure services' semantics through the real SDK clients: filters, pagination, errors
// (name and message), lifecycle of instances, hooks and target health.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as ec2 from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import * as s3 from '@aws-sdk/client-s3';
import { caught, startTestCloud, type TestCloud } from './harness.js';
import { until } from './harness.js';

// A running environment: web-asg's instances boot from an image with the app baked in, so they (and
// those a scale-out launches) answer /healthcheck without a deployment.
const WORLD = {
  images: [{ id: 'ami-0feed5e77ed0a11ce', name: 'web-golden', serves: '/healthcheck' }],
  launchTemplates: [{ name: 'web-asg-lt', imageId: 'ami-0feed5e77ed0a11ce' }],
  targetGroups: [
    {
      name: 'web-tg',
      port: 8000,
      deregistrationDelay: 30,
      healthCheck: { path: '/healthcheck', intervalSeconds: 5, healthyThreshold: 2 },
    },
  ],
  loadBalancers: [{ name: 'web-alb', listeners: [{ port: 8080, targetGroup: 'web-tg' }] }],
  autoScalingGroups: [
    {
      name: 'web-asg',
      instances: 4,
      maxSize: 8,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      targetGroups: ['web-tg'],
      launchTemplate: 'web-asg-lt',
      tags: { env: 'dev' },
    },
    { name: 'jobs-asg', instances: 1, availabilityZones: ['us-east-1c'], tags: { env: 'prod' } },
  ],
  alarms: ['web-5xx', { name: 'web-latency', state: 'ALARM' as const }],
  buckets: ['revisions', { name: 'versioned-revisions', versioned: true }],
};

// One describe around the file: its cloud's before/after belong to its tests alone, even when
// test files share a process (scripts/test-tier.ts runs unit and integration files in shards).
describe('the emulated services, one cloud for the file', () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({ world: WORLD });
  });
  after(async () => t.close());

  const instancesOf = async (filters: ec2.Filter[] = [], ids?: string[]) =>
    (
      await t.ec2.send(
        new ec2.DescribeInstancesCommand({ Filters: filters, ...(ids ? { InstanceIds: ids } : {}) }),
      )
    ).Reservations!.flatMap((r) => r.Instances!);
  const group = async (name: string) =>
    (await t.autoscaling.send(new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
      .AutoScalingGroups![0];
  const tgArn = async (name: string) =>
    (await t.elbv2.send(new elb.DescribeTargetGroupsCommand({ Names: [name] }))).TargetGroups![0]!
      .TargetGroupArn!;
  const health = async (arn: string, ids?: string[]) =>
    (
      await t.elbv2.send(
        new elb.DescribeTargetHealthCommand({
          TargetGroupArn: arn,
          ...(ids ? { Targets: ids.map((Id) => ({ Id })) } : {}),
        }),
      )
    ).TargetHealthDescriptions!;

  describe('EC2', () => {
    it('filters by tag, state, zone and id; every instance has a unique loopback address', async () => {
      const web = await instancesOf([{ Name: 'tag:aws:autoscaling:groupName', Values: ['web-asg'] }]);
      assert.equal(web.length, 4);
      assert.equal(new Set(web.map((i) => i.PrivateIpAddress)).size, 4);
      for (const i of web) assert.match(i.InstanceId!, /^i-[0-9a-f]{17}$/);
      assert.equal((await instancesOf([{ Name: 'availability-zone', Values: ['us-east-1c'] }])).length, 1);
      assert.equal(
        (
          await instancesOf([
            { Name: 'tag-key', Values: ['env'] },
            { Name: 'instance-state-name', Values: ['running'] },
          ])
        ).length,
        5,
      );
      assert.equal((await instancesOf([{ Name: 'instance-id', Values: [web[0]!.InstanceId!] }])).length, 1);
    });

    it('paginates with MaxResults and NextToken, and rejects MaxResults with InstanceIds', async () => {
      const first = await t.ec2.send(
        new ec2.DescribeInstancesCommand({ MaxResults: 5, Filters: [{ Name: 'tag-key', Values: ['env'] }] }),
      );
      assert.ok(
        first.NextToken === undefined || first.Reservations!.flatMap((r) => r.Instances!).length === 5,
      );
      const all: string[] = [];
      for await (const page of ec2.paginateDescribeInstances({ client: t.ec2, pageSize: 5 }, {})) {
        all.push(...page.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
      }
      assert.equal(new Set(all).size, all.length);
      assert.ok(all.length >= 5);
      const error = await caught(() =>
        t.ec2.send(new ec2.DescribeInstancesCommand({ InstanceIds: [all[0]!], MaxResults: 5 })),
      );
      assert.equal(error.name, 'InvalidParameterCombination');
      assert.equal(error.message, 'The parameter instancesSet cannot be used with the parameter maxResults');
    });

    it('names the instances that do not exist, and rejects malformed ids and unknown filters', async () => {
      const missing = await caught(() =>
        t.ec2.send(new ec2.DescribeInstancesCommand({ InstanceIds: ['i-0aaaaaaaaaaaaaaaa'] })),
      );
      assert.equal(missing.name, 'InvalidInstanceID.NotFound');
      assert.equal(missing.message, "The instance ID 'i-0aaaaaaaaaaaaaaaa' does not exist");
      const malformed = await caught(() =>
        t.ec2.send(new ec2.DescribeInstancesCommand({ InstanceIds: ['web-1'] })),
      );
      assert.equal(malformed.name, 'InvalidInstanceID.Malformed');
      const filter = await caught(() =>
        t.ec2.send(new ec2.DescribeInstancesCommand({ Filters: [{ Name: 'flavour', Values: ['x'] }] })),
      );
      assert.equal(filter.message, "The filter 'flavour' is invalid");
    });

    it('terminated instances go shutting-down → terminated and stay visible', async () => {
      const [victim] = await instancesOf([{ Name: 'tag:env', Values: ['prod'] }]);
      const result = await t.ec2.send(
        new ec2.TerminateInstancesCommand({ InstanceIds: [victim!.InstanceId!] }),
      );
      assert.deepEqual(result.TerminatingInstances![0]!.CurrentState, { Code: 32, Name: 'shutting-down' });
      assert.deepEqual(result.TerminatingInstances![0]!.PreviousState, { Code: 16, Name: 'running' });
      const terminated = await until(
        () => instancesOf([], [victim!.InstanceId!]),
        (i) => i[0]?.State?.Name === 'terminated',
        'the instance to be terminated',
        '1m',
      );
      assert.equal(terminated[0]!.StateReason?.Code, 'Client.UserInitiatedShutdown');
    });

    it('launch templates: create, duplicate name, versions', async () => {
      const created = await t.ec2.send(
        new ec2.CreateLaunchTemplateCommand({
          LaunchTemplateName: 'api-lt',
          LaunchTemplateData: { ImageId: 'ami-0bbbbbbbbbbbbbbbb', InstanceType: 't3.large' },
        }),
      );
      assert.match(created.LaunchTemplate!.LaunchTemplateId!, /^lt-[0-9a-f]{17}$/);
      assert.equal(created.LaunchTemplate!.LatestVersionNumber, 1);
      const duplicate = await caught(() =>
        t.ec2.send(
          new ec2.CreateLaunchTemplateCommand({
            LaunchTemplateName: 'api-lt',
            LaunchTemplateData: { ImageId: 'ami-0cccccccccccccccc' },
          }),
        ),
      );
      assert.equal(duplicate.name, 'InvalidLaunchTemplateName.AlreadyExistsException');
      const versions = await t.ec2.send(
        new ec2.DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: created.LaunchTemplate!.LaunchTemplateId,
          Versions: ['$Default'],
        }),
      );
      assert.deepEqual(versions.LaunchTemplateVersions![0]!.LaunchTemplateData, {
        ImageId: 'ami-0bbbbbbbbbbbbbbbb',
        InstanceType: 't3.large',
      });
      const missing = await caught(() =>
        t.ec2.send(new ec2.DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['nope'] })),
      );
      assert.equal(missing.name, 'InvalidLaunchTemplateName.NotFoundException');
    });
  });

  describe('Auto Scaling', () => {
    it('describes by names, filters and pages; an empty name list is sent as Name= and means all', async () => {
      const all = await t.autoscaling.send(
        new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [] }),
      );
      assert.deepEqual(
        all.AutoScalingGroups!.map((g) => g.AutoScalingGroupName),
        ['jobs-asg', 'web-asg'],
      );
      const tagged = await t.autoscaling.send(
        new asg.DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag:env', Values: ['dev'] }] }),
      );
      assert.deepEqual(
        tagged.AutoScalingGroups!.map((g) => g.AutoScalingGroupName),
        ['web-asg'],
      );
      const missing = await t.autoscaling.send(
        new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['nope'] }),
      );
      assert.deepEqual(missing.AutoScalingGroups, []);
      const page = await t.autoscaling.send(new asg.DescribeAutoScalingGroupsCommand({ MaxRecords: 1 }));
      assert.equal(page.AutoScalingGroups!.length, 1);
      const next = await t.autoscaling.send(
        new asg.DescribeAutoScalingGroupsCommand({ MaxRecords: 1, NextToken: page.NextToken }),
      );
      assert.equal(next.AutoScalingGroups![0]!.AutoScalingGroupName, 'web-asg');
      const badToken = await caught(() =>
        t.autoscaling.send(new asg.DescribeAutoScalingGroupsCommand({ NextToken: 'garbage' })),
      );
      assert.equal(badToken.name, 'InvalidNextToken');
    });

    it('scale-out launches instances that go InService and join the target groups; scale-in drains them', async () => {
      const arn = await tgArn('web-tg');
      await t.autoscaling.send(
        new asg.SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 6 }),
      );
      const grown = await until(
        () => group('web-asg'),
        (g) => g!.Instances!.filter((i) => i.LifecycleState === 'InService').length === 6,
        'six web-asg instances InService',
        '1m',
      );
      const ids = grown!.Instances!.map((i) => i.InstanceId!);
      await until(
        () => health(arn),
        (h) => h.length === 6 && h.every((d) => d.TargetHealth!.State === 'healthy'),
        'six healthy targets',
        '1m',
      );
      await t.autoscaling.send(
        new asg.SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 4 }),
      );
      const draining = await health(arn);
      assert.equal(draining.filter((d) => d.TargetHealth!.State === 'draining').length, 2);
      assert.equal(
        draining.find((d) => d.TargetHealth!.State === 'draining')!.TargetHealth!.Reason,
        'Target.DeregistrationInProgress',
      );
      await until(
        () => group('web-asg'),
        (g) => g!.Instances!.length === 4,
        'web-asg to shrink to four instances',
        '1m',
      );
      const gone = ids.filter(
        (id) => !(grown!.Instances!.slice(0, 4).map((i) => i.InstanceId) as string[]).includes(id),
      );
      const after = await health(arn, gone);
      assert.ok(after.every((d) => d.TargetHealth!.State === 'unused'));
    });

    it('a launch hook holds new instances in Pending:Wait until CompleteLifecycleAction', async () => {
      await t.autoscaling.send(
        new asg.CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'hooked-asg',
          LaunchTemplate: { LaunchTemplateName: 'web-asg-lt' },
          MinSize: 0,
          MaxSize: 3,
          DesiredCapacity: 0,
          AvailabilityZones: ['us-east-1a'],
        }),
      );
      await t.autoscaling.send(
        new asg.PutLifecycleHookCommand({
          AutoScalingGroupName: 'hooked-asg',
          LifecycleHookName: 'deploy-hook',
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
          HeartbeatTimeout: 3600,
        }),
      );
      await t.autoscaling.send(
        new asg.SetDesiredCapacityCommand({ AutoScalingGroupName: 'hooked-asg', DesiredCapacity: 2 }),
      );
      const waiting = await until(
        () => group('hooked-asg'),
        (g) => g!.Instances!.length === 2 && g!.Instances!.every((i) => i.LifecycleState === 'Pending:Wait'),
        'both hooked-asg instances in Pending:Wait',
        '1m',
      );
      const [a, b] = waiting!.Instances!.map((i) => i.InstanceId!);
      await t.autoscaling.send(
        new asg.CompleteLifecycleActionCommand({
          AutoScalingGroupName: 'hooked-asg',
          LifecycleHookName: 'deploy-hook',
          InstanceId: a,
          LifecycleActionResult: 'CONTINUE',
        }),
      );
      await t.autoscaling.send(
        new asg.CompleteLifecycleActionCommand({
          AutoScalingGroupName: 'hooked-asg',
          LifecycleHookName: 'deploy-hook',
          InstanceId: b,
          LifecycleActionResult: 'ABANDON',
        }),
      );
      const after = await group('hooked-asg');
      assert.equal(after!.Instances!.find((i) => i.InstanceId === a)!.LifecycleState, 'InService');
      assert.match(after!.Instances!.find((i) => i.InstanceId === b)!.LifecycleState!, /^Terminating/);
      const again = await caught(() =>
        t.autoscaling.send(
          new asg.CompleteLifecycleActionCommand({
            AutoScalingGroupName: 'hooked-asg',
            LifecycleHookName: 'deploy-hook',
            InstanceId: a,
            LifecycleActionResult: 'CONTINUE',
          }),
        ),
      );
      assert.equal(again.name, 'ValidationError');
      assert.equal(again.message, `No active Lifecycle Action found with instance ID ${a}`);
    });

    it('reports AWS’s errors for bad groups', async () => {
      const exists = await caught(() =>
        t.autoscaling.send(
          new asg.CreateAutoScalingGroupCommand({
            AutoScalingGroupName: 'web-asg',
            LaunchTemplate: { LaunchTemplateName: 'web-asg-lt' },
            MinSize: 1,
            MaxSize: 1,
            AvailabilityZones: ['us-east-1a'],
          }),
        ),
      );
      assert.equal(exists.name, 'AlreadyExistsFault');
      assert.equal(
        exists.message,
        'AutoScalingGroup by this name already exists - A group with the name web-asg already exists',
      );
      const template = await caught(() =>
        t.autoscaling.send(
          new asg.CreateAutoScalingGroupCommand({
            AutoScalingGroupName: 'x',
            LaunchTemplate: { LaunchTemplateName: 'nope' },
            MinSize: 1,
            MaxSize: 1,
            AvailabilityZones: ['us-east-1a'],
          }),
        ),
      );
      assert.equal(template.name, 'ValidationError');
      assert.match(template.message, /^You must use a valid fully-formed launch template\./);
      const inUse = await caught(() =>
        t.autoscaling.send(new asg.DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'web-asg' })),
      );
      assert.equal(inUse.name, 'ResourceInUseFault');
      const missing = await caught(() =>
        t.autoscaling.send(
          new asg.SetDesiredCapacityCommand({ AutoScalingGroupName: 'nope', DesiredCapacity: 1 }),
        ),
      );
      assert.equal(missing.message, 'AutoScalingGroup name not found - AutoScalingGroup nope not found');
    });

    it('refuses a MaxSize over 10,000, the local cloud’s stand-in for the instance quota', async () => {
      const create = (name: string, maxSize: number) =>
        t.autoscaling.send(
          new asg.CreateAutoScalingGroupCommand({
            AutoScalingGroupName: name,
            LaunchTemplate: { LaunchTemplateName: 'web-asg-lt' },
            MinSize: 0,
            MaxSize: maxSize,
            DesiredCapacity: 0,
            AvailabilityZones: ['us-east-1a'],
          }),
        );
      const over = await caught(() => create('huge-asg', 10_001));
      assert.equal(over.name, 'ValidationError');
      assert.match(over.message, /^Max bound, 10001, must be less than or equal to 10000/);
      assert.equal(await group('huge-asg'), undefined, 'a refused group is not created');
      await create('largest-asg', 10_000);
      const update = await caught(() =>
        t.autoscaling.send(
          new asg.UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'largest-asg', MaxSize: 20_000 }),
        ),
      );
      assert.equal(update.name, 'ValidationError');
      const desired = await caught(() =>
        t.autoscaling.send(
          new asg.SetDesiredCapacityCommand({ AutoScalingGroupName: 'largest-asg', DesiredCapacity: 10_001 }),
        ),
      );
      assert.equal(desired.name, 'ValidationError');
      assert.equal((await group('largest-asg'))?.MaxSize, 10_000);
      await t.autoscaling.send(
        new asg.DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'largest-asg', ForceDelete: true }),
      );
    });
  });

  describe('ELBv2', () => {
    it('refuses more than 20 names and unknown groups; pages with Marker', async () => {
      const many = await caught(() =>
        t.elbv2.send(
          new elb.DescribeTargetGroupsCommand({ Names: Array.from({ length: 21 }, (_, i) => `tg-${i}`) }),
        ),
      );
      assert.equal(many.name, 'ValidationError');
      assert.equal(many.message, "You cannot describe more than '20' target groups at a time");
      const missing = await caught(() =>
        t.elbv2.send(new elb.DescribeTargetGroupsCommand({ Names: ['nope'] })),
      );
      assert.equal(missing.name, 'TargetGroupNotFoundException');
      await t.elbv2.send(new elb.CreateTargetGroupCommand({ Name: 'second-tg', Port: 9000 }));
      const first = await t.elbv2.send(new elb.DescribeTargetGroupsCommand({ PageSize: 1 }));
      assert.equal(first.TargetGroups!.length, 1);
      const second = await t.elbv2.send(
        new elb.DescribeTargetGroupsCommand({ PageSize: 1, Marker: first.NextMarker }),
      );
      assert.notEqual(second.TargetGroups![0]!.TargetGroupName, first.TargetGroups![0]!.TargetGroupName);
    });

    it('registers running instances (unused until a load balancer uses the group, then initial → healthy), refuses others, and reports unregistered ones as unused', async () => {
      const arn = (
        await t.elbv2.send(
          new elb.CreateTargetGroupCommand({
            Name: 'manual-tg',
            Port: 80,
            HealthCheckPath: '/healthcheck',
            HealthCheckIntervalSeconds: 10,
            HealthyThresholdCount: 3,
          }),
        )
      ).TargetGroups![0]!.TargetGroupArn!;
      const [instance] = await instancesOf([
        { Name: 'tag:aws:autoscaling:groupName', Values: ['web-asg'] },
        { Name: 'instance-state-name', Values: ['running'] },
      ]);
      await t.elbv2.send(
        new elb.RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instance!.InstanceId! }] }),
      );
      // AWS does not health-check the targets of a group no load balancer forwards to.
      assert.deepEqual((await health(arn))[0]!.TargetHealth, {
        State: 'unused',
        Reason: 'Target.NotInUse',
        Description: 'Target group is not configured to receive traffic from the load balancer',
      });
      const subnets = (await t.ec2.send(new ec2.DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
      const balancer = (
        await t.elbv2.send(
          new elb.CreateLoadBalancerCommand({ Name: 'manual-alb', Subnets: subnets.slice(0, 2) }),
        )
      ).LoadBalancers![0]!.LoadBalancerArn!;
      await t.elbv2.send(
        new elb.CreateListenerCommand({
          LoadBalancerArn: balancer,
          Protocol: 'HTTP',
          Port: 0,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: arn }],
        }),
      );
      const initial = (await health(arn))[0]!.TargetHealth!;
      assert.equal(initial.State, 'initial');
      assert.match(initial.Reason!, /^Elb\.(RegistrationInProgress|InitialHealthChecking)$/);
      await until(
        () => health(arn),
        (h) => h[0]!.TargetHealth!.State === 'healthy',
        'the registered target to be healthy',
        '1m',
      );
      const unregistered = await health(arn, ['i-0123456789abcdef0']);
      assert.deepEqual(unregistered[0]!.TargetHealth, {
        State: 'unused',
        Reason: 'Target.NotRegistered',
        Description: 'Target is not registered to the target group',
      });
      const terminated = (await instancesOf([{ Name: 'instance-state-name', Values: ['terminated'] }]))[0];
      const invalid = await caught(() =>
        t.elbv2.send(
          new elb.RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: terminated!.InstanceId! }] }),
        ),
      );
      assert.equal(invalid.name, 'InvalidTargetException');
      assert.match(invalid.message, /not in a running state/);
    });

    it('an unhealthy app turns its target unhealthy', async () => {
      const arn = await tgArn('web-tg');
      const target = (await health(arn))[0]!.Target!.Id!;
      t.lc.cloud.region('us-east-1').elbv2.setAppHealthy(target, false);
      const after = await until(
        () => health(arn, [target]),
        (h) => h[0]!.TargetHealth!.State === 'unhealthy',
        'the target to turn unhealthy',
        '1m',
      );
      assert.equal(after[0]!.TargetHealth!.Reason, 'Target.FailedHealthChecks');
      t.lc.cloud.region('us-east-1').elbv2.setAppHealthy(target, true);
      await until(
        () => health(arn, [target]),
        (h) => h[0]!.TargetHealth!.State === 'healthy',
        'the target to be healthy again',
        '1m',
      );
    });

    it('load balancers answer with a loopback address of their own as DNSName and listeners forward to their target group', async () => {
      const balancers = await t.elbv2.send(new elb.DescribeLoadBalancersCommand({ Names: ['web-alb'] }));
      assert.match(balancers.LoadBalancers![0]!.DNSName!, /^127\.\d+\.\d+\.\d+$/);
      assert.notEqual(balancers.LoadBalancers![0]!.DNSName, '127.0.0.1');
      const listeners = await t.elbv2.send(
        new elb.DescribeListenersCommand({ LoadBalancerArn: balancers.LoadBalancers![0]!.LoadBalancerArn }),
      );
      assert.equal(listeners.Listeners![0]!.Port, 8080);
      assert.equal(listeners.Listeners![0]!.DefaultActions![0]!.TargetGroupArn, await tgArn('web-tg'));
      const attributes = await t.elbv2.send(
        new elb.DescribeTargetGroupAttributesCommand({ TargetGroupArn: await tgArn('web-tg') }),
      );
      assert.equal(
        attributes.Attributes!.find((a) => a.Key === 'deregistration_delay.timeout_seconds')!.Value,
        '30',
      );
    });
  });

  describe('CloudWatch', () => {
    it('describes by name and state, sets state, and names missing alarms', async () => {
      const alarming = await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ StateValue: 'ALARM' }));
      assert.deepEqual(
        alarming.MetricAlarms!.map((a) => a.AlarmName),
        ['web-latency'],
      );
      await t.cloudwatch.send(
        new cw.SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'test' }),
      );
      const named = await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: ['web-5xx'] }));
      assert.equal(named.MetricAlarms![0]!.StateValue, 'ALARM');
      assert.equal(t.lc.cloud.region('us-east-1').cloudwatch.alarmState('web-5xx'), 'ALARM');
      const page = await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ MaxRecords: 1 }));
      assert.equal(page.MetricAlarms!.length, 1);
      assert.ok(page.NextToken);
      const missing = await caught(() =>
        t.cloudwatch.send(
          new cw.SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }),
        ),
      );
      assert.equal(missing.name, 'ResourceNotFound');
      assert.equal(missing.message, 'Alarm nope not found');
    });

    it("keeps each alarm's history: state changes with the old and new state, filters, order and pages", async () => {
      const name = 'history-probe';
      const history = async (input: Omit<cw.DescribeAlarmHistoryCommandInput, 'AlarmName'> = {}) =>
        (await t.cloudwatch.send(new cw.DescribeAlarmHistoryCommand({ AlarmName: name, ...input })))
          .AlarmHistoryItems!;
      await t.cloudwatch.send(
        new cw.PutMetricAlarmCommand({
          AlarmName: name,
          MetricName: 'HTTPCode_Target_5XX_Count',
          Namespace: 'AWS/ApplicationELB',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      );
      const set = (StateValue: cw.StateValue, StateReason: string, StateReasonData?: string) =>
        t.cloudwatch.send(
          new cw.SetAlarmStateCommand({
            AlarmName: name,
            StateValue,
            StateReason,
            ...(StateReasonData ? { StateReasonData } : {}),
          }),
        );
      await set('OK', 'first datapoint');
      await set('ALARM', 'Threshold Crossed: 1 datapoint [5.0] >= 1.0', '{"threshold":1}');
      await set('OK', 'back below the threshold');
      await set('OK', 'still below the threshold'); // the reason changes, the state does not: no item
      await set('INSUFFICIENT_DATA', 'no datapoints');

      const states = await history({ HistoryItemType: 'StateUpdate' });
      assert.deepEqual(
        states.map((h) => h.HistorySummary),
        [
          'Alarm updated from OK to INSUFFICIENT_DATA',
          'Alarm updated from ALARM to OK',
          'Alarm updated from OK to ALARM',
          'Alarm updated from INSUFFICIENT_DATA to OK',
        ],
        'newest first by default',
      );
      for (const h of states) {
        assert.equal(h.AlarmName, name);
        assert.equal(h.AlarmType, 'MetricAlarm');
        assert.equal(h.HistoryItemType, 'StateUpdate');
        assert.ok(h.Timestamp instanceof Date);
      }
      assert.deepEqual(JSON.parse(states[2]!.HistoryData!), {
        version: '1.0',
        oldState: { stateValue: 'OK', stateReason: 'first datapoint' },
        newState: {
          stateValue: 'ALARM',
          stateReason: 'Threshold Crossed: 1 datapoint [5.0] >= 1.0',
          stateReasonData: { threshold: 1 },
        },
      });
      const ascending = await history({ HistoryItemType: 'StateUpdate', ScanBy: 'TimestampAscending' });
      assert.deepEqual(ascending, [...states].reverse());

      // One record a page: NextToken walks the same items.
      const paged: cw.AlarmHistoryItem[] = [];
      let token: string | undefined;
      do {
        const out = await t.cloudwatch.send(
          new cw.DescribeAlarmHistoryCommand({
            AlarmName: name,
            HistoryItemType: 'StateUpdate',
            MaxRecords: 1,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        assert.ok(out.AlarmHistoryItems!.length <= 1);
        paged.push(...out.AlarmHistoryItems!);
        token = out.NextToken;
      } while (token);
      assert.deepEqual(paged, states);

      // StartDate and EndDate are inclusive.
      const alarmed = states[2]!.Timestamp!;
      const since = await history({ HistoryItemType: 'StateUpdate', StartDate: alarmed });
      assert.ok(since.some((h) => h.HistorySummary === 'Alarm updated from OK to ALARM'));
      assert.ok(since.every((h) => h.Timestamp!.getTime() >= alarmed.getTime()));
      const until = await history({ HistoryItemType: 'StateUpdate', EndDate: alarmed });
      assert.ok(until.some((h) => h.HistorySummary === 'Alarm updated from OK to ALARM'));
      assert.ok(until.every((h) => h.Timestamp!.getTime() <= alarmed.getTime()));
      const future = new Date(Date.now() + 3_600_000);
      assert.deepEqual(await history({ StartDate: future }), []);

      // Every kind: the creation is a ConfigurationUpdate, and the history outlives the alarm.
      await t.cloudwatch.send(new cw.DeleteAlarmsCommand({ AlarmNames: [name] }));
      const all = await history({ ScanBy: 'TimestampAscending' });
      assert.equal(all[0]?.HistorySummary, `Alarm "${name}" created`);
      assert.equal(all[0]?.HistoryItemType, 'ConfigurationUpdate');
      assert.equal((JSON.parse(all[0].HistoryData!) as { type: string }).type, 'Create');
      assert.equal(all[all.length - 1]?.HistorySummary, `Alarm "${name}" deleted`);
      assert.equal(all.filter((h) => h.HistoryItemType === 'StateUpdate').length, 4);

      assert.deepEqual(
        (await t.cloudwatch.send(new cw.DescribeAlarmHistoryCommand({ AlarmName: 'never-existed' })))
          .AlarmHistoryItems,
        [],
      );
      const composite = await t.cloudwatch.send(
        new cw.DescribeAlarmHistoryCommand({ AlarmName: name, AlarmTypes: ['CompositeAlarm'] }),
      );
      assert.deepEqual(composite.AlarmHistoryItems, [], 'there are no composite alarms');
      const badToken = await caught(() =>
        t.cloudwatch.send(new cw.DescribeAlarmHistoryCommand({ AlarmName: name, NextToken: 'garbage' })),
      );
      assert.equal(badToken.name, 'InvalidNextToken');
      const badPage = await caught(() =>
        t.cloudwatch.send(new cw.DescribeAlarmHistoryCommand({ AlarmName: name, MaxRecords: 101 })),
      );
      // The SDK names CloudWatch's InvalidParameterValue after its own exception class.
      assert.match(badPage.name, /^InvalidParameterValue/);
      assert.match(badPage.message, /MaxRecords/);
    });
  });

  describe('S3', () => {
    it('puts, heads and gets objects with a quoted MD5 ETag', async () => {
      const put = await t.s3.send(
        new s3.PutObjectCommand({ Bucket: 'revisions', Key: 'web/app.zip', Body: 'bundle-bytes' }),
      );
      assert.equal(put.ETag, `"${createHash('md5').update('bundle-bytes').digest('hex')}"`);
      const head = await t.s3.send(new s3.HeadObjectCommand({ Bucket: 'revisions', Key: 'web/app.zip' }));
      assert.equal(head.ContentLength, 12);
      assert.equal(head.ETag, put.ETag);
      const got = await t.s3.send(new s3.GetObjectCommand({ Bucket: 'revisions', Key: 'web/app.zip' }));
      assert.equal(await got.Body!.transformToString(), 'bundle-bytes');
    });

    it('decodes aws-chunked streaming uploads with the SDK’s CRC32 trailer', async () => {
      const body = Buffer.alloc(200_000, 'x');
      const put = await t.s3.send(
        new s3.PutObjectCommand({
          Bucket: 'revisions',
          Key: 'web/stream.bin',
          Body: Readable.from([body.subarray(0, 70_000), body.subarray(70_000)]),
          ContentLength: body.length,
        }),
      );
      assert.ok(put.ETag);
      const stored = t.lc.cloud.s3.getObject('revisions', 'web/stream.bin');
      assert.equal(stored?.body.length, body.length);
      assert.ok(stored?.body.equals(body));
    });

    it('gives version ids in versioned buckets and S3’s errors otherwise', async () => {
      const v1 = await t.s3.send(
        new s3.PutObjectCommand({ Bucket: 'versioned-revisions', Key: 'a.zip', Body: 'one' }),
      );
      const v2 = await t.s3.send(
        new s3.PutObjectCommand({ Bucket: 'versioned-revisions', Key: 'a.zip', Body: 'two' }),
      );
      assert.ok(v1.VersionId && v2.VersionId && v1.VersionId !== v2.VersionId);
      const old = await t.s3.send(
        new s3.GetObjectCommand({ Bucket: 'versioned-revisions', Key: 'a.zip', VersionId: v1.VersionId }),
      );
      assert.equal(await old.Body!.transformToString(), 'one');
      const noKey = await caught(() =>
        t.s3.send(new s3.GetObjectCommand({ Bucket: 'revisions', Key: 'missing' })),
      );
      assert.equal(noKey.name, 'NoSuchKey');
      assert.equal(noKey.message, 'The specified key does not exist.');
      const noBucket = await caught(() =>
        t.s3.send(new s3.PutObjectCommand({ Bucket: 'missing-bucket', Key: 'k', Body: 'x' })),
      );
      assert.equal(noBucket.name, 'NoSuchBucket');
      assert.equal(noBucket.$metadata?.httpStatusCode, 404);
      const list = await t.s3.send(new s3.ListObjectsV2Command({ Bucket: 'revisions', Prefix: 'web/' }));
      assert.deepEqual(
        list.Contents!.map((o) => o.Key),
        ['web/app.zip', 'web/stream.bin'],
      );
    });

    it('a delete in a versioned bucket adds a delete marker: the key is gone, its versions are not', async () => {
      const bucket = 'versioned-revisions';
      const put = await t.s3.send(new s3.PutObjectCommand({ Bucket: bucket, Key: 'b.zip', Body: 'kept' }));
      const deleted = await t.s3.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: 'b.zip' }));
      assert.equal(deleted.DeleteMarker, true);
      assert.ok(
        deleted.VersionId && deleted.VersionId !== put.VersionId,
        'the marker has a version of its own',
      );
      const gone = await caught(() => t.s3.send(new s3.GetObjectCommand({ Bucket: bucket, Key: 'b.zip' })));
      assert.equal(gone.name, 'NoSuchKey');
      assert.equal(gone.$metadata?.httpStatusCode, 404);
      // The SDK does not read an error's headers; S3 names the marker in them.
      const raw = await fetch(`${t.lc.url}/${bucket}/b.zip`);
      assert.equal(raw.status, 404);
      assert.equal(raw.headers.get('x-amz-delete-marker'), 'true');
      assert.equal(raw.headers.get('x-amz-version-id'), deleted.VersionId);
      const head = await caught(() => t.s3.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: 'b.zip' })));
      assert.equal(head.$metadata?.httpStatusCode, 404);
      const listed = await t.s3.send(new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: 'b.zip' }));
      assert.equal(listed.KeyCount, 0, 'a deleted key is not listed');
      const old = await t.s3.send(
        new s3.GetObjectCommand({ Bucket: bucket, Key: 'b.zip', VersionId: put.VersionId }),
      );
      assert.equal(await old.Body!.transformToString(), 'kept');
      // Deleting the marker itself (by its version id) brings the key back.
      const unmarked = await t.s3.send(
        new s3.DeleteObjectCommand({ Bucket: bucket, Key: 'b.zip', VersionId: deleted.VersionId }),
      );
      assert.equal(unmarked.DeleteMarker, true);
      assert.equal(unmarked.VersionId, deleted.VersionId);
      const back = await t.s3.send(new s3.GetObjectCommand({ Bucket: bucket, Key: 'b.zip' }));
      assert.equal(await back.Body!.transformToString(), 'kept');
      assert.equal(back.VersionId, put.VersionId);
    });

    it('a delete in an unversioned bucket forgets the key, without a marker', async () => {
      await t.s3.send(new s3.PutObjectCommand({ Bucket: 'revisions', Key: 'tmp/c.zip', Body: 'x' }));
      const deleted = await t.s3.send(new s3.DeleteObjectCommand({ Bucket: 'revisions', Key: 'tmp/c.zip' }));
      assert.equal(deleted.DeleteMarker, undefined);
      assert.equal(deleted.VersionId, undefined);
      const gone = await caught(() =>
        t.s3.send(new s3.GetObjectCommand({ Bucket: 'revisions', Key: 'tmp/c.zip' })),
      );
      assert.equal(gone.name, 'NoSuchKey');
      const raw = await fetch(`${t.lc.url}/revisions/tmp/c.zip`);
      assert.equal(raw.headers.get('x-amz-delete-marker'), null);
    });

    it('ListBuckets names the buckets in name order, not creation order', async () => {
      await t.s3.send(new s3.CreateBucketCommand({ Bucket: 'aaa-created-last' }));
      const names = (await t.s3.send(new s3.ListBucketsCommand({}))).Buckets!.map((b) => b.Name!);
      assert.deepEqual(names, ['aaa-created-last', 'revisions', 'versioned-revisions']);
      await t.s3.send(new s3.DeleteBucketCommand({ Bucket: 'aaa-created-last' }));
    });
  });
});
