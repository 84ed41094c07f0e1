// The local cloud's Scheduler, in two modes:
//
// - scaled (createScheduler): AWS durations are divided by the time scale, so an hour of termination
//   wait can take seconds. Timestamps stay wall-clock time. For the demo, `localcloud` and anything
//   that runs real processes.
// - manual (createManualScheduler): virtual time that moves only when it is advanced. `now()` is the
//   virtual instant (every timestamp the APIs return is virtual), `after(awsMs)` is due at virtual
//   now + awsMs, and advancing fires the due timers in order, letting each one's promise
//   continuations settle before the next fires. Outcomes no longer depend on how fast the CPU is.
// - accelerated (createAcceleratedScheduler): AWS time runs `timeScale` times faster than the wall
//   clock, timestamps included. `now()` is the virtual instant anchorVirtualMs + (wall now −
//   anchorWallMs) × timeScale, and `after(awsMs)` is due at virtual now + awsMs (awsMs / timeScale of
//   real time). The wall is Date.now, so another process (greenlight's CLI, through GREENLIGHT_CLOCK)
//   computes the same instant from the anchors alone: a one-hour token expires after an hour of
//   virtual time, and a 30-minute bake ends after 30 virtual minutes, in seconds of real time.
//
// Timers live in one queue ordered by due time (then by creation). In scaled mode a single setTimeout
// serves it: with many timers a few milliseconds apart, Node's own timer lists can fire them out of
// order on a busy machine, and a cloud must never run an AWS minute before an AWS second scheduled
// after it.
import { performance } from 'node:perf_hooks';
import type { Scheduler } from './ports.js';

// setTimeout cannot wait longer than this; the queue simply re-arms for longer waits.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface SchedulerOptions {
  readonly timeScale?: number;
  readonly now?: () => Date;
  /** The monotonic milliseconds timers are measured on (default performance.now); tests may hold it still. */
  readonly monotonic?: () => number;
}

interface Entry {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  /** A timer of the cloud's own (cancelAll drops it), or a client's sleeper sharing the queue. */
  readonly client: boolean;
  cancelled: boolean;
}

/** A min-heap of timers by due time, then by creation. */
class TimerQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  add(due: number, fn: () => void, client = false): Entry {
    const entry: Entry = { due, seq: this.seq++, fn, client, cancelled: false };
    const heap = this.heap;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
    return entry;
  }

  /** The next timer that is not cancelled, left in the queue. */
  peek(): Entry | undefined {
    while (this.heap[0]?.cancelled) this.pop();
    return this.heap[0];
  }

  pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Entry, heap[m] as Entry)) m = l;
        if (r < heap.length && before(heap[r] as Entry, heap[m] as Entry)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Entry, heap[i] as Entry];
        i = m;
      }
    }
    return top;
  }

  /** Cancels the cloud's timers; clients' sleepers stay (a reset of the cloud is not theirs). */
  cancelCloudTimers(): void {
    const kept = this.heap.filter((entry) => entry.client && !entry.cancelled);
    for (const entry of this.heap) if (!entry.client) entry.cancelled = true;
    this.heap.length = 0;
    for (const entry of kept) this.reinsert(entry);
  }

  size(): number {
    return this.heap.filter((entry) => !entry.cancelled).length;
  }

  clients(): number {
    return this.heap.filter((entry) => entry.client && !entry.cancelled).length;
  }

  private reinsert(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
  }
}

const before = (a: Entry, b: Entry) => a.due < b.due || (a.due === b.due && a.seq < b.seq);

/** Runs a timer as a throwing setTimeout callback would: uncaught, but the other timers still run. */
function run(entry: Entry): void {
  try {
    entry.fn();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

export function createScheduler(options: SchedulerOptions = {}): Scheduler {
  const timeScale = options.timeScale ?? 1;
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new Error(`timeScale must be a positive number, got ${String(options.timeScale)}`);
  }
  const now = options.now ?? (() => new Date());
  const monotonic = options.monotonic ?? (() => performance.now());
  const queue = new TimerQueue();
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;

  const arm = () => {
    const next = queue.peek();
    if (!next) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      armedFor = Infinity;
      return;
    }
    if (timer && armedFor <= next.due) return;
    if (timer) clearTimeout(timer);
    armedFor = next.due;
    // Not unref'd: a caller awaiting AWS time must keep the process alive. close()/reset() cancel.
    timer = setTimeout(fire, Math.min(MAX_TIMEOUT_MS, Math.max(0, next.due - monotonic())));
  };

  const fire = () => {
    timer = undefined;
    armedFor = Infinity;
    const t = monotonic();
    for (let next = queue.peek(); next && next.due <= t; next = queue.peek()) {
      run(queue.pop() as Entry);
    }
    arm();
  };

  return {
    timeScale,
    now,
    after(awsMs, fn) {
      const entry = queue.add(monotonic() + Math.max(0, awsMs / timeScale), fn);
      arm();
      return () => {
        entry.cancelled = true;
      };
    },
    cancelAll() {
      queue.cancelCloudTimers();
      arm();
    },
  };
}

