// tier: unit
// The scheduler: AWS durations scaled down, cancellation, cancelAll; the manual clock's virtual time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { createManualScheduler, createScheduler } from '../src/clock.js';

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

describe('manual scheduler', () => {
  const START = Date.parse('2030-01-01T00:00:00Z');

  it('stands still until advanced, then fires due timers in order at their own instants', async () => {
    const scheduler = createManualScheduler({ start: START });
    const fired: [string, number][] = [];
    scheduler.after(60_000, () => fired.push(['one minute', scheduler.nowMs() - START]));
    scheduler.after(1_000, () => fired.push(['one second', scheduler.nowMs() - START]));
    scheduler.after(2_000, () => fired.push(['cancelled', 0]))();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(fired, []);
    assert.equal(scheduler.now().toISOString(), '2030-01-01T00:00:00.000Z');
    assert.equal(scheduler.nextDue(), START + 1_000);
    assert.equal(await scheduler.advance(30_000), 1);
    assert.equal(scheduler.nowMs(), START + 30_000);
    await scheduler.advance(30_000);
    assert.deepEqual(fired, [
      ['one second', 1_000],
      ['one minute', 60_000],
    ]);
    assert.equal(scheduler.nextDue(), undefined);
  });

  it("settles each timer's promise continuations before the next fires, and fires what they set when it falls due", async () => {
    const scheduler = createManualScheduler({ start: START });
    const seen: string[] = [];
    const wait = (ms: number) => new Promise<void>((resolve) => scheduler.after(ms, resolve));
    void (async () => {
      await wait(1_000);
      await Promise.resolve();
      seen.push('a after 1 s, continued');
      await wait(500);
      seen.push('a at 1.5 s');
    })();
    scheduler.after(1_000, () => seen.push('b at 1 s'));
    scheduler.after(2_000, () => seen.push('c at 2 s'));
    await scheduler.advance(5_000);
    assert.deepEqual(seen, ['a after 1 s, continued', 'b at 1 s', 'a at 1.5 s', 'c at 2 s']);
  });

  it('sleepers share the queue, end early on abort, and outlive cancelAll (a reset of the cloud)', async () => {
    const scheduler = createManualScheduler({ start: START });
    const order: string[] = [];
    const slept = scheduler.sleep(2_000).then(() => order.push('sleeper'));
    scheduler.after(1_000, () => order.push('cloud'));
    scheduler.after(3_000, () => order.push('reset away'));
    const aborted = new AbortController();
    const cut = scheduler.sleep(10_000, aborted.signal).catch((error: Error) => error.name);
    aborted.abort();
    assert.equal(await cut, 'AbortError');
    await scheduler.advance(1_500);
    scheduler.cancelAll();
    await scheduler.advance(5_000);
    await slept;
    assert.deepEqual(order, ['cloud', 'sleeper']);
  });
});
