// Signalling greenlight mid-command, as CI does when a job is cancelled: the real entry point runs in
// a child process until its stderr shows it reached the moment the test wants, then gets the signal.
import { spawn } from 'node:child_process';
import { builtCli } from './built-cli.js';

export interface Interrupted {
  /** The exit code (null when the signal itself ended it). */
  readonly code: number | null;
  readonly stderr: string;
}

/**
 * Runs `greenlight ARGS` until its stderr matches `when`, sends it `signal`, and resolves once it has
 * exited. A greenlight that exits before `when` is never signalled; its exit code tells the test.
 */
export async function interruptGreenlight(
  args: readonly string[],
  options: {
    readonly cwd: string;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly when: RegExp;
    readonly signal: NodeJS.Signals;
  },
): Promise<Interrupted> {
  // The CLI bundled from the sources as they are now (built-cli.ts): its process starts as CI's does.
  const child = spawn(process.execPath, [await builtCli(), ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, CI: 'true', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let signalled = false;
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (!signalled && options.when.test(stderr)) {
      signalled = true;
      child.kill(options.signal);
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