export interface ManualSchedulerOptions {
  /** Where virtual time starts (default: the wall-clock instant the scheduler is made). */
  readonly start?: Date | number;
}

/**
 * Time that moves only when it is told to: the scheduler of a cloud started with `clock: 'manual'`.
 * It is the services' Scheduler (timeScale 1: an AWS millisecond is a virtual millisecond) and, with
 * `sleep`, a client's timer in the same queue.
 */
export interface ManualScheduler extends Scheduler {
  readonly mode: 'manual';
  /** Virtual time in epoch milliseconds. */
  nowMs(): number;
  /** When the next pending timer (the cloud's or a sleeper's) is due, in epoch ms; undefined when none. */
  nextDue(): number | undefined;
  /** Pending timers, the cloud's and the sleepers'. */
  pending(): number;
  /** Pending sleepers (`sleep`): how many clients wait on virtual time right now. */
  sleepers(): number;
  /**
   * A client's timer in the same queue, due at virtual now + ms. Unlike `after`, a reset of the cloud
   * (cancelAll) leaves it: it belongs to whoever sleeps, not to the cloud's state.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Moves virtual time to `to` (epoch ms; never backwards), firing every timer due by then in order:
   * virtual now is each timer's due time as it fires, and each one's promise continuations (and a
   * turn of the event loop) settle before the next fires — timers they set that fall due by `to`
   * fire too. Resolves to the number of timers fired. Calls are served one at a time.
   */
  advanceTo(to: number): Promise<number>;
  /** advanceTo(now + ms). */
  advance(ms: number): Promise<number>;
}

/** Lets the continuations of what just ran settle: every microtask, then one turn of the event loop. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createManualScheduler(options: ManualSchedulerOptions = {}): ManualScheduler {
  const start = options.start ?? Date.now();
  let virtual = typeof start === 'number' ? start : start.getTime();
  if (!Number.isFinite(virtual))
    throw new Error(`the manual clock needs a valid start, got ${String(start)}`);
  const queue = new TimerQueue();
  // Advances are served in turn: two callers never fire timers at once.
  let serving: Promise<unknown> = Promise.resolve();

  const advanceTo = async (to: number): Promise<number> => {
    if (!Number.isFinite(to)) throw new Error(`cannot advance the clock to ${String(to)}`);
    let fired = 0;
    for (let next = queue.peek(); next && next.due <= to; next = queue.peek()) {
      queue.pop();
      virtual = Math.max(virtual, next.due);
      run(next);
      fired++;
      await settle();
    }
    virtual = Math.max(virtual, to);
    return fired;
  };
  const served = (to: () => number): Promise<number> => {
    const turn = serving.then(() => advanceTo(to()));
    serving = turn.catch(() => undefined);
    return turn;
  };

  return {
    timeScale: 1,
    mode: 'manual',
    now: () => new Date(virtual),
    nowMs: () => virtual,
    after(awsMs, fn) {
      const entry = queue.add(virtual + Math.max(0, awsMs), fn);
      return () => {
        entry.cancelled = true;
      };
    },
    cancelAll() {
      queue.cancelCloudTimers();
    },
    nextDue: () => queue.peek()?.due,
    pending: () => queue.size(),
    sleepers: () => queue.clients(),
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(abortError(signal));
          return;
        }
        const onAbort = () => {
          entry.cancelled = true;
          reject(abortError(signal as AbortSignal));
        };
        const entry = queue.add(
          virtual + Math.max(0, Number.isFinite(ms) ? ms : 0),
          () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          true,
        );
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    advanceTo: (to) => served(() => to),
    advance: (ms) => served(() => virtual + Math.max(0, ms)),
  };
}

/** What node:timers/promises rejects an aborted sleep with. */
function abortError(signal: AbortSignal): Error {
  const error = new Error('The operation was aborted', { cause: signal.reason as unknown });
  error.name = 'AbortError';
  (error as Error & { code: string }).code = 'ABORT_ERR';
  return error;
}

