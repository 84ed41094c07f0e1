// A wall clock for accelerated-clock tests: it moves only when the test says, firing the timers it
// passes in order, so what a test sees never depends on how busy the machine is.
import type { WallClock } from '../src/clock.js';

export class HandWall implements WallClock {
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  /** Moving `ms` by hand moves the wall without firing anything; `move` fires what it passes. */
  constructor(public ms: number = Date.parse('2026-12-05T10:00:00Z')) {}
  now = (): number => this.ms;
  setTimer = (fn: () => void, ms: number): (() => void) => {
    const timer = { at: this.ms + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  };
  /** Live timers, with the wall delay each was armed for. */
  armed(): number[] {
    return this.timers.filter((t) => t.live).map((t) => t.at - this.ms);
  }
  /** Moves the wall by `ms`, firing the timers it passes in order. */
  move(ms: number): void {
    const to = this.ms + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.ms = Math.max(this.ms, due.at);
      due.fn();
    }
    this.ms = to;
  }
}
