// tier: unit
// The scheduler: AWS durations scaled down, cancellation, cancelAll.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { createScheduler } from '../src/clock.js';

describe('scheduler', () => {
  it('runs timers in AWS-time order and never runs cancelled ones', async () => {
    // The three timers are set at one instant of the scheduler's clock, however long the machine
    // takes between the calls (at scale 10,000, 6 ms of a busy CPU would be a whole AWS minute).
    let heldAt: number | undefined = performance.now();
    const scheduler = createScheduler({
      timeScale: 10_000,
      monotonic: () => heldAt ?? performance.now(),
    });
    const fired: string[] = [];
    scheduler.after(60_000, () => fired.push('one minute'));
    scheduler.after(1_000, () => fired.push('one second'));
    const cancel = scheduler.after(2_000, () => fired.push('cancelled'));
    cancel();
    heldAt = undefined;
    await new Promise<void>((resolve) => scheduler.after(120_000, resolve));
    assert.deepEqual(fired, ['one second', 'one minute']);
  });

  it('cancelAll drops every pending timer', async () => {
    const scheduler = createScheduler({ timeScale: 10_000 });
    let fired = false;
    scheduler.after(1_000, () => (fired = true));
    scheduler.cancelAll();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fired, false);
  });

  it('rejects a time scale that is not a positive number', () => {
    assert.throws(() => createScheduler({ timeScale: 0 }), /timeScale must be a positive number, got 0/);
  });
});
