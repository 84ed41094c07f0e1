// Virtual time for a test (or anyone) running a local cloud in its own process: the cloud started
// with `clock: 'manual'`, a client Clock on the same timer queue, and a driver that moves time only
// when nothing is happening.
//
//   const cloud = await startLocalCloud({ clock: 'manual', world });
//   const time = virtualTime(cloud);
//   const code = await time.runUntil(runCli(['deploy', …], { …, clock: time.clock }));
//
// "Nothing is happening" is counted, never timed: no request in flight at the cloud's server (or at a
// server the test tracks, such as the health endpoints of synthetic instances), no pending libuv
// request in `process.getActiveResourcesInfo()` (a file read, a DNS lookup, a TCP connect, a write, a
// child process, a module loading), for a few consecutive turns of the event loop (setImmediate). Then,
// if a client sleeps on the clock (greenlight between two polls), virtual time jumps to the next due
// timer, the cloud's or a sleeper's, and that timer's continuations settle before anything else fires.
// Nobody asleep, nothing moves: not while the test is between two of its own moves, nor while an SDK
// backs off between retries in real time. However slow or busy the CPU, the same things happen in the
// same virtual order.
import type { Server, ServerResponse } from 'node:http';
import type { ManualScheduler } from './clock.js';
import type { RunningLocalCloud } from './server.js';

/** greenlight's Clock shape: epoch milliseconds, and a sleep that an AbortSignal can end early. */
export interface VirtualClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface VirtualTimeOptions {
  /** Consecutive quiet turns of the event loop before time moves (default 5). */
  readonly quietTurns?: number;
  /**
   * Which of `process.getActiveResourcesInfo()` are work in flight. Default: pending file-system,
   * DNS, connect, write and shutdown requests, child processes (a real process takes real time;
   * virtual time waits for it) and modules loading. Long-lived handles (sockets, servers, timers)
   * never count.
   */
  readonly busyResources?: RegExp;
}

export interface VirtualTime {
  /** A Clock on the cloud's virtual time: `sleep` is a timer in the cloud's own queue. */
  readonly clock: VirtualClock;
  /** The cloud's manual scheduler. */
  readonly scheduler: ManualScheduler;
  now(): Date;
  /** Moves virtual time forward by `ms`, firing due timers in order (no waiting for quiet). */
  advance(ms: number): Promise<number>;
  /** Resolves once nothing has been in flight for the quiet turns. */
  settle(): Promise<void>;
  /** settle(), then jump to the next due timer and fire it; false when no timer is pending. */
  step(): Promise<boolean>;
  /** Auto-advances while `work` runs; resolves (or rejects) as it does. */
  runUntil<T>(work: Promise<T> | (() => Promise<T>)): Promise<T>;
  /**
   * Reads `read` until `ok` accepts its value, stepping virtual time between reads: the outcome a
   * test waits for arrives in virtual time, at no cost in wall time. Fails naming `what` and the last
   * value when `within` virtual milliseconds pass, or when nothing is left to happen.
   */
  until<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, what: string, within?: number): Promise<T>;
  /** Starts auto-advancing (nested starts are counted); the returned function stops this start. */
  start(): () => Promise<void>;
  /** Counts the requests of a server of the test's own (a health endpoint) as work in flight. */
  track(server: Server): () => void;
  /** Whether anything is in flight right now. */
  busy(): boolean;
}

/**
 * Pending libuv requests (not long-lived handles), child processes, and a ref'd MessagePort: how a
 * module still loading through off-thread loader hooks (tsx, a command's lazy `import()`) shows.
 */
export const BUSY_RESOURCES =
  /^(FSReq\w*|FileHandle\w*Req\w*|CloseReq|StatWatcher|GetAddrInfoReqWrap|GetNameInfoReqWrap|QueryReqWrap|\w*ConnectWrap|WriteWrap|ShutdownWrap|ProcessWrap|MessagePort)$/;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** A pause while something real (I/O, a process) runs: pacing only, never a reason to move time. */
const breathe = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

const REAL_PATIENCE_MS = 60_000;

