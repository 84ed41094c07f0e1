// The local cloud's Scheduler: AWS durations are divided by the time scale, so an hour of
// termination wait can take seconds. Timestamps stay wall-clock time.
import type { Scheduler } from './ports.js';

// setTimeout cannot wait longer than this; longer waits are chained.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface SchedulerOptions {
  readonly timeScale?: number;
  readonly now?: () => Date;
}

export function createScheduler(options: SchedulerOptions = {}): Scheduler {
  const timeScale = options.timeScale ?? 1;
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new Error(`timeScale must be a positive number, got ${String(options.timeScale)}`);
  }
  const now = options.now ?? (() => new Date());
  const pending = new Set<NodeJS.Timeout>();

  function wait(realMs: number, fn: () => void, handle: { timer?: NodeJS.Timeout }): void {
    const step = Math.min(realMs, MAX_TIMEOUT_MS);
    const timer = setTimeout(() => {
      pending.delete(timer);
      if (realMs > step) wait(realMs - step, fn, handle);
      else fn();
    }, step);
    // Not unref'd: a caller awaiting AWS time must keep the process alive. close()/reset() cancel.
    pending.add(timer);
    handle.timer = timer;
  }

  return {
    timeScale,
    now,
    after(awsMs, fn) {
      const handle: { timer?: NodeJS.Timeout } = {};
      wait(Math.max(0, awsMs / timeScale), fn, handle);
      return () => {
        if (handle.timer) {
          clearTimeout(handle.timer);
          pending.delete(handle.timer);
        }
      };
    },
    cancelAll() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    },
  };
}
