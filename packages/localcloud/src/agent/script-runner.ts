// Runs one hook script inside an instance the way the CodeDeploy agent's HookExecutor does (spec
// §6.5): the script must exist and be executable (the agent tries chmod +x first); it runs in its
// own process group with `su <runas> -c <script>` when `runas` is set; each output line becomes a
// `[stdout]`/`[stderr]` entry; past its timeout the whole group gets SIGTERM (and, after a grace the
// agent does not give, SIGKILL, so nothing outlives a timed-out script); a script that exits while a
// child keeps its stdout open fails once the timeout runs out.
//
// Timeouts are real seconds: hook scripts are real processes, and the time scale cannot speed them up.
import type { ChildProcess } from 'node:child_process';
import type { SandboxedInstance } from '../instance/sandboxed-instance.js';
import { LineSplitter, type ScriptLog } from './script-log.js';

export interface ScriptToRun {
  /** As written in the appspec. */
  readonly location: string;
  /** Inside the instance. */
  readonly path: string;
  readonly timeoutSeconds: number;
  readonly runas?: string;
  readonly sudo?: boolean;
}

export type ScriptOutcome =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-executable' }
  | { readonly kind: 'timed-out' }
  | { readonly kind: 'failed'; readonly exitCode: number }
  | { readonly kind: 'stdout-left-open' }
  | { readonly kind: 'aborted' };

export interface ScriptRunContext {
  readonly instance: SandboxedInstance;
  readonly env: Record<string, string>;
  readonly log: ScriptLog;
  /** Receives each log entry as written (for scripts.log). */
  readonly record: (entry: string) => void;
  readonly signal: AbortSignal;
}

const KILL_GRACE_MS = 2_000;
const MISSING = 11;
const NOT_EXECUTABLE = 12;

/** Checks the script like the agent: present, executable or made so with chmod +x. */
async function precheck(
  instance: SandboxedInstance,
  path: string,
): Promise<'ok' | 'missing' | 'not-executable'> {
  const result = await instance.exec([
    '/bin/sh',
    '-c',
    `[ -e "$1" ] || exit ${MISSING}; [ -f "$1" ] || exit ${NOT_EXECUTABLE}; ` +
      `if [ ! -x "$1" ]; then chmod +x "$1" 2>/dev/null; [ -x "$1" ] || exit ${NOT_EXECUTABLE}; fi`,
    'precheck',
    path,
  ]);
  if (result.code === MISSING) return 'missing';
  if (result.code === NOT_EXECUTABLE) return 'not-executable';
  if (result.code !== 0) throw new Error(`could not check ${path} on the instance: ${result.stderr.trim()}`);
  return 'ok';
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone.
  }
}

/** The command the agent builds: the script itself, or `su <runas> -c <script>` (with sudo if asked). */
export function scriptCommand(script: ScriptToRun): string[] {
  if (script.runas === undefined) return script.sudo ? ['sudo', script.path] : [script.path];
  return [...(script.sudo ? ['sudo'] : []), 'su', script.runas, '-c', script.path];
}

export async function runScript(script: ScriptToRun, ctx: ScriptRunContext): Promise<ScriptOutcome> {
  const check = await precheck(ctx.instance, script.path);
  if (check !== 'ok') return { kind: check };
  const child = ctx.instance.spawn(scriptCommand(script), ctx.env);
  child.stdin?.end();
  const entry = (text: string): void => ctx.record(ctx.log.append(text));
  const out = new LineSplitter((line) => entry(`[stdout]${line}`));
  const err = new LineSplitter((line) => entry(`[stderr]${line}`));
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => out.push(chunk));
  child.stderr?.on('data', (chunk: string) => err.push(chunk));

  return new Promise<ScriptOutcome>((resolve) => {
    let exitCode: number | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (outcome: ScriptOutcome): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      out.flush();
      err.flush();
      resolve(outcome);
    };
    const onAbort = (): void => {
      killGroup(child, 'SIGKILL');
      finish({ kind: 'aborted' });
    };
    if (ctx.signal.aborted) {
      onAbort();
      return;
    }
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    timers.push(
      setTimeout(() => {
        if (exitCode !== undefined) {
          // The script is done but something it started still holds its output open. The agent
          // leaves that process running, and so does the local cloud.
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish({ kind: 'stdout-left-open' });
          return;
        }
        killGroup(child, 'SIGTERM');
        timers.push(setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS));
        finish({ kind: 'timed-out' });
      }, script.timeoutSeconds * 1000),
    );
    child.on('error', () => finish({ kind: 'failed', exitCode: 127 }));
    child.on('exit', (code, signal) => {
      exitCode = code ?? 128 + signalNumber(signal);
    });
    child.on('close', () => {
      const code = exitCode ?? 1;
      finish(code === 0 ? { kind: 'succeeded' } : { kind: 'failed', exitCode: code });
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && numbers[signal]) ?? 0;
}
