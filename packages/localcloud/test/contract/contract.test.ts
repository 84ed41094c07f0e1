// tier: integration
// Contract tests: every implemented operation, called through the real SDK clients, returns output
// that matches AWS's full botocore model; CodeDeploy's raw JSON matches it too, and each CodeDeploy
// operation's refusals name an error the model lists for it. The raw wire bytes of the query
// protocols have the protocol's shape (result wrapper, <item>, epoch numbers).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as ec2 from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { codeDeployOperations } from '../../src/codedeploy/index.js';
import { loadServiceModel, type ModelName } from '../../src/protocol/model.js';
import { startTestCloud, type TestCloud } from '../harness.js';
import { until } from '../harness.js';
import { exerciseCodeDeploy } from './codedeploy.js';
import { allowedErrors, unexplained } from './deviations.js';
import { ContractChecks } from './checks.js';
import { loadFullModel, validateJsonError, validateOutput } from './validate.js';

const WORLD = {
  launchTemplates: [{ name: 'web-lt', imageId: 'ami-0123456789abcdef0', instanceType: 't3.small' }],
  targetGroups: [
    {
      name: 'web-tg',
      port: 8000,
      healthCheck: { path: '/healthcheck', intervalSeconds: 5, healthyThreshold: 2 },
    },
  ],
  loadBalancers: [{ name: 'web-alb', listeners: [{ port: 8080, targetGroup: 'web-tg' }] }],
  autoScalingGroups: [
    {
      name: 'web-asg',
      instances: 3,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      targetGroups: ['web-tg'],
      launchTemplate: 'web-lt',
      tags: { env: 'dev' },
    },
  ],
  alarms: [{ name: 'web-5xx', state: 'OK' as const }],
};

