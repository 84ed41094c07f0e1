// tier: integration
// CloudWatch's metrics and alarms that move by themselves, through the SDK on a manual clock: the
// load balancer's host counts and traffic become AWS/ApplicationELB metrics, the template's
// unhealthy-hosts and 5xx-rate alarms evaluate on their own, and an Auto Scaling group with ELB
// health checks replaces an instance its target group reports unhealthy.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { startTestCloud, caught, type TestCloud } from '../harness.js';

const START = new Date('2026-04-12T23:00:00Z');
const MINUTE = 60_000;

const world = {
  targetGroups: [
    {
      name: 'web-tg',
      port: 8000,
      healthCheck: { path: '/healthcheck', intervalSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
      deregistrationDelay: 0,
    },
  ],
  loadBalancers: [{ name: 'web-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
  autoScalingGroups: [
    { name: 'web-asg', instances: 2, availabilityZones: ['us-east-1a'], targetGroups: ['web-tg'] },
  ],
};

interface Shape {
  loadBalancer: string;
  targetGroup: string;
  /** The listener's address: its load balancer's DNSName and the port it was given. */
  listener: { host: string; port: number };
}

async function shapeOf(t: TestCloud): Promise<Shape> {
  const balancer = (await t.elbv2.send(new elb.DescribeLoadBalancersCommand({ Names: ['web-alb'] })))
    .LoadBalancers![0]!;
  const group = (await t.elbv2.send(new elb.DescribeTargetGroupsCommand({ Names: ['web-tg'] })))
    .TargetGroups![0]!;
  const listener = (
    await t.elbv2.send(new elb.DescribeListenersCommand({ LoadBalancerArn: balancer.LoadBalancerArn }))
  ).Listeners![0]!;
  return {
    loadBalancer: balancer.LoadBalancerArn!.split(':loadbalancer/')[1]!,
    targetGroup: group.TargetGroupArn!.split(':').slice(5).join(':'),
    listener: { host: balancer.DNSName!, port: listener.Port! },
  };
}

function get({ host, port }: { host: string; port: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function stateOf(t: TestCloud, name: string): Promise<cw.MetricAlarm> {
  return (await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!;
}

async function transitions(t: TestCloud, name: string): Promise<string[]> {
  const items = (
    await t.cloudwatch.send(
      new cw.DescribeAlarmHistoryCommand({
        AlarmName: name,
        HistoryItemType: 'StateUpdate',
        ScanBy: 'TimestampAscending',
      }),
    )
  ).AlarmHistoryItems!;
  return items.map((h) => h.HistorySummary!);
}

async function targetGroupArn(t: TestCloud): Promise<string> {
  const groups = await t.elbv2.send(new elb.DescribeTargetGroupsCommand({ Names: ['web-tg'] }));
  return groups.TargetGroups![0]!.TargetGroupArn!;
}

/** The Sum of an AWS/ApplicationELB metric from the minute of `fromMs` to now. */
async function sumOf(t: TestCloud, metric: string, dims: cw.Dimension[], fromMs: number): Promise<number> {
  const out = await t.cloudwatch.send(
    new cw.GetMetricStatisticsCommand({
      Namespace: 'AWS/ApplicationELB',
      MetricName: metric,
      Dimensions: dims,
      StartTime: new Date(Math.floor(fromMs / MINUTE) * MINUTE),
      EndTime: t.time!.now(),
      Period: 60,
      Statistics: ['Sum'],
    }),
  );
  return out.Datapoints!.reduce((n, d) => n + d.Sum!, 0);
}

function instanceIds(t: TestCloud): string[] {
  return t.lc.cloud
    .region('us-east-1')
    .autoscaling.get('web-asg')!
    .instances.map((i) => i.instanceId);
}

describe('CloudWatch metrics and alarms on the cloud clock', () => {
  let t: TestCloud;
  let shape: Shape;
  before(async () => {
    t = await startTestCloud({ clock: { manual: START }, world });
    shape = await shapeOf(t);
  });
  after(() => t.close());

  it("puts the template's unhealthy-hosts alarm in ALARM by itself when no target passes its health check", async () => {
    await t.cloudwatch.send(
      new cw.PutMetricAlarmCommand({
        AlarmName: 'web-dev-unhealthy-hosts',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'UnHealthyHostCount',
        Dimensions: [
          { Name: 'LoadBalancer', Value: shape.loadBalancer },
          { Name: 'TargetGroup', Value: shape.targetGroup },
        ],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 2,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      }),
    );
    const created = await stateOf(t, 'web-dev-unhealthy-hosts');
    assert.equal(created.StateValue, 'INSUFFICIENT_DATA');
    assert.equal(created.StateReason, 'Unchecked: Initial alarm creation');

    // Nothing on the instances answers the health check any more.
    for (const id of instanceIds(t)) t.lc.cloud.region('us-east-1').elbv2.setAppHealthy(id, false);
    await t.time!.advance(2 * MINUTE);

    const alarm = await stateOf(t, 'web-dev-unhealthy-hosts');
    assert.equal(alarm.StateValue, 'ALARM');
    assert.equal(
      alarm.StateReason,
      'Threshold Crossed: 2 out of the last 2 datapoints [2.0 (12/04/26 23:01:00), 2.0 (12/04/26 23:00:00)] ' +
        'were greater than the threshold (0.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    const data = JSON.parse(alarm.StateReasonData!) as {
      statistic: string;
      period: number;
      recentDatapoints: number[];
    };
    assert.equal(data.statistic, 'Maximum');
    assert.equal(data.period, 60);
    assert.deepEqual(data.recentDatapoints, [2, 2]);
    // The first minute had one breaching datapoint of the two needed, the missing one not breaching.
    assert.deepEqual(await transitions(t, 'web-dev-unhealthy-hosts'), [
      'Alarm updated from INSUFFICIENT_DATA to OK',
      'Alarm updated from OK to ALARM',
    ]);

    // The metric behind it, as GetMetricStatistics and GetMetricData read it.
    const stats = await t.cloudwatch.send(
      new cw.GetMetricStatisticsCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'UnHealthyHostCount',
        Dimensions: [
          { Name: 'TargetGroup', Value: shape.targetGroup },
          { Name: 'LoadBalancer', Value: shape.loadBalancer },
        ],
        StartTime: START,
        EndTime: new Date(START.getTime() + 2 * MINUTE),
        Period: 60,
        Statistics: ['Maximum', 'SampleCount'],
      }),
    );
    assert.deepEqual(
      stats.Datapoints!.map((d) => [d.Timestamp!.toISOString(), d.Maximum, d.SampleCount, d.Unit]).sort(),
      [
        ['2026-04-12T23:00:00.000Z', 2, 1, 'Count'],
        ['2026-04-12T23:01:00.000Z', 2, 1, 'Count'],
      ],
    );
    const healthy = await t.cloudwatch.send(
      new cw.GetMetricDataCommand({
        StartTime: START,
        EndTime: new Date(START.getTime() + 2 * MINUTE),
        MetricDataQueries: [
          {
            Id: 'healthy',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ApplicationELB',
                MetricName: 'HealthyHostCount',
                Dimensions: [
                  { Name: 'LoadBalancer', Value: shape.loadBalancer },
                  { Name: 'TargetGroup', Value: shape.targetGroup },
                ],
              },
              Period: 60,
              Stat: 'Minimum',
            },
          },
        ],
      }),
    );
    assert.deepEqual(healthy.MetricDataResults![0]!.Values, [0, 0]);
    assert.equal(healthy.MetricDataResults![0]!.Label, 'HealthyHostCount');

    // SetAlarmState holds only until the next evaluation, as on AWS.
    await t.cloudwatch.send(
      new cw.SetAlarmStateCommand({
        AlarmName: 'web-dev-unhealthy-hosts',
        StateValue: 'OK',
        StateReason: 'testing',
      }),
    );
    assert.equal((await stateOf(t, 'web-dev-unhealthy-hosts')).StateValue, 'OK');
    await t.time!.advance(MINUTE);
    assert.equal((await stateOf(t, 'web-dev-unhealthy-hosts')).StateValue, 'ALARM');

    // The targets leave the group (whether a synthetic target answers depends on what was deployed
    // to it): two minutes without unhealthy hosts and the alarm is OK.
    const ids = instanceIds(t);
    const TargetGroupArn = await targetGroupArn(t);
    await t.elbv2.send(
      new elb.DeregisterTargetsCommand({ TargetGroupArn, Targets: ids.map((Id) => ({ Id })) }),
    );
    await t.time!.advance(2 * MINUTE);
    const back = await stateOf(t, 'web-dev-unhealthy-hosts');
    assert.equal(back.StateValue, 'OK');
    // One healthy minute is enough: ALARM needs 2 breaching datapoints of 2, so 1 good one ends it.
    assert.equal(
      back.StateReason,
      'Threshold Crossed: 1 out of the last 2 datapoints [0.0 (12/04/26 23:03:00)] was not greater than ' +
        'the threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );

    // No target at all: the load balancer answers 503 itself, an HTTPCode_ELB_5XX_Count and no RequestCount.
    const from = t.time!.now().getTime();
    assert.equal(await get(shape.listener), 503);
    await t.time!.advance(MINUTE);
    const lb = [{ Name: 'LoadBalancer', Value: shape.loadBalancer }];
    assert.equal(await sumOf(t, 'HTTPCode_ELB_5XX_Count', lb, from), 1);
    assert.equal(await sumOf(t, 'RequestCount', lb, from), 0);

    // Back in the group for the next test (settled within the minute, healthy or not).
    await t.elbv2.send(
      new elb.RegisterTargetsCommand({ TargetGroupArn, Targets: ids.map((Id) => ({ Id })) }),
    );
    await t.time!.advance(MINUTE);
  });

  it('counts listener traffic: RequestCount, target status codes and response times', async () => {
    const startedAt = t.time!.now().getTime();
    const statuses = [await get(shape.listener), await get(shape.listener), await get(shape.listener)];
    assert.deepEqual(statuses, [200, 200, 200]);
    await t.time!.advance(MINUTE);
    const sum = (metric: string, dims: cw.Dimension[]) => sumOf(t, metric, dims, startedAt);
    const lb = [{ Name: 'LoadBalancer', Value: shape.loadBalancer }];
    const lbTg = [...lb, { Name: 'TargetGroup', Value: shape.targetGroup }];
    assert.equal(await sum('RequestCount', lb), 3);
    assert.equal(await sum('RequestCount', lbTg), 3);
    assert.equal(await sum('HTTPCode_Target_2XX_Count', lbTg), 3);
    assert.equal(
      await sum('HTTPCode_ELB_5XX_Count', lb),
      0,
      'no datapoint: the metric is published only when nonzero',
    );
    const times = await t.cloudwatch.send(
      new cw.GetMetricStatisticsCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'TargetResponseTime',
        Dimensions: lb,
        StartTime: new Date(startedAt - MINUTE),
        EndTime: t.time!.now(),
        Period: 60,
        Statistics: ['SampleCount'],
        ExtendedStatistics: ['p99'],
      }),
    );
    assert.equal(times.Datapoints![0]!.SampleCount, 3);
    assert.equal(times.Datapoints![0]!.Unit, 'Seconds');
    assert.ok(times.Datapoints![0]!.ExtendedStatistics!.p99! >= 0);

    const listed = await t.cloudwatch.send(
      new cw.ListMetricsCommand({ Namespace: 'AWS/ApplicationELB', Dimensions: [{ Name: 'TargetGroup' }] }),
    );
    const names = new Set(listed.Metrics!.map((m) => m.MetricName));
    for (const name of ['HealthyHostCount', 'UnHealthyHostCount', 'RequestCount', 'TargetResponseTime'])
      assert.ok(names.has(name), `${name} is listed`);
    const groups = await t.cloudwatch.send(
      new cw.ListMetricsCommand({
        Namespace: 'AWS/AutoScaling',
        MetricName: 'GroupInServiceInstances',
        Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web-asg' }],
      }),
    );
    assert.equal(groups.Metrics!.length, 1);
  });

  it("evaluates the template's 5xx-rate alarm (metric math) OK -> ALARM -> OK with DatapointsToAlarm 2 of 3", async () => {
    // The template's ServerErrorRateAlarm, on metrics the test publishes itself (a namespace of its own,
    // since AWS/ is AWS's): the same expression, statistics, periods and missing-data treatment.
    const metric = (name: string) => ({
      Namespace: 'Rehearsal/ALB',
      MetricName: name,
      Dimensions: [{ Name: 'LoadBalancer', Value: shape.loadBalancer }],
    });
    await t.cloudwatch.send(
      new cw.PutMetricAlarmCommand({
        AlarmName: 'web-dev-5xx-rate',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 5,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
        Metrics: [
          {
            Id: 'rate',
            Label: '5xx percent',
            ReturnData: true,
            Expression: 'IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)',
          },
          {
            Id: 'requests',
            ReturnData: false,
            MetricStat: { Metric: metric('RequestCount'), Period: 60, Stat: 'Sum' },
          },
          {
            Id: 'target5xx',
            ReturnData: false,
            MetricStat: { Metric: metric('Target5xx'), Period: 60, Stat: 'Sum' },
          },
          {
            Id: 'elb5xx',
            ReturnData: false,
            MetricStat: { Metric: metric('Elb5xx'), Period: 60, Stat: 'Sum' },
          },
        ],
      }),
    );
    const put = (name: string, value: number) =>
      t.cloudwatch.send(
        new cw.PutMetricDataCommand({
          Namespace: 'Rehearsal/ALB',
          MetricData: [{ ...metric(name), Value: value, Unit: 'Count' }],
        }),
      );
    const minute = async (requests: number, target5xx: number) => {
      await put('RequestCount', requests);
      if (target5xx > 0) await put('Target5xx', target5xx);
      await t.time!.advance(MINUTE);
      return (await stateOf(t, 'web-dev-5xx-rate')).StateValue;
    };
    // No traffic at all: every period missing, treated as not breaching.
    await t.time!.advance(MINUTE);
    assert.equal((await stateOf(t, 'web-dev-5xx-rate')).StateValue, 'OK');
    assert.equal(await minute(100, 0), 'OK');
    assert.equal(await minute(100, 50), 'OK', 'one breaching datapoint of the two needed');
    assert.equal(await minute(100, 20), 'ALARM');
    const alarm = await stateOf(t, 'web-dev-5xx-rate');
    assert.match(
      alarm.StateReason!,
      /^Threshold Crossed: 2 out of the last 3 datapoints \[20\.0 \(.*\), 50\.0 \(.*\)\] were greater than the threshold \(5\.0\)/,
    );
    assert.equal(await minute(100, 0), 'ALARM', 'still two of the last three');
    assert.equal(await minute(100, 0), 'OK');

    // GetMetricData runs the same expression.
    const end = t.time!.now();
    const data = await t.cloudwatch.send(
      new cw.GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 5 * MINUTE),
        EndTime: end,
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          { Id: 'rate', Expression: 'IF(requests > 0, 100 * FILL(target5xx, 0) / requests, 0)' },
          {
            Id: 'requests',
            ReturnData: false,
            MetricStat: { Metric: metric('RequestCount'), Period: 60, Stat: 'Sum' },
          },
          {
            Id: 'target5xx',
            ReturnData: false,
            MetricStat: { Metric: metric('Target5xx'), Period: 60, Stat: 'Sum' },
          },
        ],
      }),
    );
    assert.deepEqual(
      data.MetricDataResults!.map((r) => r.Id),
      ['rate'],
    );
    assert.deepEqual(data.MetricDataResults![0]!.Values, [0, 50, 20, 0, 0]);
  });

  it('answers bad input with CloudWatch errors', async () => {
    const badState = await caught(() =>
      t.cloudwatch.send(
        new cw.SetAlarmStateCommand({
          AlarmName: 'web-dev-unhealthy-hosts',
          StateValue: 'BROKEN' as cw.StateValue,
          StateReason: 'x',
        }),
      ),
    );
    // ValidationError on the wire (the AWS CLI test reads it); the SDK names it after a class of its own.
    assert.equal(badState.$metadata?.httpStatusCode, 400);
    assert.match(badState.message, /Value 'BROKEN' at 'stateValue' failed to satisfy constraint/);
    const badMath = await caught(() =>
      t.cloudwatch.send(
        new cw.GetMetricDataCommand({
          StartTime: START,
          EndTime: new Date(START.getTime() + MINUTE),
          MetricDataQueries: [{ Id: 'x', Expression: 'ANOMALY_DETECTION_BAND(m1)' }],
        }),
      ),
    );
    assert.equal(badMath.$metadata?.httpStatusCode, 400);
    assert.match(badMath.message, /does not support the function ANOMALY_DETECTION_BAND/);
    // A required time left out is the caller's mistake, named (the fuzz tests found it a 500).
    const noStart = await caught(() =>
      t.cloudwatch.send(
        new cw.GetMetricDataCommand({
          EndTime: new Date(START.getTime() + MINUTE),
          MetricDataQueries: [{ Id: 'x', Expression: 'SUM(m1)' }],
        } as unknown as cw.GetMetricDataCommandInput),
      ),
    );
    assert.equal(noStart.$metadata?.httpStatusCode, 400);
    assert.match(noStart.message, /StartTime/);
    const awsNamespace = await caught(() =>
      t.cloudwatch.send(
        new cw.PutMetricDataCommand({
          Namespace: 'AWS/EC2',
          MetricData: [{ MetricName: 'CPUUtilization', Value: 1 }],
        }),
      ),
    );
    assert.equal(awsNamespace.$metadata?.httpStatusCode, 400);
    const both = await caught(() =>
      t.cloudwatch.send(
        new cw.PutMetricDataCommand({
          Namespace: 'Mine',
          MetricData: [{ MetricName: 'm', Value: 1, Values: [1, 2] }],
        }),
      ),
    );
    assert.equal(both.$metadata?.httpStatusCode, 400);
    const alarmOf = (input: Partial<cw.PutMetricAlarmCommandInput>) =>
      caught(() =>
        t.cloudwatch.send(
          new cw.PutMetricAlarmCommand({
            AlarmName: 'refused',
            EvaluationPeriods: 2,
            ComparisonOperator: 'GreaterThanThreshold',
            Threshold: 1,
            ...input,
          }),
        ),
      );
    const tooMany = await alarmOf({
      MetricName: 'm',
      Namespace: 'Mine',
      Statistic: 'Sum',
      Period: 60,
      DatapointsToAlarm: 3,
    });
    assert.match(tooMany.message, /DatapointsToAlarm must be between 1 and EvaluationPeriods/);
    const twoReturned = await alarmOf({
      Metrics: [
        { Id: 'a', MetricStat: { Metric: { Namespace: 'Mine', MetricName: 'm' }, Period: 60, Stat: 'Sum' } },
        { Id: 'b', Expression: 'a * 2' },
      ],
    });
    assert.match(twoReturned.message, /Exactly one element of the metrics list should return data/);
    const noStatistic = await alarmOf({ MetricName: 'm', Namespace: 'Mine', Period: 60 });
    assert.equal(noStatistic.$metadata?.httpStatusCode, 400);
    assert.deepEqual(
      (await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: ['refused'] }))).MetricAlarms,
      [],
      'a refused alarm is not created',
    );
    const period = await caught(() =>
      t.cloudwatch.send(
        new cw.GetMetricStatisticsCommand({
          Namespace: 'Mine',
          MetricName: 'm',
          StartTime: START,
          EndTime: new Date(START.getTime() + MINUTE),
          Period: 61,
          Statistics: ['Sum'],
        }),
      ),
    );
    assert.equal(period.$metadata?.httpStatusCode, 400);
  });

  it('DeleteAlarms deletes the alarms that exist and passes over a name that matches none', async () => {
    await t.cloudwatch.send(
      new cw.DeleteAlarmsCommand({ AlarmNames: ['web-dev-5xx-rate', 'no-such-alarm'] }),
    );
    const left = await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: ['web-dev-5xx-rate'] }));
    assert.deepEqual(left.MetricAlarms, []);
  });
});

