// tier: integration
// The manual clock through the public API and the control API: virtual timestamps, time that moves
// only when advanced, sleepers in the same queue as the cloud's timers, and what it refuses.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { controlClient, ControlError, startLocalCloud, virtualTime } from '../src/index.js';
import { clientConfig } from './harness.js';

const START = new Date('2031-03-01T12:00:00.000Z');
const WORLD = {
  autoScalingGroups: [{ name: 'web-asg', instances: 1, maxSize: 4, availabilityZones: ['us-east-1a'] }],
};

describe('a manual clock', async () => {
  const cloud = await startLocalCloud({ clock: { manual: START }, world: WORLD });
  const control = controlClient(cloud.url);
  const autoscaling = new AutoScalingClient(clientConfig(cloud.url));
  after(async () => {
    autoscaling.destroy();
    await cloud.close();
  });
  const instances = async () =>
    (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] })))
      .AutoScalingGroups?.[0]?.Instances ?? [];

  it('stands still until advanced, and every timestamp is virtual', async () => {
    const clock = await control.clock();
    assert.equal(clock.mode, 'manual');
    assert.equal(clock.now, START.toISOString());
    const group = (
      await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))
    ).AutoScalingGroups?.[0];
    assert.equal(group?.CreatedTime?.toISOString(), START.toISOString());

    await autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 2 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const launching = (await instances()).filter((i) => i.LifecycleState !== 'InService');
    assert.equal(launching.length, 1, 'the new instance is still launching: no AWS time has passed');

    const advanced = await control.advance(10 * 60_000);
    assert.ok(advanced.fired > 0);
    assert.equal(advanced.now, new Date(START.getTime() + 10 * 60_000).toISOString());
    assert.deepEqual(
      (await instances()).map((i) => i.LifecycleState),
      ['InService', 'InService'],
    );
  });

  it('virtualTime: a sleeper wakes at its virtual instant, in order with the cloud’s timers', async () => {
    const time = virtualTime(cloud);
    const before = time.clock.now();
    await autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 3 }),
    );
    // Someone sleeps an AWS hour: the driver runs the launch's timers, then wakes the sleeper.
    const woke = await time.runUntil(async () => {
      await time.clock.sleep(60 * 60_000);
      return { at: time.clock.now(), states: (await instances()).map((i) => i.LifecycleState) };
    });
    assert.equal(woke.at, before + 60 * 60_000);
    assert.deepEqual(woke.states, ['InService', 'InService', 'InService']);
    const aborted = new AbortController();
    const cut = time.clock.sleep(60_000, aborted.signal).catch((error: Error) => error.name);
    aborted.abort();
    assert.equal(await cut, 'AbortError');
  });

  it('refuses a world with real instances: their processes run in real time', async () => {
    await assert.rejects(
      control.loadWorld({
        autoScalingGroups: [
          { name: 'real-asg', instances: 1, availabilityZones: ['us-east-1a'], agent: 'real' },
        ],
      }),
      (error: unknown) =>
        error instanceof ControlError &&
        error.status === 400 &&
        /real-asg asks for agent: real.*manual clock/.test(error.message),
    );
    await assert.rejects(
      startLocalCloud({
        clock: 'manual',
        world: {
          autoScalingGroups: [{ name: 'r', instances: 1, availabilityZones: ['us-east-1a'], agent: 'real' }],
        },
      }),
      /manual clock/,
    );
  });

  it('answers a bad advance with what it takes', async () => {
    await assert.rejects(
      fetch(`${cloud.url}/_localcloud/clock/advance`, { method: 'POST', body: '{"ms":-1}' }).then(
        async (r) => {
          if (r.status !== 400) throw new Error(`status ${r.status}`);
          throw new Error(await r.text());
        },
      ),
      /advance takes \{\\"ms\\"/,
    );
  });
});

describe('a scaled clock', () => {
  it('runs on its own and refuses to be advanced', async () => {
    const cloud = await startLocalCloud({ timeScale: 100 });
    try {
      const control = controlClient(cloud.url);
      const clock = await control.clock();
      assert.equal(clock.mode, 'scaled');
      assert.equal(clock.timeScale, 100);
      await assert.rejects(
        control.advance(1000),
        (error: unknown) => error instanceof ControlError && error.status === 409,
      );
      assert.throws(() => virtualTime(cloud), /needs a local cloud started with a manual clock/);
    } finally {
      await cloud.close();
    }
  });
});
