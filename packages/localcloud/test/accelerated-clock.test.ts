// tier: unit
// The accelerated clock on a wall the test moves by hand: virtual time (timestamps included) runs
// timeScale times faster than the wall, timers fall due in virtual time, and the GREENLIGHT_CLOCK
// value carries the anchors another process needs to compute the same instant. Nothing sleeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  awsMsPerTimestampMs,
  createAcceleratedScheduler,
  createManualScheduler,
  createScheduler,
  greenlightClockValue,
  isAcceleratedScheduler,
  type WallClock,
} from '../src/clock.js';
import { HandWall } from './hand-wall.js';

const HOUR = 3_600_000;
const WALL = Date.parse('2026-12-05T10:00:00Z');

describe('accelerated scheduler', () => {
  it('runs virtual time, timestamps included, timeScale times faster than the wall', () => {
    const wall = new HandWall(WALL);
    const scheduler = createAcceleratedScheduler({ timeScale: 3600, wall });
    assert.equal(scheduler.mode, 'accelerated');
    assert.ok(isAcceleratedScheduler(scheduler));
    assert.deepEqual(scheduler.anchors, { virtualMs: WALL, wallMs: WALL });
    assert.equal(scheduler.now().getTime(), WALL);
    wall.move(1000); // one wall second is an hour of AWS time
    assert.equal(scheduler.now().toISOString(), '2026-12-05T11:00:00.000Z');
    wall.move(250);
    assert.equal(scheduler.nowMs(), WALL + HOUR + 900_000);
  });

  it('anchors virtual time at a given start', () => {
    const wall = new HandWall(WALL);
    const start = Date.parse('2030-01-01T00:00:00Z');
    const scheduler = createAcceleratedScheduler({ timeScale: 60, start: new Date(start), wall });
    assert.deepEqual(scheduler.anchors, { virtualMs: start, wallMs: WALL });
    wall.move(1000);
    assert.equal(scheduler.nowMs(), start + 60_000);
  });

  it('fires timers at their virtual due time, in order, waiting awsMs / timeScale of wall time', () => {
    const wall = new HandWall(WALL);
    const scheduler = createAcceleratedScheduler({ timeScale: 60, wall });
    const fired: [string, number][] = [];
    scheduler.after(HOUR, () => fired.push(['an hour', scheduler.nowMs() - WALL]));
    scheduler.after(60_000, () => fired.push(['a minute', scheduler.nowMs() - WALL]));
    const cancel = scheduler.after(120_000, () => fired.push(['cancelled', 0]));
    cancel();
    // One wall timer serves the queue, armed for its first timer: a minute of AWS time is a wall second.
    assert.deepEqual(wall.armed(), [1000]);
    assert.equal(scheduler.pending(), 2);
    wall.move(999);
    assert.deepEqual(fired, []);
    wall.move(1);
    assert.deepEqual(fired, [['a minute', 60_000]]);
    wall.move(58_999);
    assert.equal(fired.length, 1);
    wall.move(1);
    assert.deepEqual(fired, [
      ['a minute', 60_000],
      ['an hour', HOUR],
    ]);
    assert.deepEqual(wall.armed(), []);
  });

  it('never fires a timer before virtual now reaches it, even when the wall timer comes early', () => {
    let wallMs = WALL;
    const armed: { fn: () => void; ms: number }[] = [];
    const wall: WallClock = {
      now: () => wallMs,
      setTimer: (fn, ms) => {
        armed.push({ fn, ms });
        return () => undefined;
      },
    };
    const scheduler = createAcceleratedScheduler({ timeScale: 1000, wall });
    let firedAt: number | undefined;
    scheduler.after(10_000, () => (firedAt = scheduler.nowMs()));
    assert.equal(armed[0]?.ms, 10);
    // The wall timer fires 5 ms early: the queue re-arms for the rest instead of firing.
    wallMs += 5;
    armed[0]?.fn();
    assert.equal(firedAt, undefined);
    assert.equal(armed[1]?.ms, 5);
    wallMs += 5;
    armed[1]?.fn();
    assert.equal(firedAt, WALL + 10_000);
  });

  it('cancelAll drops the pending timers', () => {
    const wall = new HandWall(WALL);
    const scheduler = createAcceleratedScheduler({ timeScale: 10, wall });
    let fired = false;
    scheduler.after(1000, () => (fired = true));
    scheduler.cancelAll();
    wall.move(HOUR);
    assert.equal(fired, false);
    assert.equal(scheduler.pending(), 0);
  });

  it('gives GREENLIGHT_CLOCK its mode, scale and anchors', () => {
    const wall = new HandWall(WALL);
    const scheduler = createAcceleratedScheduler({ timeScale: 720, start: WALL - 5000, wall });
    assert.equal(greenlightClockValue(scheduler), `accelerated:720:${WALL - 5000}:${WALL}`);
  });

  it('rejects a time scale that is not a positive number, and a start that is not an instant', () => {
    assert.throws(
      () => createAcceleratedScheduler({ timeScale: -1 }),
      /timeScale must be a positive number, got -1/,
    );
    assert.throws(
      () => createAcceleratedScheduler({ timeScale: 2, start: Number.NaN }),
      /the accelerated clock needs a valid start, got NaN/,
    );
  });

  it('tells CloudWatch its timestamps are AWS time; a scaled clock’s are wall time', () => {
    assert.equal(
      awsMsPerTimestampMs(createAcceleratedScheduler({ timeScale: 60, wall: new HandWall(WALL) })),
      1,
    );
    assert.equal(awsMsPerTimestampMs(createManualScheduler()), 1);
    assert.equal(awsMsPerTimestampMs(createScheduler({ timeScale: 60 })), 60);
  });
});
