// The greenlight CLI run in this process (integration tests may not spawn), against a test cloud on
// its virtual clock: what it printed, and stderr's lines without their leading time.
import type { Clock } from '../../src/clock.js';
import { runCli } from '../../src/cli/run.js';

export interface InProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stderr's lines, each without its `[hh:mm:ss] ` time. */
  readonly lines: readonly string[];
}

export async function cliInProcess(
  args: readonly string[],
  options: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly cwd: string;
    /** Default: the system clock (a test beside real processes, such as sandboxed hooks). */
    readonly clock?: Clock;
  },
): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: options.env,
    cwd: options.cwd,
    signal: new AbortController().signal,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const lines = stderr.split('\n').map((line) => line.replace(/^\[\d\d:\d\d:\d\d\] /, ''));
  return { code, stdout, stderr, lines };
}

/** cliInProcess with `--json`: the exit code, the JSON document's `result`, and stderr (the log). */
export async function cliJson(
  args: readonly string[],
  options: Parameters<typeof cliInProcess>[1],
): Promise<{ code: number; result: Record<string, unknown>; log: string }> {
  const run = await cliInProcess([...args, '--json'], options);
  const doc = JSON.parse(run.stdout || '{}') as { result?: Record<string, unknown> };
  return { code: run.code, result: doc.result ?? {}, log: run.stderr };
}

/**
 * The SDK also reads a region, a profile and credentials from this machine's environment and files:
 * a test that says what greenlight finds must find only what it set itself.
 */
export function forgetThisMachinesAwsConfig(): void {
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
  process.env.AWS_CONFIG_FILE = '/nonexistent/greenlight-test/config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/greenlight-test/credentials';
}
