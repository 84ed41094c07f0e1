import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { constants, homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { formatDuration } from './duration.js';
import type { RunStep, ServiceStep, Step, StepWhen } from './model.js';

// Runs one job's expanded steps in order, as CircleCI's build agent does: `run` steps as real
// processes under the job's shell, with BASH_ENV carried from step to step, `when:` judged against
// the job's status, and no_output_timeout killing a silent step's process group. Everything other
// than `run` (checkout, caches, artifacts, workspaces …) goes to the caller's handler.

/** Time as the runner measures it (the shape of greenlight's Clock); injected so tests drive it. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** CircleCI's default shell where /bin/bash exists. */
export const DEFAULT_SHELL = '/bin/bash -eo pipefail';

export type StepStatus = 'success' | 'failed' | 'skipped' | 'timed_out';

export interface StepResult {
  readonly name: string;
  readonly type: Step['type'];
  /** The process's exit code; 0/1 for a handled step; null when skipped or killed. */
  readonly exitCode: number | null;
  readonly status: StepStatus;
  /** On the injected clock. */
  readonly durationMs: number;
  /** What CircleCI would print under the step: "Exited with code exit status 1", the timeout … */
  readonly message?: string;
  readonly background: boolean;
}

export interface JobRunResult {
  /** failed: a step failed or timed out (background steps excepted); canceled: the signal aborted. */
  readonly status: 'success' | 'failed' | 'canceled';
  /** One per step, in the steps' order. */
  readonly steps: readonly StepResult[];
}

/** Where the runner reports; the caller prints CircleCI-like headers and output, or records them. */
export interface StepOutput {
  started(step: Step, index: number): void;
  output(step: Step, index: number, text: string, stream: 'stdout' | 'stderr'): void;
  /** Also called for skipped steps (without `started`). */
  finished(step: Step, index: number, result: StepResult): void;
}

export interface ServiceStepContext {
  /** The job's working directory on this machine. */
  readonly workingDirectory: string;
  /** The job's environment as a run step would get it (without what BASH_ENV adds). */
  readonly env: Readonly<Record<string, string>>;
  /** Writes to the step's output. */
  print(text: string): void;
  readonly signal: AbortSignal;
}

/** What the caller does with a non-`run` step; throwing fails the step with the error's message. */
export type ServiceStepHandler = (step: ServiceStep, context: ServiceStepContext) => Promise<void>;

export interface RunJobOptions {
  readonly steps: readonly Step[];
  /** The job's working directory on this machine (created when missing, as CircleCI does). */
  readonly workingDirectory: string;
  /**
   * The environment below the job's own: the machine's (PATH, HOME), then project variables,
   * contexts and CircleCI's built-in variables, already layered by the caller in that order.
   */
  readonly env: Readonly<Record<string, string>>;
  /** The job's (and its executor's) `environment:`; a step's own `environment:` goes over it. */
  readonly jobEnvironment?: Readonly<Record<string, string>>;
  /** The BASH_ENV file; created empty when missing. Default: a file the runner makes and removes. */
  readonly bashEnv?: string;
  readonly clock: Clock;
  readonly output: StepOutput;
  readonly handleStep: ServiceStepHandler;
  readonly signal?: AbortSignal;
}

interface Background {
  readonly index: number;
  readonly step: RunStep;
  readonly done: Promise<StepResult>;
  stop(): void;
}

export async function runJob(options: RunJobOptions): Promise<JobRunResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'circleci-job-'));
  const bashEnv = options.bashEnv ?? join(scratch, 'bash_env');
  appendFileSync(bashEnv, '');
  mkdirSync(options.workingDirectory, { recursive: true });
  const home = options.env.HOME ?? homedir();
  const env = { ...options.env, ...options.jobEnvironment, BASH_ENV: bashEnv };
  const abort = new AbortController();
  const onAbort = () => abort.abort(options.signal?.reason);
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const results: (StepResult | undefined)[] = [];
  const backgrounds: Background[] = [];
  let failed = false;
  try {
    for (const [index, step] of options.steps.entries()) {
      if (abort.signal.aborted || !shouldRun(step.when, failed)) {
        const result = skipped(step);
        results[index] = result;
        options.output.finished(step, index, result);
        continue;
      }
      options.output.started(step, index);
      if (step.type === 'run') {
        const cwd = directoryOf(step, options.workingDirectory, home);
        let started: Background;
        try {
          started = startRun(step, index, { cwd, env, scratch, options, signal: abort.signal });
        } catch (error) {
          // The step's directory or script could not be made: the step fails, the job goes on.
          const message = `cannot start the step in ${cwd}: ${(error as Error).message}`;
          const result: StepResult = { ...skipped(step), status: 'failed', message };
          results[index] = result;
          failed = true;
          options.output.output(step, index, `${message}\n`, 'stderr');
          options.output.finished(step, index, result);
          continue;
        }
        if (step.background) {
          backgrounds.push(started);
          continue;
        }
        const result = await started.done;
        results[index] = result;
        if (result.status !== 'success') failed = true;
        options.output.finished(step, index, result);
      } else {
        const result = await runService(step, index, env, options, abort.signal);
        results[index] = result;
        if (result.status !== 'success') failed = true;
        options.output.finished(step, index, result);
      }
    }
  } finally {
    // CircleCI ends a job's background steps with the job; their exit does not change its status.
    for (const background of backgrounds) background.stop();
    for (const background of backgrounds) {
      const result = await background.done;
      results[background.index] = result;
      options.output.finished(background.step, background.index, result);
    }
    options.signal?.removeEventListener('abort', onAbort);
    rmSync(scratch, { recursive: true, force: true });
  }
  const status = abort.signal.aborted ? 'canceled' : failed ? 'failed' : 'success';
  return { status, steps: results as StepResult[] };
}

