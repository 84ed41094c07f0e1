import { setTimeout as sleepFor } from 'node:timers/promises';
import { UsageError } from './exit-codes.js';

/** Time as greenlight's loops see it; passed in so tests and the local cloud can drive it. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleepFor(ms, undefined, signal ? { signal } : undefined);
  },
};

/**
 * What GREENLIGHT_CLOCK says: greenlight runs on a local cloud's accelerated time, where AWS time
 * (timestamps included) runs `timeScale` times faster than the wall clock from the anchors.
 */
export interface AcceleratedClockSpec {
  readonly mode: 'accelerated';
  readonly timeScale: number;
  /** The virtual instant at the anchor, in epoch milliseconds. */
  readonly virtualEpochMs: number;
  /** The wall instant at the anchor, in epoch milliseconds. */
  readonly wallEpochMs: number;
}

const CLOCK_FORMAT = 'accelerated:<time scale>:<virtual epoch ms>:<wall epoch ms>';

/**
 * Reads a GREENLIGHT_CLOCK value, `accelerated:<time scale>:<virtual epoch ms>:<wall epoch ms>` (what
 * the local cloud's `greenlightClock` hands out); anything else is a usage error naming the variable.
 */
export function parseClockSpec(value: string): AcceleratedClockSpec {
  const bad = (why: string) =>
    new UsageError(`GREENLIGHT_CLOCK ${JSON.stringify(value)}: ${why}; expected ${CLOCK_FORMAT}`);
  const parts = value.trim().split(':');
  if (parts[0] !== 'accelerated') throw bad(`unknown mode ${JSON.stringify(parts[0] ?? '')}`);
  if (parts.length !== 4) throw bad(`expected 4 fields, got ${parts.length}`);
  const number = (text: string | undefined, what: string, ok: (n: number) => boolean) => {
    const n = Number(text);
    if (text === undefined || text.trim() === '' || !Number.isFinite(n) || !ok(n)) {
      throw bad(`${what} ${JSON.stringify(text ?? '')} is not valid`);
    }
    return n;
  };
  return {
    mode: 'accelerated',
    timeScale: number(parts[1], 'the time scale', (n) => n > 0),
    virtualEpochMs: number(parts[2], 'the virtual epoch', (n) => n >= 0),
    wallEpochMs: number(parts[3], 'the wall epoch', (n) => n >= 0),
  };
}

/**
 * greenlight's Clock on accelerated time: `now()` is the same instant the local cloud computes from
 * the same anchors (both read the wall as Date.now), `sleep(ms)` waits ms / timeScale of the wall.
 * `wall` is the system clock unless a test moves its own.
 */
export function acceleratedClock(spec: AcceleratedClockSpec, wall: Clock = systemClock): Clock {
  return {
    now: () => spec.virtualEpochMs + (wall.now() - spec.wallEpochMs) * spec.timeScale,
    sleep: (ms, signal) => wall.sleep(Math.max(0, ms) / spec.timeScale, signal),
  };
}
