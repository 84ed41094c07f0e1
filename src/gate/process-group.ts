import { readdir, readFile } from 'node:fs/promises';
import { systemClock, type Clock } from '../clock.js';

// Ending a whole process group: the smoke tests' shell and everything it started, including what it
// left running in the background after it exited (`sleep 600 &`, a server it never stopped). The
// group outlives its leader, so it is signalled as a group (kill(-pgid)) whether or not the shell is
// still there. On Linux the members are read from /proc, which also tells a process that is gone but
// not yet reaped (a zombie, whose parent may be an init that never reaps) from one still running;
// elsewhere kill(-pgid, 0) is the only probe. A process that left the group on purpose (setsid) is
// beyond its reach.

export interface GroupMember {
  readonly pid: number;
  /** The executable's name as the kernel knows it (`sleep`), when /proc says. */
  readonly command?: string;
}

/** How often a group that was signalled is looked at again. */
const PROBE_MS = 20;
/** After KILL, how long the kernel gets to take the members away. */
const KILL_WAIT_MS = 2_000;

/**
 * The live members of process group `pgid`; undefined where /proc cannot be read (not Linux), so the
 * caller falls back to signals alone.
 */
export async function groupMembers(pgid: number): Promise<GroupMember[] | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  const members = await Promise.all(
    entries.filter((e) => /^\d+$/.test(e)).map((pid) => memberOf(Number(pid), pgid)),
  );
  return members.filter((m): m is GroupMember => m !== undefined);
}

/** The process, if it is alive and in group `pgid` (`/proc/PID/stat`: `pid (comm) state ppid pgrp …`). */
async function memberOf(pid: number, pgid: number): Promise<GroupMember | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone since the directory was read
  }
  const close = stat.lastIndexOf(')');
  const [state, , pgrp] = stat.slice(close + 2).split(' ');
  if (Number(pgrp) !== pgid || state === 'Z' || state === 'X') return undefined;
  return { pid, command: stat.slice(stat.indexOf('(') + 1, close) };
}

/** Sends `signal` to every process of the group; false when the group has no process left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

async function alive(pgid: number): Promise<boolean> {
  const members = await groupMembers(pgid);
  return members ? members.length > 0 : signalGroup(pgid, 0);
}

/** Waits (at most `ms`) for the group to have no live process; true when it has none. */
async function gone(pgid: number, ms: number, clock: Clock): Promise<boolean> {
  const until = clock.now() + ms;
  for (;;) {
    if (!(await alive(pgid))) return true;
    if (clock.now() >= until) return false;
    await clock.sleep(PROBE_MS);
  }
}

export interface GroupEnding {
  /** The processes found in the group when it was told to end. */
  readonly members: readonly GroupMember[];
  /** Some needed KILL: TERM did not end them within the grace period. */
  readonly killed: boolean;
  /** The group still has live processes after KILL (they are in an uninterruptible wait). */
  readonly survivors: readonly GroupMember[];
}

/**
 * Ends every process of the group: TERM, then KILL to whatever is left after `graceMs`. Resolves once
 * the group is empty, or after a bounded wait when even KILL did not empty it. The grace is the
 * processes' own time, the wall clock's: the clock a command runs on may be virtual (a test's, a
 * rehearsal's), and a process given two virtual seconds to exit could get a few real milliseconds.
 */
export async function endGroup(
  pgid: number,
  graceMs: number,
  clock: Clock = systemClock,
): Promise<GroupEnding> {
  const members = (await groupMembers(pgid)) ?? [];
  if (!signalGroup(pgid, 'SIGTERM')) return { members, killed: false, survivors: [] };
  if (await gone(pgid, graceMs, clock)) return { members, killed: false, survivors: [] };
  signalGroup(pgid, 'SIGKILL');
  await gone(pgid, KILL_WAIT_MS, clock);
  return { members, killed: true, survivors: (await groupMembers(pgid)) ?? [] };
}