describe('contract: responses match the botocore models', () => {
  let t: TestCloud;
  const contract = new ContractChecks();
  const check = (service: ModelName, operation: string, output: unknown) =>
    contract.check(service, operation, output);

  const refusedOperations = new Set<string>();

  before(async () => {
    t = await startTestCloud({ world: WORLD });
  });
  after(async () => t.close());

  it('EC2', async () => {
    check('ec2', 'DescribeInstances', await t.ec2.send(new ec2.DescribeInstancesCommand({})));
    const ids = (await t.ec2.send(new ec2.DescribeInstancesCommand({}))).Reservations!.flatMap((r) =>
      r.Instances!.map((i) => i.InstanceId!),
    );
    check(
      'ec2',
      'DescribeInstanceStatus',
      await t.ec2.send(new ec2.DescribeInstanceStatusCommand({ InstanceIds: ids })),
    );
    check('ec2', 'DescribeTags', await t.ec2.send(new ec2.DescribeTagsCommand({})));
    check(
      'ec2',
      'CreateLaunchTemplate',
      await t.ec2.send(
        new ec2.CreateLaunchTemplateCommand({
          LaunchTemplateName: 'other-lt',
          LaunchTemplateData: { ImageId: 'ami-0aaaaaaaaaaaaaaaa', SecurityGroupIds: ['sg-1'] },
          TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'team', Value: 'web' }] }],
        }),
      ),
    );
    check(
      'ec2',
      'CreateLaunchTemplateVersion',
      await t.ec2.send(
        new ec2.CreateLaunchTemplateVersionCommand({
          LaunchTemplateName: 'other-lt',
          SourceVersion: '1',
          LaunchTemplateData: { ImageId: 'ami-0bbbbbbbbbbbbbbbb' },
        }),
      ),
    );
    check('ec2', 'DescribeLaunchTemplates', await t.ec2.send(new ec2.DescribeLaunchTemplatesCommand({})));
    check(
      'ec2',
      'DescribeLaunchTemplateVersions',
      await t.ec2.send(
        new ec2.DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateName: 'other-lt',
          Versions: ['$Latest'],
        }),
      ),
    );
    const asgInstances = (await t.autoscaling.send(new asg.DescribeAutoScalingGroupsCommand({})))
      .AutoScalingGroups![0]!.Instances!;
    const outsider = ids.find((id) => !asgInstances.some((i) => i.InstanceId === id));
    assert.equal(outsider, undefined);
    check(
      'ec2',
      'TerminateInstances',
      await t.ec2.send(new ec2.TerminateInstancesCommand({ InstanceIds: [ids[0]!] })),
    );
    // The account's network and images.
    check('ec2', 'DescribeAvailabilityZones', await t.ec2.send(new ec2.DescribeAvailabilityZonesCommand({})));
    const vpcs = await t.ec2.send(new ec2.DescribeVpcsCommand({}));
    check('ec2', 'DescribeVpcs', vpcs);
    const vpcId = vpcs.Vpcs![0]!.VpcId!;
    check(
      'ec2',
      'DescribeSubnets',
      await t.ec2.send(new ec2.DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })),
    );
    const created = await t.ec2.send(
      new ec2.CreateSecurityGroupCommand({
        GroupName: 'web-sg',
        Description: 'web',
        VpcId: vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'team', Value: 'web' }] }],
      }),
    );
    check('ec2', 'CreateSecurityGroup', created);
    const permissions = [
      { IpProtocol: 'tcp', FromPort: 8000, ToPort: 8000, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
    ];
    check(
      'ec2',
      'AuthorizeSecurityGroupIngress',
      await t.ec2.send(
        new ec2.AuthorizeSecurityGroupIngressCommand({
          GroupId: created.GroupId,
          IpPermissions: permissions,
        }),
      ),
    );
    check('ec2', 'DescribeSecurityGroups', await t.ec2.send(new ec2.DescribeSecurityGroupsCommand({})));
    check(
      'ec2',
      'RevokeSecurityGroupIngress',
      await t.ec2.send(
        new ec2.RevokeSecurityGroupIngressCommand({ GroupId: created.GroupId, IpPermissions: permissions }),
      ),
    );
    check(
      'ec2',
      'DeleteSecurityGroup',
      await t.ec2.send(new ec2.DeleteSecurityGroupCommand({ GroupId: created.GroupId })),
    );
    check('ec2', 'DescribeImages', await t.ec2.send(new ec2.DescribeImagesCommand({})));
  });

  it('Auto Scaling', async () => {
    check(
      'autoscaling',
      'DescribeAutoScalingGroups',
      await t.autoscaling.send(new asg.DescribeAutoScalingGroupsCommand({})),
    );
    check(
      'autoscaling',
      'CreateAutoScalingGroup',
      await t.autoscaling.send(
        new asg.CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'batch-asg',
          LaunchTemplate: { LaunchTemplateName: 'web-lt' },
          MinSize: 0,
          MaxSize: 4,
          DesiredCapacity: 1,
          AvailabilityZones: ['us-east-1a'],
        }),
      ),
    );
    check(
      'autoscaling',
      'UpdateAutoScalingGroup',
      await t.autoscaling.send(
        new asg.UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'batch-asg', MaxSize: 5 }),
      ),
    );
    check(
      'autoscaling',
      'PutLifecycleHook',
      await t.autoscaling.send(
        new asg.PutLifecycleHookCommand({
          AutoScalingGroupName: 'batch-asg',
          LifecycleHookName: 'launch-hook',
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
          HeartbeatTimeout: 600,
          DefaultResult: 'ABANDON',
        }),
      ),
    );
    check(
      'autoscaling',
      'DescribeLifecycleHooks',
      await t.autoscaling.send(new asg.DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'batch-asg' })),
    );
    check(
      'autoscaling',
      'SetDesiredCapacity',
      await t.autoscaling.send(
        new asg.SetDesiredCapacityCommand({ AutoScalingGroupName: 'batch-asg', DesiredCapacity: 2 }),
      ),
    );
    const waiting = await until(
      async () =>
        (
          await t.autoscaling.send(
            new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['batch-asg'] }),
          )
        ).AutoScalingGroups![0]!.Instances!,
      (instances) => instances.some((i) => i.LifecycleState === 'Pending:Wait'),
      'a batch-asg instance in Pending:Wait',
      '1m',
    );
    const waitingId = waiting.find((i) => i.LifecycleState === 'Pending:Wait')!.InstanceId!;
    check(
      'autoscaling',
      'RecordLifecycleActionHeartbeat',
      await t.autoscaling.send(
        new asg.RecordLifecycleActionHeartbeatCommand({
          AutoScalingGroupName: 'batch-asg',
          LifecycleHookName: 'launch-hook',
          InstanceId: waitingId,
        }),
      ),
    );
    check(
      'autoscaling',
      'CompleteLifecycleAction',
      await t.autoscaling.send(
        new asg.CompleteLifecycleActionCommand({
          AutoScalingGroupName: 'batch-asg',
          LifecycleHookName: 'launch-hook',
          InstanceId: waitingId,
          LifecycleActionResult: 'CONTINUE',
        }),
      ),
    );
    check(
      'autoscaling',
      'DescribeAutoScalingInstances',
      await t.autoscaling.send(new asg.DescribeAutoScalingInstancesCommand({})),
    );
    const activities = await t.autoscaling.send(
      new asg.DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'batch-asg' }),
    );
    check('autoscaling', 'DescribeScalingActivities', activities);
    assert.match(activities.Activities![0]!.Description!, /^Launching a new EC2 instance: i-[0-9a-f]+$/);
    check(
      'autoscaling',
      'DeleteLifecycleHook',
      await t.autoscaling.send(
        new asg.DeleteLifecycleHookCommand({
          AutoScalingGroupName: 'batch-asg',
          LifecycleHookName: 'launch-hook',
        }),
      ),
    );
    const inService = await until(
      async () =>
        (
          await t.autoscaling.send(
            new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['batch-asg'] }),
          )
        ).AutoScalingGroups![0]!.Instances!,
      (instances) => instances.filter((i) => i.LifecycleState === 'InService').length === 2,
      'two batch-asg instances InService',
      '1m',
    );
    check(
      'autoscaling',
      'DetachInstances',
      await t.autoscaling.send(
        new asg.DetachInstancesCommand({
          AutoScalingGroupName: 'batch-asg',
          InstanceIds: [inService[0]!.InstanceId!],
          ShouldDecrementDesiredCapacity: true,
        }),
      ),
    );
    check(
      'autoscaling',
      'TerminateInstanceInAutoScalingGroup',
      await t.autoscaling.send(
        new asg.TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: inService[1]!.InstanceId!,
          ShouldDecrementDesiredCapacity: true,
        }),
      ),
    );
    check(
      'autoscaling',
      'SuspendProcesses',
      await t.autoscaling.send(
        new asg.SuspendProcessesCommand({
          AutoScalingGroupName: 'batch-asg',
          ScalingProcesses: ['AZRebalance'],
        }),
      ),
    );
    check(
      'autoscaling',
      'PutWarmPool',
      await t.autoscaling.send(new asg.PutWarmPoolCommand({ AutoScalingGroupName: 'batch-asg', MinSize: 1 })),
    );
    check(
      'autoscaling',
      'DescribeWarmPool',
      await t.autoscaling.send(new asg.DescribeWarmPoolCommand({ AutoScalingGroupName: 'batch-asg' })),
    );
    // The group as AWS reports one with a suspended process and a warm pool.
    check(
      'autoscaling',
      'DescribeAutoScalingGroups',
      await t.autoscaling.send(
        new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['batch-asg'] }),
      ),
    );
    check(
      'autoscaling',
      'DeleteWarmPool',
      await t.autoscaling.send(new asg.DeleteWarmPoolCommand({ AutoScalingGroupName: 'batch-asg' })),
    );
    check(
      'autoscaling',
      'ResumeProcesses',
      await t.autoscaling.send(new asg.ResumeProcessesCommand({ AutoScalingGroupName: 'batch-asg' })),
    );
    check(
      'autoscaling',
      'CreateAutoScalingGroup',
      await t.autoscaling.send(
        new asg.CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'mixed-asg',
          MinSize: 0,
          MaxSize: 2,
          AvailabilityZones: ['us-east-1a'],
          CapacityRebalance: true,
          MixedInstancesPolicy: {
            LaunchTemplate: {
              LaunchTemplateSpecification: { LaunchTemplateName: 'web-lt' },
              Overrides: [{ InstanceType: 't3.small' }, { InstanceType: 't3a.small', WeightedCapacity: '1' }],
            },
            InstancesDistribution: { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 50 },
          },
        }),
      ),
    );
    check(
      'autoscaling',
      'DescribeAutoScalingGroups',
      await t.autoscaling.send(
        new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['mixed-asg'] }),
      ),
    );
    check(
      'autoscaling',
      'DeleteAutoScalingGroup',
      await t.autoscaling.send(
        new asg.DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'mixed-asg', ForceDelete: true }),
      ),
    );
    check(
      'autoscaling',
      'DeleteAutoScalingGroup',
      await t.autoscaling.send(
        new asg.DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'batch-asg', ForceDelete: true }),
      ),
    );
  });

  it('ELBv2', async () => {
    const groups = await t.elbv2.send(new elb.DescribeTargetGroupsCommand({}));
    check('elbv2', 'DescribeTargetGroups', groups);
    const arn = groups.TargetGroups![0]!.TargetGroupArn!;
    check(
      'elbv2',
      'DescribeTargetHealth',
      await t.elbv2.send(new elb.DescribeTargetHealthCommand({ TargetGroupArn: arn })),
    );
    check(
      'elbv2',
      'DescribeTargetGroupAttributes',
      await t.elbv2.send(new elb.DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn })),
    );
    check(
      'elbv2',
      'ModifyTargetGroupAttributes',
      await t.elbv2.send(
        new elb.ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arn,
          Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
        }),
      ),
    );
    const created = await t.elbv2.send(
      new elb.CreateTargetGroupCommand({
        Name: 'api-tg',
        Protocol: 'HTTP',
        Port: 9000,
        VpcId: t.lc.cloud.region('us-east-1').ec2.defaultVpc().id,
      }),
    );
    check('elbv2', 'CreateTargetGroup', created);
    const running = (
      await t.ec2.send(
        new ec2.DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }),
      )
    )
      .Reservations!.flatMap((r) => r.Instances!)
      .map((i) => i.InstanceId!);
    const apiArn = created.TargetGroups![0]!.TargetGroupArn!;
    check(
      'elbv2',
      'RegisterTargets',
      await t.elbv2.send(
        new elb.RegisterTargetsCommand({ TargetGroupArn: apiArn, Targets: [{ Id: running[0]! }] }),
      ),
    );
    check(
      'elbv2',
      'DeregisterTargets',
      await t.elbv2.send(
        new elb.DeregisterTargetsCommand({ TargetGroupArn: apiArn, Targets: [{ Id: running[0]! }] }),
      ),
    );
    const subnets = (await t.ec2.send(new ec2.DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
    const lb = await t.elbv2.send(
      new elb.CreateLoadBalancerCommand({ Name: 'api-alb', Subnets: subnets.slice(0, 2) }),
    );
    check('elbv2', 'CreateLoadBalancer', lb);
    check('elbv2', 'DescribeLoadBalancers', await t.elbv2.send(new elb.DescribeLoadBalancersCommand({})));
    const lbArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
    check(
      'elbv2',
      'CreateListener',
      await t.elbv2.send(
        new elb.CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'forward', TargetGroupArn: apiArn }],
        }),
      ),
    );
    check(
      'elbv2',
      'DescribeListeners',
      await t.elbv2.send(new elb.DescribeListenersCommand({ LoadBalancerArn: lbArn })),
    );
    const spare = await t.elbv2.send(new elb.CreateTargetGroupCommand({ Name: 'spare-tg', Port: 81 }));
    check(
      'elbv2',
      'DeleteTargetGroup',
      await t.elbv2.send(
        new elb.DeleteTargetGroupCommand({ TargetGroupArn: spare.TargetGroups![0]!.TargetGroupArn! }),
      ),
    );
  });

  it('CloudWatch', async () => {
    check(
      'cloudwatch',
      'PutMetricAlarm',
      await t.cloudwatch.send(
        new cw.PutMetricAlarmCommand({
          AlarmName: 'api-latency',
          MetricName: 'TargetResponseTime',
          Namespace: 'AWS/ApplicationELB',
          Statistic: 'Average',
          Period: 60,
          EvaluationPeriods: 2,
          Threshold: 0.5,
          ComparisonOperator: 'GreaterThanThreshold',
          Dimensions: [{ Name: 'LoadBalancer', Value: 'app/web-alb/123' }],
        }),
      ),
    );
    check(
      'cloudwatch',
      'SetAlarmState',
      await t.cloudwatch.send(
        new cw.SetAlarmStateCommand({ AlarmName: 'api-latency', StateValue: 'ALARM', StateReason: 'test' }),
      ),
    );
    check('cloudwatch', 'DescribeAlarms', await t.cloudwatch.send(new cw.DescribeAlarmsCommand({})));
    check(
      'cloudwatch',
      'PutCompositeAlarm',
      await t.cloudwatch.send(
        new cw.PutCompositeAlarmCommand({ AlarmName: 'api-any', AlarmRule: 'ALARM("api-latency") OR FALSE' }),
      ),
    );
    const both = await t.cloudwatch.send(
      new cw.DescribeAlarmsCommand({
        AlarmNames: ['api-any'],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      }),
    );
    assert.equal(both.CompositeAlarms?.[0]?.StateValue, 'ALARM');
    check('cloudwatch', 'DescribeAlarms', both);
    const history = await t.cloudwatch.send(
      new cw.DescribeAlarmHistoryCommand({ AlarmName: 'api-latency', MaxRecords: 100 }),
    );
    assert.deepEqual(
      history.AlarmHistoryItems?.map((h) => h.HistoryItemType),
      ['StateUpdate', 'ConfigurationUpdate'],
    );
    check('cloudwatch', 'DescribeAlarmHistory', history);
    // Thresholds are doubles on the wire, 1.0 rather than 1 (boto3 does not coerce JSON numbers).
    const raw = await fetch(t.lc.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
      },
      body: JSON.stringify({ AlarmNames: ['web-5xx'] }),
    });
    assert.match(await raw.text(), /"Threshold":1\.0[,}]/);
    const rawXml = await fetch(t.lc.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=web-5xx',
    });
    assert.match(await rawXml.text(), /<Threshold>1\.0<\/Threshold>/);
    check(
      'cloudwatch',
      'DeleteAlarms',
      // One name matches no alarm: the others are deleted all the same, without an error.
      await t.cloudwatch.send(
        new cw.DeleteAlarmsCommand({ AlarmNames: ['api-any', 'api-latency', 'no-such-alarm'] }),
      ),
    );

    const dimensions = [{ Name: 'Service', Value: 'web' }];
    const now = Date.now();
    check(
      'cloudwatch',
      'PutMetricData',
      await t.cloudwatch.send(
        new cw.PutMetricDataCommand({
          Namespace: 'Contract',
          MetricData: [
            { MetricName: 'Latency', Dimensions: dimensions, Value: 0.25, Unit: 'Seconds' },
            {
              MetricName: 'Latency',
              Dimensions: dimensions,
              Values: [0.1, 0.3],
              Counts: [2, 1],
              Unit: 'Seconds',
            },
            {
              MetricName: 'Requests',
              Dimensions: dimensions,
              StatisticValues: { SampleCount: 3, Sum: 12, Minimum: 2, Maximum: 6 },
            },
          ],
        }),
      ),
    );
    const range = { StartTime: new Date(now - 3_600_000), EndTime: new Date(now + 3_600_000) };
    const statistics = await t.cloudwatch.send(
      new cw.GetMetricStatisticsCommand({
        Namespace: 'Contract',
        MetricName: 'Latency',
        Dimensions: dimensions,
        ...range,
        Period: 3600,
        Statistics: ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'],
        ExtendedStatistics: ['p50'],
      }),
    );
    check('cloudwatch', 'GetMetricStatistics', statistics);
    const total = statistics.Datapoints!.reduce((n, d) => n + d.SampleCount!, 0);
    assert.equal(total, 4);
    const data = await t.cloudwatch.send(
      new cw.GetMetricDataCommand({
        ...range,
        MetricDataQueries: [
          {
            Id: 'latency',
            MetricStat: {
              Metric: { Namespace: 'Contract', MetricName: 'Latency', Dimensions: dimensions },
              Period: 60,
              Stat: 'Maximum',
            },
          },
          { Id: 'millis', Expression: 'latency * 1000', Label: 'ms' },
        ],
      }),
    );
    check('cloudwatch', 'GetMetricData', data);
    assert.deepEqual(
      data.MetricDataResults!.map((r) => [r.Id, r.StatusCode]),
      [
        ['latency', 'Complete'],
        ['millis', 'Complete'],
      ],
    );
    const listed = await t.cloudwatch.send(new cw.ListMetricsCommand({ Namespace: 'Contract' }));
    check('cloudwatch', 'ListMetrics', listed);
    assert.deepEqual(listed.Metrics!.map((m) => m.MetricName).sort(), ['Latency', 'Requests']);
  });

  it('CodeDeploy: answers and refusals, parsed by the SDK and as raw JSON', async () => {
    const model = loadFullModel('codedeploy');
    await exerciseCodeDeploy({
      answered(operation, output, wire) {
        check('codedeploy', operation, output);
        assert.equal(wire.status, 200, `${operation}: ${wire.text}`);
        assert.equal(wire.headers['content-type'], 'application/x-amz-json-1.1');
        const raw: unknown = wire.text === '' ? {} : JSON.parse(wire.text);
        const problems = validateOutput(model, operation, raw, { timestamps: 'json' });
        assert.deepEqual(unexplained('codedeploy', operation, problems), [], `${operation}: raw JSON`);
      },
      refused(operation, error, wire) {
        assert.equal(wire.status, 400, `${operation}: ${wire.text}`);
        const raw = JSON.parse(wire.text) as { __type?: string; message?: string };
        const problems = validateJsonError(model, operation, raw, allowedErrors('codedeploy', operation));
        assert.deepEqual(problems, [], `${operation}: error ${wire.text}`);
        assert.equal(error.name, raw.__type, `${operation}: the SDK read a different error code`);
        assert.equal(error.message, raw.message);
        refusedOperations.add(operation);
      },
    });
  });

  it('covers every implemented operation', () => {
    // IAM and STS: iam-sts.test.ts.
    for (const service of ['ec2', 'autoscaling', 'elbv2', 'cloudwatch', 'codedeploy'] as const) {
      const implemented = Object.keys(loadServiceModel(service).operations).sort();
      assert.deepEqual(
        contract.exercised(service),
        implemented,
        `${service} operations without a contract check`,
      );
    }
    assert.deepEqual([...refusedOperations].sort(), [...codeDeployOperations].sort(), 'CodeDeploy refusals');
    assert.deepEqual(
      Object.keys(loadServiceModel('codedeploy').operations).sort(),
      [...codeDeployOperations].sort(),
      'the trimmed CodeDeploy model and the handlers disagree',
    );
  });
});

