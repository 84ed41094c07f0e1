// Signalling greenlight mid-command, as CI does when a job is cancelled: the real entry point runs in
// a child process until its stderr shows it reached the moment the test wants, then gets the signal.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// Resolved here, not by the child: the child's cwd may be a directory without node_modules.
const tsxLoader = import.meta.resolve('tsx');

export interface Interrupted {
  /** The exit code (null when the signal itself ended it). */
  readonly code: number | null;
  readonly stderr: string;
}

/**
 * Runs `greenlight ARGS` until its stderr matches `when`, sends it `signal`, and resolves once it has
 * exited. A greenlight that exits before `when` is never signalled; its exit code tells the test.
 */
export function interruptGreenlight(
  args: readonly string[],
  options: {
    readonly cwd: string;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly when: RegExp;
    readonly signal: NodeJS.Signals;
  },
): Promise<Interrupted> {
  const child = spawn(process.execPath, ['--import', tsxLoader, entry, ...args], {
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