function shouldRun(when: StepWhen, failed: boolean): boolean {
  if (when === 'always') return true;
  return when === 'on_fail' ? failed : !failed;
}

function skipped(step: Step): StepResult {
  return {
    name: step.name,
    type: step.type,
    exitCode: null,
    status: 'skipped',
    durationMs: 0,
    background: step.type === 'run' && step.background,
  };
}

function directoryOf(step: RunStep, jobDirectory: string, home: string): string {
  const wanted = step.workingDirectory;
  if (wanted === undefined || wanted === '') return jobDirectory;
  if (wanted === '~' || wanted.startsWith('~/')) return join(home, wanted.slice(1));
  return isAbsolute(wanted) ? wanted : resolve(jobDirectory, wanted);
}

interface RunContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly scratch: string;
  readonly options: RunJobOptions;
  readonly signal: AbortSignal;
}

function startRun(step: RunStep, index: number, context: RunContext): Background {
  const { clock, output } = context.options;
  const startedAt = clock.now();
  // The command goes to the shell as a script file, as CircleCI's agent does, so multi-line
  // commands, heredocs and `set` lines behave as in a script.
  const script = join(context.scratch, `step-${index}.sh`);
  writeFileSync(script, step.command.endsWith('\n') ? step.command : `${step.command}\n`);
  mkdirSync(context.cwd, { recursive: true });
  const [program, ...shellArgs] = (step.shell ?? DEFAULT_SHELL).trim().split(/\s+/) as [string, ...string[]];
  const child = spawn(program, [...shellArgs, script], {
    cwd: context.cwd,
    env: { ...context.env, ...step.environment },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a timeout or the job's end kills what the step started too.
    detached: true,
  });
  let lastOutputAt = startedAt;
  const watch = new AbortController();
  let ending: 'timed_out' | 'stopped' | 'canceled' | undefined;
  const kill = (why: typeof ending) => {
    // A shell that already exited ended on its own; what it left in its group is killed all the same.
    if (child.exitCode === null && child.signalCode === null) ending ??= why;
    killGroup(child);
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.setEncoding('utf8');
    child[stream]?.on('data', (text: string) => {
      lastOutputAt = clock.now();
      output.output(step, index, text, stream);
    });
  }
  const onCancel = () => kill('canceled');
  context.signal.addEventListener('abort', onCancel, { once: true });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (done) => {
      child.once('error', (error) => done({ code: null, signal: null, error }));
      child.once('close', (code, signal) => done({ code, signal }));
    },
  );
  const silence = watchSilence(step.noOutputTimeoutMs, () => lastOutputAt, clock, watch.signal).then(
    (silent) => {
      if (silent) kill('timed_out');
    },
  );

  const done = exited.then(async ({ code, signal, error }): Promise<StepResult> => {
    watch.abort();
    await silence;
    context.signal.removeEventListener('abort', onCancel);
    const base = {
      name: step.name,
      type: step.type,
      durationMs: clock.now() - startedAt,
      background: step.background,
    };
    if (error !== undefined) {
      return {
        ...base,
        exitCode: null,
        status: 'failed',
        message: `cannot start ${program}: ${error.message}`,
      };
    }
    if (ending === 'timed_out') {
      const message = `Too long with no output (exceeded ${formatDuration(step.noOutputTimeoutMs)}): context deadline exceeded`;
      output.output(step, index, `\n${message}\n`, 'stderr');
      return { ...base, exitCode: null, status: 'timed_out', message };
    }
    if (ending === 'stopped') {
      return {
        ...base,
        exitCode: null,
        status: 'success',
        message: 'still running when the job ended: stopped',
      };
    }
    const exitCode = code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
    if (ending === 'canceled') return { ...base, exitCode, status: 'failed', message: 'canceled' };
    if (exitCode === 0) return { ...base, exitCode, status: 'success' };
    const message = `Exited with code exit status ${exitCode}`;
    output.output(step, index, `\n${message}\n`, 'stderr');
    return { ...base, exitCode, status: 'failed', message };
  });
  return { index, step, done, stop: () => kill('stopped') };
}

/** Resolves true once `timeoutMs` pass on `clock` without output; false when `signal` ends the watch. */
async function watchSilence(
  timeoutMs: number,
  lastOutputAt: () => number,
  clock: Clock,
  signal: AbortSignal,
): Promise<boolean> {
  for (;;) {
    const wait = lastOutputAt() + timeoutMs - clock.now();
    if (wait <= 0) return !signal.aborted;
    try {
      await clock.sleep(wait, signal);
    } catch {
      return false;
    }
    if (signal.aborted) return false;
  }
}

/** The step's whole process group: the shell may be gone while what it started holds the output. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function runService(
  step: ServiceStep,
  index: number,
  env: Readonly<Record<string, string>>,
  options: RunJobOptions,
  signal: AbortSignal,
): Promise<StepResult> {
  const startedAt = options.clock.now();
  const base = { name: step.name, type: step.type, background: false };
  try {
    await options.handleStep(step, {
      workingDirectory: options.workingDirectory,
      env,
      print: (text) => options.output.output(step, index, text, 'stdout'),
      signal,
    });
    return { ...base, exitCode: 0, status: 'success', durationMs: options.clock.now() - startedAt };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    options.output.output(step, index, `${message}\n`, 'stderr');
    return { ...base, exitCode: 1, status: 'failed', durationMs: options.clock.now() - startedAt, message };
  }
}