/** The wall an accelerated clock runs on: Date.now and setTimeout, or a test's own. */
export interface WallClock {
  /** Wall time in epoch milliseconds. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds of wall time; the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemWall: WallClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    // Not unref'd: a caller awaiting AWS time must keep the process alive. close()/reset() cancel.
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export interface AcceleratedSchedulerOptions {
  /** AWS milliseconds per wall millisecond. */
  readonly timeScale: number;
  /** The virtual instant at the anchor (default: the wall instant the scheduler is made). */
  readonly start?: Date | number;
  /** Default systemWall; tests inject one they move by hand. */
  readonly wall?: WallClock;
}

/** Where virtual time meets the wall: virtual = virtualMs + (wall − wallMs) × timeScale. */
export interface ClockAnchors {
  readonly virtualMs: number;
  readonly wallMs: number;
}

export interface AcceleratedScheduler extends Scheduler {
  readonly mode: 'accelerated';
  readonly anchors: ClockAnchors;
  /** Virtual time in epoch milliseconds. */
  nowMs(): number;
  /** Pending timers of the cloud. */
  pending(): number;
}

export function createAcceleratedScheduler(options: AcceleratedSchedulerOptions): AcceleratedScheduler {
  const { timeScale } = options;
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new Error(`timeScale must be a positive number, got ${String(timeScale)}`);
  }
  const wall = options.wall ?? systemWall;
  const wallMs = wall.now();
  const start = options.start ?? wallMs;
  const virtualMs = typeof start === 'number' ? start : start.getTime();
  if (!Number.isFinite(virtualMs))
    throw new Error(`the accelerated clock needs a valid start, got ${String(start)}`);
  const anchors: ClockAnchors = { virtualMs, wallMs };
  const nowMs = () => virtualMs + (wall.now() - wallMs) * timeScale;
  // Due times are virtual: a timer fires once virtual now has reached it, so the callback never sees
  // a `now()` before its due time (Date.now and the timer are one wall, unlike performance.now).
  const queue = new TimerQueue();
  let cancelTimer: (() => void) | undefined;
  let armedFor = Infinity;

  const arm = () => {
    const next = queue.peek();
    if (!next) {
      cancelTimer?.();
      cancelTimer = undefined;
      armedFor = Infinity;
      return;
    }
    if (cancelTimer && armedFor <= next.due) return;
    cancelTimer?.();
    armedFor = next.due;
    const realMs = Math.ceil((next.due - nowMs()) / timeScale);
    cancelTimer = wall.setTimer(fire, Math.min(MAX_TIMEOUT_MS, Math.max(0, realMs)));
  };

  const fire = () => {
    cancelTimer = undefined;
    armedFor = Infinity;
    const t = nowMs();
    for (let next = queue.peek(); next && next.due <= t; next = queue.peek()) {
      run(queue.pop() as Entry);
    }
    arm();
  };

  return {
    mode: 'accelerated',
    timeScale,
    anchors,
    nowMs,
    now: () => new Date(nowMs()),
    after(awsMs, fn) {
      const entry = queue.add(nowMs() + Math.max(0, awsMs), fn);
      arm();
      return () => {
        entry.cancelled = true;
      };
    },
    cancelAll() {
      queue.cancelCloudTimers();
      arm();
    },
    pending: () => queue.size(),
  };
}

export function isAcceleratedScheduler(scheduler: Scheduler): scheduler is AcceleratedScheduler {
  return (scheduler as Partial<AcceleratedScheduler>).mode === 'accelerated';
}

/**
 * AWS milliseconds per millisecond of the timestamps `now()` returns: timeScale on a scaled clock
 * (its timestamps are wall time), 1 where timestamps are AWS time already (manual, accelerated).
 */
export function awsMsPerTimestampMs(scheduler: Scheduler): number {
  return isAcceleratedScheduler(scheduler) ? 1 : scheduler.timeScale;
}

/**
 * The GREENLIGHT_CLOCK value that puts greenlight's CLI on an accelerated cloud's time:
 * `accelerated:<timeScale>:<virtualEpochMs>:<wallEpochMs>` (README.md, "GREENLIGHT_CLOCK").
 */
export function greenlightClockValue(scheduler: { timeScale: number; anchors: ClockAnchors }): string {
  const { timeScale, anchors } = scheduler;
  return `accelerated:${timeScale}:${anchors.virtualMs}:${anchors.wallMs}`;
}

export function isManualScheduler(scheduler: Scheduler): scheduler is ManualScheduler {
  return (scheduler as Partial<ManualScheduler>).mode === 'manual';
}
