// tier: integration
// CloudWatch on an accelerated clock: its timestamps are AWS time already (not wall time to convert,
// as on a scaled clock), so a datapoint put now lands in the current AWS minute, the minute ticks run
// every 1/timeScale of a wall minute, and an alarm's state changes at virtual instants. The wall is
// the test's own, moved by hand, firing the cloud's timers as it passes them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as cw from '@aws-sdk/client-cloudwatch';
import { startTestCloud, type TestCloud } from '../harness.js';
import { HandWall } from '../hand-wall.js';

const SCALE = 60;
const MINUTE = 60_000;
const START = Date.parse('2031-01-01T00:00:00Z');

describe('CloudWatch on an accelerated clock', () => {
  let t: TestCloud;
  const wall = new HandWall();
  before(async () => {
    t = await startTestCloud({ clock: { accelerated: { start: START, wall } }, timeScale: SCALE });
  });
  after(() => t.close());

  it('takes datapoints at AWS time and evaluates alarms on AWS minutes, one wall second each', async () => {
    await t.cloudwatch.send(
      new cw.PutMetricAlarmCommand({
        AlarmName: 'app-errors',
        Namespace: 'App',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      }),
    );
    wall.move(500); // half an AWS minute
    await t.cloudwatch.send(
      new cw.PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Errors', Value: 5 }] }),
    );
    wall.move(1000); // the minute's tick evaluates it
    const [alarm] =
      (await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: ['app-errors'] }))).MetricAlarms ??
      [];
    assert.equal(alarm?.StateValue, 'ALARM');
    assert.equal(alarm?.StateUpdatedTimestamp?.toISOString(), '2031-01-01T00:01:00.000Z');
    assert.match(alarm?.StateReason ?? '', /\[5\.0 \(01\/01\/31 00:00:00\)\]/);

    const stats = await t.cloudwatch.send(
      new cw.GetMetricStatisticsCommand({
        Namespace: 'App',
        MetricName: 'Errors',
        StartTime: new Date(START),
        EndTime: new Date(START + 2 * MINUTE),
        Period: 60,
        Statistics: ['Sum'],
      }),
    );
    assert.deepEqual(
      stats.Datapoints?.map((d) => [d.Timestamp?.toISOString(), d.Sum]),
      [['2031-01-01T00:00:00.000Z', 5]],
    );
  });
});
