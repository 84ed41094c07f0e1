// Whether a process still runs. A process that was killed but not yet reaped (a zombie: its parent, the
// init of a container, may never reap it) is not running; kill(pid, 0) cannot tell the two apart.
import { readFileSync } from 'node:fs';

export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}
