// The AWS CLI kept in one process: each command runs through the code /usr/bin/aws runs
// (awscli.clidriver's AWSCLIEntryPoint: its argument parsing, botocore's serializers and parsers, its
// output), with a fresh driver, environment and working directory of its own, in a long-lived Python
// process of /usr/bin/aws's own interpreter (driver.py). Starting Python and importing the CLI costs
// about a second of CPU; a command in the driver costs tens of milliseconds, against half a second
// for a process of its own. The tests of the local cloud's wire formats and greenlight's rehearsals
// (its SAM CLI stand-in, its administrators' look-ups) run the CLI this way.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { AWS_CLI_DRIVER } from '../assets.js';

/** Debian's AWS CLI v2 (the awscli package), whose Python package the driver imports. */
export const AWS_CLI = '/usr/bin/aws';

export interface AwsCliResult {
  readonly rc: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How long one command may take unless the caller says otherwise. */
export const AWS_CLI_COMMAND_DEADLINE_MS = 5 * 60_000;

/**
 * One driver.py process: one command at a time (a caller with several at once queues them here), each
 * a line of JSON in and a line out. Idle, it does not keep the Node process alive.
 */
export class AwsCliDriver {
  private readonly child: ChildProcessWithoutNullStreams;
  private pending: { resolve: (r: AwsCliResult) => void; reject: (e: Error) => void } | undefined;
  private exited: Error | undefined;
  private stderr = '';
  private queue: Promise<unknown> = Promise.resolve();

  /** `cwd` and HOME of the Python process itself; each command has its own cwd and environment. */
  constructor(
    home: string,
    private readonly deadlineMs = AWS_CLI_COMMAND_DEADLINE_MS,
  ) {
    // The interpreter /usr/bin/aws names on its #! line, so the CLI runs as installed.
    const interpreter = /^#!\s*(\S+)/.exec(readFileSync(AWS_CLI, 'utf8'))?.[1] ?? '/usr/bin/python3';
    this.child = spawn(interpreter, [AWS_CLI_DRIVER], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home },
    });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const pending = this.pending;
      this.pending = undefined;
      this.idle();
      pending?.resolve(JSON.parse(line) as AwsCliResult);
    });
    this.child.on('error', (error) =>
      this.fail(new Error(`could not start the AWS CLI driver: ${error.message}`)),
    );
    this.child.on('exit', (code, signal) =>
      this.fail(new Error(`the AWS CLI driver exited (${signal ?? code}):\n${this.stderr.trim()}`)),
    );
    this.idle();
  }

  /** `aws ARGV…` with this environment (the whole of it: nothing of this process's leaks in). */
  run(
    argv: readonly string[],
    env: Readonly<Record<string, string>>,
    options: { readonly cwd?: string; readonly signal?: AbortSignal } = {},
  ): Promise<AwsCliResult> {
    const next = this.queue.then(() => this.runNow(argv, env, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the driver when its queue is done; resolves once the process has exited. */
  close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.ref();
    this.child.stdin.end();
    return exited;
  }

  private runNow(
    argv: readonly string[],
    env: Readonly<Record<string, string>>,
    options: { readonly cwd?: string; readonly signal?: AbortSignal },
  ): Promise<AwsCliResult> {
    if (this.exited) return Promise.reject(this.exited);
    if (options.signal?.aborted) return Promise.reject(new Error('aborted'));
    return new Promise((resolve, reject) => {
      const what = `aws ${argv.slice(0, 2).join(' ')}`;
      // A command that never answers (a CLI waiter on a state that never comes) fails naming the
      // command instead of holding its caller; the driver is gone with it.
      const deadline = setTimeout(() => {
        this.child.kill('SIGKILL');
        this.fail(new Error(`${what} did not answer within ${this.deadlineMs / 1000} s`));
      }, this.deadlineMs);
      const onAbort = () => {
        this.child.kill('SIGKILL');
        this.fail(new Error(`${what}: aborted`));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(deadline);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.pending = {
        resolve: (result) => {
          settle();
          resolve(result);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      // While a command runs, the driver holds the process open; idle, it does not.
      this.child.ref();
      (this.child.stdout as unknown as Socket).ref();
      this.child.stdin.write(
        `${JSON.stringify({ argv, env, ...(options.cwd ? { cwd: options.cwd } : {}) })}\n`,
      );
    });
  }

  private fail(error: Error): void {
    this.exited ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  private idle(): void {
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr, this.child.stdin])
      (stream as unknown as Socket).unref();
  }
}
