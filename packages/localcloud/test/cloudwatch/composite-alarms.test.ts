// tier: integration
// Composite alarms through the SDK: PutCompositeAlarm's rule over other alarms' states, the composite
// moving with them (ALARM while its rule holds, OK otherwise), DescribeAlarms and DescribeAlarmHistory
// answering composites only when AlarmTypes asks for them, and the rule's mistakes refused. The rule's
// grammar on its own: composite-rule.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as cw from '@aws-sdk/client-cloudwatch';
import { startTestCloud, caught, type TestCloud } from '../harness.js';

const BOTH: cw.AlarmType[] = ['MetricAlarm', 'CompositeAlarm'];

describe('CloudWatch composite alarms', () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({ clock: { manual: new Date('2026-04-12T23:00:00Z') } });
    for (const name of ['web-5xx', 'web-latency'])
      await t.cloudwatch.send(
        new cw.PutMetricAlarmCommand({
          AlarmName: name,
          Namespace: 'Mine',
          MetricName: name,
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
    for (const name of ['web-5xx', 'web-latency'])
      await t.cloudwatch.send(
        new cw.SetAlarmStateCommand({ AlarmName: name, StateValue: 'OK', StateReason: 'quiet' }),
      );
  });
  after(() => t.close());

  const set = (name: string, state: cw.StateValue) =>
    t.cloudwatch.send(
      new cw.SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: 'told' }),
    );
  const composite = async (name: string) =>
    (await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: BOTH })))
      .CompositeAlarms?.[0];

  it('is evaluated at creation and moves with the alarms its rule names', async () => {
    await t.cloudwatch.send(
      new cw.PutCompositeAlarmCommand({
        AlarmName: 'web-any',
        AlarmRule: 'ALARM("web-5xx") OR ALARM(web-latency)',
        AlarmDescription: 'either',
      }),
    );
    const created = await composite('web-any');
    assert.equal(created?.StateValue, 'OK');
    assert.equal(created?.AlarmRule, 'ALARM("web-5xx") OR ALARM(web-latency)');
    assert.equal(created?.AlarmDescription, 'either');
    assert.match(created?.AlarmArn ?? '', /^arn:aws:cloudwatch:us-east-1:\d{12}:alarm:web-any$/);
    await set('web-latency', 'ALARM');
    assert.equal((await composite('web-any'))?.StateValue, 'ALARM');
    assert.match((await composite('web-any'))?.StateReason ?? '', /alarm:web-latency transitioned to ALARM/);
    await set('web-latency', 'OK');
    assert.equal((await composite('web-any'))?.StateValue, 'OK');
  });

  it('AND, NOT, parentheses, ARNs and other composites', async () => {
    const arn = (await composite('web-any'))?.AlarmArn ?? '';
    await t.cloudwatch.send(
      new cw.PutCompositeAlarmCommand({
        AlarmName: 'web-both',
        AlarmRule: `ALARM("${arn}") AND NOT (OK(web-5xx) AND OK(web-latency)) AND ALARM(web-5xx)`,
      }),
    );
    assert.equal((await composite('web-both'))?.StateValue, 'OK');
    await set('web-5xx', 'ALARM');
    assert.equal((await composite('web-any'))?.StateValue, 'ALARM');
    assert.equal((await composite('web-both'))?.StateValue, 'ALARM', 'it follows web-any, a composite, too');
    await set('web-5xx', 'OK');
    assert.equal((await composite('web-both'))?.StateValue, 'OK');
  });

  it('answers composites only when AlarmTypes asks for them, in DescribeAlarms and in the history', async () => {
    const metricOnly = await t.cloudwatch.send(
      new cw.DescribeAlarmsCommand({ AlarmNames: ['web-any', 'web-5xx'] }),
    );
    assert.deepEqual(
      metricOnly.MetricAlarms?.map((a) => a.AlarmName),
      ['web-5xx'],
    );
    assert.deepEqual(metricOnly.CompositeAlarms, []);
    const both = await t.cloudwatch.send(
      new cw.DescribeAlarmsCommand({ AlarmNames: ['web-any', 'web-5xx'], AlarmTypes: BOTH }),
    );
    assert.deepEqual(
      both.MetricAlarms?.map((a) => a.AlarmName),
      ['web-5xx'],
    );
    assert.deepEqual(
      both.CompositeAlarms?.map((a) => a.AlarmName),
      ['web-any'],
    );
    const history = (types?: cw.AlarmType[]) =>
      t.cloudwatch.send(
        new cw.DescribeAlarmHistoryCommand({
          AlarmName: 'web-any',
          HistoryItemType: 'StateUpdate',
          ScanBy: 'TimestampAscending',
          ...(types ? { AlarmTypes: types } : {}),
        }),
      );
    assert.deepEqual((await history())?.AlarmHistoryItems, []);
    const items = (await history(BOTH)).AlarmHistoryItems ?? [];
    assert.deepEqual(
      items.map((i) => [i.AlarmType, i.HistorySummary]),
      [
        ['CompositeAlarm', 'Alarm updated from INSUFFICIENT_DATA to OK'],
        ['CompositeAlarm', 'Alarm updated from OK to ALARM'],
        ['CompositeAlarm', 'Alarm updated from ALARM to OK'],
        ['CompositeAlarm', 'Alarm updated from OK to ALARM'],
        ['CompositeAlarm', 'Alarm updated from ALARM to OK'],
      ],
    );
  });

  it('refuses a rule it cannot read or that names an alarm it does not know, and a name of the other kind', async () => {
    for (const [rule, message] of [
      [
        'ALARM(web-5xx) AND',
        /Error in alarm rule: the rule ends where a function, TRUE, FALSE or \( was expected/,
      ],
      ['ALARM(web-5xx', /Error in alarm rule: a missing \) after ALARM\(/],
      ['PANIC(web-5xx)', /Error in alarm rule: unexpected "PANIC"/],
      ['ALARM(web-nope) OR ALARM(web-5xx)', /alarms \[web-nope\] in the alarm rule do not exist/],
      ['ALARM(web-self)', /alarms \[web-self\] in the alarm rule do not exist/],
    ] as const) {
      const e = await caught(() =>
        t.cloudwatch.send(new cw.PutCompositeAlarmCommand({ AlarmName: 'web-self', AlarmRule: rule })),
      );
      assert.equal(e.$metadata?.httpStatusCode, 400, rule);
      assert.match(e.message, message, rule);
    }
    const metricName = await caught(() =>
      t.cloudwatch.send(new cw.PutCompositeAlarmCommand({ AlarmName: 'web-5xx', AlarmRule: 'TRUE' })),
    );
    assert.match(metricName.message, /web-5xx is a metric alarm/);
    const compositeName = await caught(() =>
      t.cloudwatch.send(
        new cw.PutMetricAlarmCommand({
          AlarmName: 'web-any',
          EvaluationPeriods: 1,
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 1,
        }),
      ),
    );
    assert.match(compositeName.message, /web-any is a composite alarm/);
  });
});
