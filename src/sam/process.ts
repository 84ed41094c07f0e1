import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../log/events.js';
import { SamFailedError } from './errors.js';

/** Where and how sam runs; passed in so tests run a recorded stand-in the same way. */
export interface SamRuntime {
  readonly logger: Logger;
  /** The executable; default `sam` from PATH. */
  readonly command?: string;
  readonly cwd?: string;
  /** The child's environment; default this process's. AWS credentials and region come through it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
}

export interface SamRun {
  readonly exitCode: number;
  /** Every line sam printed, stdout and stderr interleaved as they arrived. */
  readonly lines: readonly string[];
}

const TAIL_LINES = 20;

/** Runs sam with `args` (no shell), sends each line it prints to the logger, and resolves when it exits. */
export function runSam(args: readonly string[], runtime: SamRuntime): Promise<SamRun> {
  const command = runtime.command ?? 'sam';
  const env = {
    ...(runtime.env ?? process.env),
    // Lines as they happen, not when Python's buffer fills; no telemetry prompt in CI.
    PYTHONUNBUFFERED: '1',
    SAM_CLI_TELEMETRY: '0',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      shell: false,
      cwd: runtime.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(runtime.signal ? { signal: runtime.signal } : {}),
    });
    const lines: string[] = [];
    const open = new Set<string>(['stdout', 'stderr']);
    let exitCode: number | undefined;
    let settled = false;
    const finish = (): void => {
      if (settled || exitCode === undefined || open.size > 0) return;
      settled = true;
      resolve({ exitCode, lines });
    };
    for (const [name, stream] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      const reader = createInterface({ input: stream, crlfDelay: Infinity });
      reader.on('line', (line) => {
        lines.push(line);
        runtime.logger.emit({ kind: 'message', level: 'info', text: line });
      });
      reader.on('close', () => {
        open.delete(name);
        finish();
      });
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      if (error.code === 'ENOENT') {
        reject(
          new SamFailedError(
            `${command} (the AWS SAM CLI) is not installed or not on PATH: install it with pip install aws-sam-cli`,
            [],
            { cause: error },
          ),
        );
      } else if (error.name === 'AbortError') {
        reject(
          new SamFailedError(`sam ${args[0] ?? ''} was cancelled`, lines.slice(-TAIL_LINES), {
            cause: error,
          }),
        );
      } else {
        reject(new SamFailedError(`could not run ${command}: ${error.message}`, [], { cause: error }));
      }
    });
    child.on('close', (code, signal) => {
      exitCode = code ?? (signal ? 128 : 1);
      finish();
    });
  });
}

export function outputTail(lines: readonly string[]): string[] {
  return lines.filter((line) => line.trim() !== '').slice(-TAIL_LINES);
}

/** sam's own last `Error: …` line, which says what went wrong better than anything else it printed. */
export function lastError(tail: readonly string[]): string {
  const line = [...tail].reverse().find((text) => /^\s*Error:/.test(text));
  return line === undefined ? '' : `: ${line.trim().replace(/^Error:\s*/, '')}`;
}