describe('contract: raw wire format', () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({ world: WORLD });
  });
  after(async () => t.close());

  const post = async (service: string, body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(t.lc.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
        ...headers,
      },
      body,
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  };

  it('awsQuery wraps output in <OpResult>, lists in <member>, empty lists as <Name/>, ISO timestamps with milliseconds', async () => {
    const { status, text, headers } = await post(
      'autoscaling',
      'Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames=',
    );
    assert.equal(status, 200);
    assert.match(
      text,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<DescribeAutoScalingGroupsResponse xmlns="http:\/\/autoscaling.amazonaws.com\/doc\/2011-01-01\/"><DescribeAutoScalingGroupsResult>/,
    );
    assert.match(
      text,
      /<AvailabilityZones><member>us-east-1a<\/member><member>us-east-1b<\/member><\/AvailabilityZones>/,
    );
    assert.match(text, /<LoadBalancerNames\/>/);
    assert.match(text, /<CreatedTime>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/CreatedTime>/);
    assert.match(
      text,
      /<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DescribeAutoScalingGroupsResponse>$/,
    );
    assert.match(headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('awsQuery operations without output have no Result element', async () => {
    const { text } = await post(
      'autoscaling',
      'Action=SetDesiredCapacity&Version=2011-01-01&AutoScalingGroupName=web-asg&DesiredCapacity=3',
    );
    assert.doesNotMatch(text, /Result/);
    assert.match(text, /<SetDesiredCapacityResponse xmlns="[^"]+"><ResponseMetadata>/);
  });

  it('awsQuery errors are <ErrorResponse> with the model error code', async () => {
    const { status, text } = await post(
      'elasticloadbalancing',
      'Action=DescribeTargetGroups&Version=2015-12-01&Names.member.1=missing',
    );
    assert.equal(status, 400);
    assert.match(
      text,
      /<ErrorResponse xmlns="http:\/\/elasticloadbalancing.amazonaws.com\/doc\/2015-12-01\/"><Error><Type>Sender<\/Type><Code>TargetGroupNotFound<\/Code><Message>One or more target groups not found<\/Message><\/Error><RequestId>/,
    );
  });

  it('ec2 query has no result wrapper, a lower-case requestId, lowerCamel names and <item> lists', async () => {
    const { text } = await post(
      'ec2',
      'Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Aaws%3Aautoscaling%3AgroupName&Filter.1.Value.1=web-asg',
    );
    assert.match(
      text,
      /<DescribeInstancesResponse xmlns="http:\/\/ec2.amazonaws.com\/doc\/2016-11-15\/"><requestId>[0-9a-f-]{36}<\/requestId><reservationSet><item>/,
    );
    assert.match(
      text,
      /<reservationId>r-[0-9a-f]{17}<\/reservationId><\/item><\/reservationSet><\/DescribeInstancesResponse>$/,
    );
    assert.match(
      text,
      /<instancesSet><item><amiLaunchIndex>0<\/amiLaunchIndex><imageId>ami-0123456789abcdef0<\/imageId><instanceId>i-[0-9a-f]{17}<\/instanceId>/,
    );
    assert.match(text, /<instanceState><code>16<\/code><name>running<\/name><\/instanceState>/);
    assert.match(
      text,
      /<tagSet><item><key>env<\/key><value>dev<\/value><\/item><item><key>aws:autoscaling:groupName<\/key><value>web-asg<\/value><\/item>/,
    );
    assert.match(text, /<privateIpAddress>127\.0\.\d+\.\d+<\/privateIpAddress>/);
    assert.doesNotMatch(text, /<member>|Result>/);
  });

  it('ec2 errors are <Response><Errors> with an upper-case RequestID', async () => {
    const { status, text } = await post(
      'ec2',
      'Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0000000000000000a',
    );
    assert.equal(status, 400);
    assert.match(
      text,
      /<Response><Errors><Error><Code>InvalidInstanceID.NotFound<\/Code><Message>The instance ID 'i-0000000000000000a' does not exist<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>/,
    );
  });

  it('CloudWatch JSON 1.0 renders timestamps as epoch-second numbers and matches the model', async () => {
    const response = await fetch(t.lc.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
      },
      body: '{}',
    });
    assert.equal(response.headers.get('content-type'), 'application/x-amz-json-1.0');
    const body = (await response.json()) as { MetricAlarms: { StateUpdatedTimestamp: unknown }[] };
    assert.equal(typeof body.MetricAlarms[0]?.StateUpdatedTimestamp, 'number');
    assert.deepEqual(
      validateOutput(loadFullModel('cloudwatch'), 'DescribeAlarms', body, { timestamps: 'json' }),
      [],
    );
  });

  it('CloudWatch JSON 1.0 DescribeAlarmHistory: epoch-second timestamps, HistoryData a JSON string, the model', async () => {
    const response = await fetch(t.lc.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarmHistory',
      },
      body: JSON.stringify({ AlarmName: 'web-5xx', HistoryItemType: 'StateUpdate' }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      AlarmHistoryItems: { Timestamp: unknown; HistorySummary: string; HistoryData: string }[];
    };
    const [item] = body.AlarmHistoryItems;
    assert.equal(typeof item?.Timestamp, 'number');
    assert.equal(item?.HistorySummary, 'Alarm updated from INSUFFICIENT_DATA to OK');
    assert.deepEqual(JSON.parse(item?.HistoryData ?? ''), {
      version: '1.0',
      oldState: { stateValue: 'INSUFFICIENT_DATA', stateReason: 'Unchecked: Initial alarm creation' },
      newState: { stateValue: 'OK', stateReason: 'Set by the local cloud world file' },
    });
    assert.deepEqual(
      validateOutput(loadFullModel('cloudwatch'), 'DescribeAlarmHistory', body, { timestamps: 'json' }),
      [],
    );
  });

  it('CloudWatch query DescribeAlarmHistory: <member> items, ISO timestamps, HistoryData as text', async () => {
    const { status, text } = await post(
      'monitoring',
      'Action=DescribeAlarmHistory&Version=2010-08-01&AlarmName=web-5xx&HistoryItemType=StateUpdate&ScanBy=TimestampAscending',
    );
    assert.equal(status, 200, text);
    assert.match(
      text,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<DescribeAlarmHistoryResponse xmlns="http:\/\/monitoring.amazonaws.com\/doc\/2010-08-01\/"><DescribeAlarmHistoryResult><AlarmHistoryItems><member>/,
    );
    assert.match(text, /<AlarmName>web-5xx<\/AlarmName><AlarmType>MetricAlarm<\/AlarmType>/);
    assert.match(text, /<Timestamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/Timestamp>/);
    assert.match(text, /<HistoryItemType>StateUpdate<\/HistoryItemType>/);
    assert.match(text, /<HistorySummary>Alarm updated from INSUFFICIENT_DATA to OK<\/HistorySummary>/);
    assert.match(text, /<HistoryData>\{"version":"1.0","oldState":\{"stateValue":"INSUFFICIENT_DATA"/);
  });

  it('CloudWatch JSON errors carry __type and the query-compatible error header', async () => {
    const response = await fetch(t.lc.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.SetAlarmState',
      },
      body: JSON.stringify({ AlarmName: 'missing', StateValue: 'OK', StateReason: 'x' }),
    });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('x-amzn-query-error'), 'ResourceNotFound;Sender');
    assert.deepEqual(await response.json(), {
      __type: 'ResourceNotFound',
      message: 'Alarm missing not found',
    });
  });
});
