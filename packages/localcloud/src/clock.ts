// The local cloud's Scheduler: AWS durations are divided by the time scale, so an hour of
// termination wait can take seconds. Timestamps stay wall-clock time.
//
// Timers live in one queue ordered by due time (then by creation), served by a single setTimeout:
// with many timers a few milliseconds apart, Node's own timer lists can fire them out of order on a
// busy machine, and a cloud must never run an AWS minute before an AWS second scheduled after it.
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
  cancelled: boolean;
}

export function createScheduler(options: SchedulerOptions = {}): Scheduler {
  const timeScale = options.timeScale ?? 1;
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new Error(`timeScale must be a positive number, got ${String(options.timeScale)}`);
  }
  const now = options.now ?? (() => new Date());
  const monotonic = options.monotonic ?? (() => performance.now());
  const heap: Entry[] = [];
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;

  const before = (a: Entry, b: Entry) => a.due < b.due || (a.due === b.due && a.seq < b.seq);
  const push = (entry: Entry) => {
    heap.push(entry);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
  };
  const pop = (): Entry | undefined => {
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
  };

  const arm = () => {
    while (heap[0]?.cancelled) pop();
    const next = heap[0];
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
    while (heap[0] && heap[0].due <= t) {
      const entry = pop() as Entry;
      if (entry.cancelled) continue;
      try {
        entry.fn();
      } catch (error) {
        // As a throwing setTimeout callback would: uncaught, but the other timers still run.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    arm();
  };

  return {
    timeScale,
    now,
    after(awsMs, fn) {
      const entry: Entry = {
        due: monotonic() + Math.max(0, awsMs / timeScale),
        seq: seq++,
        fn,
        cancelled: false,
      };
      push(entry);
      arm();
      return () => {
        entry.cancelled = true;
      };
    },
    cancelAll() {
      for (const entry of heap) entry.cancelled = true;
      heap.length = 0;
      arm();
    },
  };
}
