// tier: integration
// Reading the alarms over a bake from the local cloud with the real SDK client: the state now, and
// the StateUpdate history since the bake began, paged, only for the alarms that changed since.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SetAlarmStateCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import { patientRead } from '../../src/aws/patient-read.js';
import { readAlarmWindow } from '../../src/gate/alarm-history.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';

describe('reading the alarms over the bake', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({ world: devWorld(1) });
  });
  after(async () => cloud.close());

  const set = async (name: string, state: StateValue, reason: string) => {
    const cloudwatch = await cloud.aws.cloudwatch();
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }),
    );
  };
  const read = async (names: string[], since: number) =>
    readAlarmWindow(
      {
        cloudwatch: await cloud.aws.cloudwatch(),
        read: patientRead({ clock: cloud.clock, deadline: cloud.clock.now() + 60_000 }),
        clock: cloud.clock,
      },
      names,
      since,
    );
  const historyCalls = async () => (await cloud.requests())['monitoring:DescribeAlarmHistory'] ?? 0;

  it('reads no history for alarms that have not changed since the bake began', async () => {
    const since = cloud.clock.now() + 1;
    const calls = await historyCalls();
    const w = await read(['web-dev-5xx', 'web-dev-latency', 'web-dev-typo'], since);
    assert.equal(await historyCalls(), calls);
    assert.deepEqual(
      w.alarms.map((a) => [a.name, a.state, a.changes.length]),
      [
        ['web-dev-5xx', 'OK', 0],
        ['web-dev-latency', 'OK', 0],
        ['web-dev-typo', undefined, 0],
      ],
    );
    assert.equal(w.since, since);
  });

  it('reads every change since the bake began, oldest first, across pages, and none from before', async () => {
    await set('web-dev-latency', 'ALARM', 'before the bake');
    await set('web-dev-latency', 'OK', 'before the bake');
    // The bake begins after the last change before it: timestamps are milliseconds.
    const since = cloud.clock.now() + 1;
    await cloud.time?.advance(1);
    for (let i = 0; i < 75; i++) {
      await set('web-dev-latency', 'ALARM', `flap ${i}`);
      await set('web-dev-latency', 'OK', `recovered ${i}`);
    }
    const w = await read(['web-dev-latency'], since);
    const [latency] = w.alarms;
    assert.equal(latency?.changes.length, 150, 'two pages of 100 at most');
    assert.deepEqual(latency.changes[0], {
      at: latency.changes[0]?.at,
      from: 'OK',
      fromReason: 'before the bake',
      to: 'ALARM',
      reason: 'flap 0',
    });
    assert.equal(latency.changes[149]?.reason, 'recovered 74');
    assert.ok(latency.changes.every((c, i, all) => i === 0 || c.at >= (all[i - 1]?.at ?? 0)));
    assert.ok(latency.changes.every((c) => c.at >= since));
    assert.equal(latency.truncated, undefined);
  });

  it('keeps reading through throttling: weather, not a verdict', async () => {
    const since = cloud.clock.now() + 1;
    await cloud.time?.advance(1);
    await set('web-dev-5xx', 'ALARM', 'Threshold Crossed');
    await set('web-dev-5xx', 'OK', 'back below');
    await cloud.fault({
      scope: 'api',
      service: 'monitoring',
      operation: 'DescribeAlarmHistory',
      effect: 'throttle',
      count: 6,
    });
    try {
      const [alarm] = (await read(['web-dev-5xx'], since)).alarms;
      assert.deepEqual(
        alarm?.changes.map((c) => `${c.from}→${c.to}`),
        ['OK→ALARM', 'ALARM→OK'],
      );
    } finally {
      await cloud.clearFaults();
    }
  });
});
