// The AWS CLI as the rehearsal's stand-ins call it: `--output json`, the local cloud's endpoint named
// on the command line (Debian's aws 2.9 predates AWS_ENDPOINT_URL and would send the call, and a web
// identity token, to AWS itself).
//
// Each call runs the CLI's own code, one of two ways. By default the rehearsal keeps the CLI in one
// Python process (the local cloud's AwsCliDriver: /usr/bin/aws's entry point, parsers and output,
// with a fresh environment per call) and serves it on a Unix socket in its work directory; the SAM
// CLI's stand-in, a process of each job, sends its calls there. A call costs tens of milliseconds
// instead of half a second of CPU for a Python process of its own. With GREENLIGHT_REHEARSAL_AWS_CLI
// set (a wrapper that counts or logs the calls, say) or no Debian CLI, each call is a process of
// that program.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** How long one `aws` call may take (wall time). */
const CALL_DEADLINE_MS = 5 * 60_000;

/** Debian's AWS CLI, which .ci/run installs, and whose Python package the driver imports. */
const DEBIAN_AWS_CLI = '/usr/bin/aws';

/** Where the rehearsal's jobs find its AWS CLI service (a Unix socket). */
export const AWS_CLI_SOCKET_VARIABLE = 'GREENLIGHT_REHEARSAL_AWS_CLI_SOCKET';

/**
 * GREENLIGHT_REHEARSAL_AWS_CLI when set (a wrapper that counts or logs the calls, say: the rehearsal
 * passes it on to its jobs), else Debian's AWS CLI where it is installed (the one .ci/run installs),
 * else the first `aws` on PATH.
 */
export function awsCliPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.GREENLIGHT_REHEARSAL_AWS_CLI) return env.GREENLIGHT_REHEARSAL_AWS_CLI;
  return existsSync(DEBIAN_AWS_CLI) ? DEBIAN_AWS_CLI : 'aws';
}

export class AwsCliError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export interface AwsCli {
  /** Runs `aws <args> --output json`; resolves with the parsed answer (undefined when it printed nothing). */
  call(args: readonly string[], extraEnv?: Readonly<Record<string, string>>): Promise<unknown>;
}

interface Outcome {
  readonly rc: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why there is no exit code: the deadline passed, the program could not start. */
  readonly problem?: string;
}

/** Runs one `aws ARGV…` with exactly this environment. */
type Runner = (
  argv: readonly string[],
  env: Record<string, string>,
  signal?: AbortSignal,
) => Promise<Outcome>;

export function awsCli(options: {
  readonly endpoint: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
}): AwsCli {
  const socket = options.env[AWS_CLI_SOCKET_VARIABLE];
  const runner =
    socket && !options.env.GREENLIGHT_REHEARSAL_AWS_CLI
      ? socketRunner(socket)
      : processRunner(awsCliPath(options.env));
  return {
    async call(args, extraEnv = {}) {
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries({ ...options.env, ...extraEnv }))
        if (value !== undefined && key !== AWS_CLI_SOCKET_VARIABLE) env[key] = value;
      // The CLI's pager and its prompts wait for a person.
      env.AWS_PAGER = '';
      const what = `aws ${args.slice(0, 2).join(' ')}`;
      const { rc, stdout, stderr, problem } = await runner(
        [...args, '--endpoint-url', options.endpoint, '--output', 'json'],
        env,
        options.signal,
      );
      if (problem) throw new AwsCliError(`${what} ${problem}`, rc, stderr);
      if (rc !== 0) {
        const said = stderr.trim().split('\n').slice(-3).join('\n');
        throw new AwsCliError(`${what} failed (exit ${rc}): ${said}`, rc, stderr);
      }
      try {
        return stdout.trim() === '' ? undefined : (JSON.parse(stdout) as unknown);
      } catch {
        throw new AwsCliError(`${what} printed something other than JSON`, rc, stdout);
      }
    },
  };
}

