// The AWS CLI as the rehearsal's stand-ins call it: one process per call, `--output json`, the local
// cloud's endpoint named on the command line (Debian's aws 2.9 predates AWS_ENDPOINT_URL and would
// send the call, and a web identity token, to AWS itself).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** How long one `aws` call may take (wall time). */
const CALL_DEADLINE_MS = 5 * 60_000;

/**
 * GREENLIGHT_REHEARSAL_AWS_CLI when set (a wrapper that counts or logs the calls, say: the rehearsal
 * passes it on to its jobs), else Debian's AWS CLI where it is installed (the one .ci/run installs),
 * else the first `aws` on PATH.
 */
export function awsCliPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.GREENLIGHT_REHEARSAL_AWS_CLI) return env.GREENLIGHT_REHEARSAL_AWS_CLI;
  return existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
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

export function awsCli(options: {
  readonly endpoint: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
}): AwsCli {
  const program = awsCliPath(options.env);
  return {
    call(args, extraEnv = {}) {
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries({ ...options.env, ...extraEnv }))
        if (value !== undefined) env[key] = value;
      // The CLI's pager and its prompts wait for a person.
      env.AWS_PAGER = '';
      return new Promise((resolve, reject) => {
        const child = spawn(program, [...args, '--endpoint-url', options.endpoint, '--output', 'json'], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          // One API call of a local cloud: five minutes of nothing means the CLI is stuck.
          timeout: CALL_DEADLINE_MS,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', (error) =>
          reject(new AwsCliError(`could not run ${program}: ${error.message}`, null, stderr)),
        );
        child.on('close', (code, signal) => {
          if (code === null && signal === 'SIGTERM' && !options.signal?.aborted) {
            reject(
              new AwsCliError(
                `aws ${args.slice(0, 2).join(' ')} did not end within ${CALL_DEADLINE_MS / 60_000} minutes`,
                null,
                stderr,
              ),
            );
            return;
          }
          if (code !== 0) {
            const said = stderr.trim().split('\n').slice(-3).join('\n');
            reject(
              new AwsCliError(
                `aws ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${said}`,
                code,
                stderr,
              ),
            );
            return;
          }
          try {
            resolve(stdout.trim() === '' ? undefined : JSON.parse(stdout));
          } catch {
            reject(
              new AwsCliError(
                `aws ${args.slice(0, 2).join(' ')} printed something other than JSON`,
                code,
                stdout,
              ),
            );
          }
        });
      });
    },
  };
}