describe('Auto Scaling ELB health checks', () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({
      clock: { manual: START },
      world: {
        ...world,
        autoScalingGroups: [
          { ...world.autoScalingGroups[0]!, healthCheckType: 'ELB' as const, healthCheckGracePeriod: 300 },
          // EC2 health checks only: target health is none of its business.
          { name: 'ec2-asg', instances: 1, availabilityZones: ['us-east-1a'], targetGroups: ['web-tg'] },
        ],
      },
    });
  });
  after(() => t.close());

  it('replaces an InService instance its target group reports unhealthy once the grace period has passed', async () => {
    const [sick] = instanceIds(t) as [string];
    const [kept] = t.lc.cloud
      .region('us-east-1')
      .autoscaling.get('ec2-asg')!
      .instances.map((i) => i.instanceId);
    t.lc.cloud.region('us-east-1').elbv2.setAppHealthy(sick, false);
    t.lc.cloud.region('us-east-1').elbv2.setAppHealthy(kept!, false);
    const describe = async () =>
      (
        await t.autoscaling.send(
          new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
        )
      ).AutoScalingGroups![0]!;
    // Unhealthy within a minute, but inside the grace period: kept.
    await t.time!.advance(4 * MINUTE);
    assert.equal((await describe()).Instances!.find((i) => i.InstanceId === sick)?.HealthStatus, 'Healthy');
    // Past 300 s since it entered service: marked Unhealthy, terminated and replaced.
    await t.time!.advance(MINUTE);
    const replacing = await describe();
    const marked = replacing.Instances!.find((i) => i.InstanceId === sick);
    assert.equal(marked?.HealthStatus, 'Unhealthy');
    assert.match(marked?.LifecycleState ?? '', /^Terminating/);
    await t.time!.until(
      describe,
      (g) =>
        !g.Instances!.some((i) => i.InstanceId === sick) &&
        g.Instances!.filter((i) => i.LifecycleState === 'InService').length === 2,
      'the replacement in service and the unhealthy instance gone',
      20 * MINUTE,
    );
    assert.equal((await describe()).DesiredCapacity, 2);
    // The group's activities say why: the ELB health check, then the replacement (of one instance, or
    // of both when nothing was deployed to answer the health check on either).
    const { Activities } = await t.autoscaling.send(
      new asg.DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web-asg' }),
    );
    const termination = Activities!.find((a) => a.Description === `Terminating EC2 instance: ${sick}`);
    assert.match(
      termination?.Cause ?? '',
      /^At 2026-04-12T23:0\d:\d\dZ an instance was taken out of service in response to an ELB system health check failure\.$/,
    );
    assert.equal(termination?.StatusCode, 'Successful');
    const replacement = Activities!.find(
      (a) =>
        a.Description!.startsWith('Launching a new EC2 instance: ') &&
        a.StartTime!.getTime() >= termination.StartTime!.getTime(),
    );
    assert.match(
      replacement?.Cause ?? '',
      /an instance was started in response to a difference between desired and actual capacity, increasing the capacity from [01] to 2\.$/,
    );
    // The group with EC2 health checks keeps its instance, unhealthy in the target group as it is.
    const ec2Group = (
      await t.autoscaling.send(
        new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['ec2-asg'] }),
      )
    ).AutoScalingGroups![0]!;
    assert.deepEqual(
      ec2Group.Instances!.map((i) => [i.InstanceId, i.HealthStatus, i.LifecycleState]),
      [[kept, 'Healthy', 'InService']],
    );
    const health = await t.elbv2.send(
      new elb.DescribeTargetHealthCommand({
        TargetGroupArn: await targetGroupArn(t),
        Targets: [{ Id: kept! }],
      }),
    );
    assert.equal(health.TargetHealthDescriptions![0]!.TargetHealth!.State, 'unhealthy');
  });
});