/** A process of `program` per call. */
function processRunner(program: string): Runner {
  return (argv, env, signal) =>
    new Promise((resolve) => {
      const child = spawn(program, argv, {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        // One API call of a local cloud: five minutes of nothing means the CLI is stuck.
        timeout: CALL_DEADLINE_MS,
        ...(signal ? { signal } : {}),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', (error) =>
        resolve({ rc: null, stdout, stderr, problem: `could not run ${program}: ${error.message}` }),
      );
      child.on('close', (code, killed) => {
        if (code === null && killed === 'SIGTERM' && !signal?.aborted) {
          resolve({
            rc: null,
            stdout,
            stderr,
            problem: `did not end within ${CALL_DEADLINE_MS / 60_000} minutes`,
          });
          return;
        }
        resolve({ rc: code, stdout, stderr });
      });
    });
}

/** A call sent to the rehearsal's AWS CLI service: one connection, a line of JSON each way. */
function socketRunner(path: string): Runner {
  return (argv, env, signal) =>
    new Promise((resolve) => {
      const connection = createConnection(path);
      const deadline = setTimeout(() => {
        connection.destroy();
        resolve({
          rc: null,
          stdout: '',
          stderr: '',
          problem: `did not end within ${CALL_DEADLINE_MS / 60_000} minutes`,
        });
      }, CALL_DEADLINE_MS);
      const onAbort = () => connection.destroy();
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (outcome: Outcome) => {
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        connection.end();
        resolve(outcome);
      };
      connection.on('error', (error) =>
        done({
          rc: null,
          stdout: '',
          stderr: '',
          problem: `: the rehearsal's AWS CLI at ${path} is gone (${error.message})`,
        }),
      );
      createInterface({ input: connection }).once('line', (line) => done(JSON.parse(line) as Outcome));
      connection.write(`${JSON.stringify({ argv, env, cwd: process.cwd() })}\n`);
    });
}

export interface AwsCliService {
  /** For the jobs: AWS_CLI_SOCKET_VARIABLE's value. */
  readonly socketPath: string;
  /** The rehearsal's own calls (administrators' look-ups, the reach probe). */
  readonly env: Readonly<Record<string, string>>;
  /** How many calls it has answered. */
  calls(): number;
  close(): Promise<void>;
}

/**
 * The AWS CLI kept in one process for the whole rehearsal, served on `<dir>/aws-cli.sock`. Undefined
 * where it cannot be (a wrapper in GREENLIGHT_REHEARSAL_AWS_CLI, no Debian CLI): calls then each run
 * a process, as before.
 */
export async function startAwsCliService(
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AwsCliService | undefined> {
  if (env.GREENLIGHT_REHEARSAL_AWS_CLI || !existsSync(DEBIAN_AWS_CLI)) return undefined;
  const { AwsCliDriver } = await import('@greenlight/localcloud');
  const driver = new AwsCliDriver(dir, CALL_DEADLINE_MS);
  const socketPath = join(dir, 'aws-cli.sock');
  rmSync(socketPath, { force: true });
  let calls = 0;
  const server: Server = createServer((connection) => {
    createInterface({ input: connection }).once('line', (line) => {
      calls += 1;
      const request = JSON.parse(line) as { argv: string[]; env: Record<string, string>; cwd: string };
      driver
        .run(request.argv, request.env, { cwd: request.cwd })
        .then(
          (result) => ({ rc: result.rc, stdout: result.stdout, stderr: result.stderr }),
          (error: Error) => ({ rc: null, stdout: '', stderr: '', problem: `: ${error.message}` }),
        )
        .then((outcome) => connection.end(`${JSON.stringify(outcome)}\n`))
        .catch(() => connection.destroy());
    });
    connection.on('error', () => connection.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  // Idle, neither keeps the rehearsal alive.
  server.unref();
  return {
    socketPath,
    env: { [AWS_CLI_SOCKET_VARIABLE]: socketPath },
    calls: () => calls,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await driver.close();
      rmSync(socketPath, { force: true });
    },
  };
}