export function virtualTime(cloud: RunningLocalCloud, options: VirtualTimeOptions = {}): VirtualTime {
  const scheduler = cloud.manualClock;
  if (!scheduler) {
    throw new Error(
      "virtualTime needs a local cloud started with a manual clock: startLocalCloud({ clock: 'manual' })",
    );
  }
  const quietTurns = options.quietTurns ?? 5;
  const busyResources = options.busyResources ?? BUSY_RESOURCES;
  let trackedInFlight = 0;

  const busy = (): boolean =>
    cloud.inFlight() > 0 ||
    trackedInFlight > 0 ||
    process.getActiveResourcesInfo().some((resource) => busyResources.test(resource));

  const settle = async (stop?: () => boolean): Promise<void> => {
    for (let calm = 0; calm < quietTurns;) {
      await turn();
      if (stop?.()) return;
      if (busy()) {
        calm = 0;
        await breathe();
      } else calm++;
    }
  };

  const step = async (stop?: () => boolean): Promise<boolean> => {
    await settle(stop);
    if (stop?.()) return true;
    return fireNext();
  };
  const fireNext = async (): Promise<boolean> => {
    const due = scheduler.nextDue();
    if (due === undefined) return false;
    await scheduler.advanceTo(Math.max(due, scheduler.nowMs()));
    return true;
  };

  let drivers = 0;
  // While a test's `until` steps time itself, the driver holds still: one step between two reads.
  let held = 0;
  let driving: Promise<void> | undefined;
  const drive = async (): Promise<void> => {
    while (drivers > 0) {
      if (held > 0) {
        await breathe();
        continue;
      }
      await settle(() => drivers === 0 || held > 0);
      // Time moves for someone who waits on it: a client asleep on the clock. Nobody is while the
      // test itself is between two moves, or while an SDK backs off between retries in real time.
      if (drivers === 0 || held > 0 || scheduler.sleepers() === 0 || !(await fireNext())) await breathe();
    }
  };
  const start = (): (() => Promise<void>) => {
    drivers++;
    driving ??= drive().finally(() => {
      driving = undefined;
    });
    let stopped = false;
    return async () => {
      if (stopped) return;
      stopped = true;
      drivers--;
      if (drivers === 0) await driving;
    };
  };

  return {
    scheduler,
    clock: { now: () => scheduler.nowMs(), sleep: (ms, signal) => scheduler.sleep(ms, signal) },
    now: () => scheduler.now(),
    advance: (ms) => scheduler.advance(ms),
    settle: () => settle(),
    step: () => step(),
    async runUntil<T>(work: Promise<T> | (() => Promise<T>)): Promise<T> {
      const stop = start();
      try {
        return await (typeof work === 'function' ? work() : work);
      } finally {
        await stop();
      }
    },
    async until<T>(
      read: () => T | Promise<T>,
      ok: (value: T) => boolean,
      what: string,
      within = 60 * 60 * 1000,
    ): Promise<T> {
      const deadline = scheduler.nowMs() + within;
      let idleSince: number | undefined;
      const poll = async (): Promise<T> => {
        for (;;) {
          const value = await read();
          if (ok(value)) return value;
          const shown = show(value);
          if (scheduler.nowMs() >= deadline) {
            throw new Error(
              `gave up waiting for ${what} after ${within} ms of AWS time; last read: ${shown}`,
            );
          }
          if (await step()) {
            idleSince = undefined;
            continue;
          }
          // No timer left: only something real (an SDK retry's backoff, a process) can still change it.
          idleSince ??= Date.now();
          if (Date.now() - idleSince > REAL_PATIENCE_MS) {
            throw new Error(`gave up waiting for ${what}: nothing is left to happen; last read: ${shown}`);
          }
          await breathe();
        }
      };
      held++;
      try {
        return await poll();
      } finally {
        held--;
      }
    },
    start,
    track(server: Server) {
      const onRequest = (_request: unknown, response: ServerResponse) => {
        trackedInFlight++;
        response.once('close', () => trackedInFlight--);
      };
      server.on('request', onRequest);
      return () => server.off('request', onRequest);
    },
    busy,
  };
}

function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
