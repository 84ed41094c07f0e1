// tier: integration
// The "done when": a stack's unhealthy-hosts alarm goes to ALARM by itself when no instance
// answers its health check. The repository's sam-template.yaml is created through the CloudFormation
// SDK on a manual clock; its fleet launches with nothing deployed and is registered in the target
// group (as a deployment's AllowTraffic registers a fleet: the seed group itself is not attached, so
// that the first deployment is not stopped by this very alarm), nothing on the instances answers
// /healthcheck, their targets turn unhealthy, and the stack's UnhealthyHostsAlarm (Maximum of
// UnHealthyHostCount by load balancer and target group, 2 periods of 60 s) goes from INSUFFICIENT_DATA
// to ALARM with nobody touching it. Its 5xx-rate alarm (metric math) has no requests to measure, and
// treats the missing data as not breaching: OK.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { createSamStack } from '../cloudformation/sam-stack.js';
import { startTestCloud, until, type TestCloud } from '../harness.js';

describe("the stack's alarms move by themselves", () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({ clock: { manual: new Date('2026-04-12T22:59:30Z') } });
  });
  after(async () => {
    await t.close();
  });

  const alarm = async (name: string) =>
    (await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!;

  it('UnhealthyHostsAlarm goes to ALARM when no instance answers its health check', async () => {
    await createSamStack(t, { fleetSize: 2 });
    const groups = await until(
      () =>
        t.autoscaling.send(
          new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-dev-asg'] }),
        ),
      (g) =>
        (g.AutoScalingGroups?.[0]?.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length ===
        2,
      'the seed fleet in service',
    );
    const ids = (groups.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId!);
    assert.equal(ids.length, 2);
    const tg = await t.elbv2.send(new elb.DescribeTargetGroupsCommand({ Names: ['web-dev-tg'] }));
    await t.elbv2.send(
      new elb.RegisterTargetsCommand({
        TargetGroupArn: tg.TargetGroups![0]!.TargetGroupArn,
        Targets: ids.map((Id) => ({ Id })),
      }),
    );

    const created = await alarm('web-dev-unhealthy-hosts');
    assert.equal(created.Namespace, 'AWS/ApplicationELB');
    assert.equal(created.Threshold, 0);
    const unhealthy = await until(
      () => alarm('web-dev-unhealthy-hosts'),
      (a) => a.StateValue === 'ALARM',
      'the unhealthy-hosts alarm in ALARM',
    );
    assert.match(
      unhealthy.StateReason!,
      /^Threshold Crossed: 2 out of the last 2 datapoints \[2\.0 \(.*\), 2\.0 \(.*\)\] were greater than the threshold \(0\.0\)/,
    );
    const history = await t.cloudwatch.send(
      new cw.DescribeAlarmHistoryCommand({
        AlarmName: 'web-dev-unhealthy-hosts',
        HistoryItemType: 'StateUpdate',
        ScanBy: 'TimestampAscending',
      }),
    );
    const summaries = history.AlarmHistoryItems!.map((h) => h.HistorySummary);
    assert.equal(summaries[0]?.startsWith('Alarm updated from INSUFFICIENT_DATA to '), true);
    assert.equal(summaries[summaries.length - 1]?.endsWith(' to ALARM'), true);

    // No requests reached the load balancer: the rate has no datapoints, treated as not breaching.
    const rate = await alarm('web-dev-5xx');
    assert.equal(rate.StateValue, 'OK');
    assert.match(rate.StateReason!, /missing datapoints were treated as \[NonBreaching\]/);
  });
});
