import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Clock } from '../clock.js';
import type { Logger } from '../log/events.js';
import { endGroup, type GroupEnding, type GroupMember } from './process-group.js';

// `--smoke CMD`: the team's own API or integration tests, run against the environment while it bakes.
//
// CMD is a command line the person wrote into their pipeline, so it is run the way a CI step runs
// one: `/bin/sh -c CMD`. That is the only shell, and greenlight puts nothing into it: the URL, the
// environment and the version reach the tests as environment variables (GREENLIGHT_URL …), never
// spliced into the text. The tests run in their own process group, so a timeout or the end of the
// gate stops everything they started: when the gate ends — passed, failed, cancelled or on an
// error — every process still in the group gets TERM, then KILL, even when the shell itself has long
// exited and only what it left in the background (`sleep 600 &`, a server) remains. Tests that exit 0
// and leave a process behind still passed; the log says what was ended. Their output is streamed to
// the log as it comes and kept (the last 64 KiB) for the report; a leftover process holding the
// output open delays the result by at most a short drain.

export interface SmokeRequest {
  readonly command: string;
  /** The whole environment of the tests: the caller's, plus GREENLIGHT_URL and friends. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly timeoutMs: number;
}

export interface SmokeResult {
  readonly command: string;
  readonly passed: boolean;
  readonly exitCode?: number;
  /** The signal that ended the tests, when one did. */
  readonly signal?: string;
  readonly timedOut: boolean;
  /** Ended by greenlight because the gate ended first (a failure elsewhere, or a cancel). */
  readonly stopped: boolean;
  readonly durationMs: number;
  /** stdout and stderr as they came, at most the last 64 KiB. */
  readonly output: string;
  readonly truncated: boolean;
  /** The tests could not be started at all. */
  readonly error?: string;
  /** Processes the tests left running after they exited, ended when the gate ended (`1234 sleep`). */
  readonly leftovers?: readonly string[];
}

export interface SmokeEnding {
  /** Processes of the group still running after the tests' shell had exited. */
  readonly leftovers: readonly GroupMember[];
  /** Processes that not even KILL removed (an uninterruptible wait); named in the log. */
  readonly survivors: readonly GroupMember[];
}

export interface SmokeRun {
  readonly done: Promise<SmokeResult>;
  /** Ends the tests (TERM, then KILL after a grace period); `done` still resolves with what they said. */
  stop(): void;
  /**
   * The gate is over: ends the tests if they still run and every process of their group they left
   * behind, then lets go of their output. Resolves once the group is empty (or KILL could do no
   * more). Idempotent.
   */
  end(): Promise<SmokeEnding>;
}

export interface SmokeDeps {
  readonly clock: Clock;
  readonly logger: Logger;
}

const KEEP_CHARS = 64 * 1024;
const KILL_GRACE_MS = 2_000;
/** After the tests exit, how long a child they left behind may hold their output open. */
const DRAIN_MS = 1_000;

export function startSmoke(request: SmokeRequest, deps: SmokeDeps): SmokeRun {
  const { clock, logger } = deps;
  const started = clock.now();
  let output = '';
  let truncated = false;
  let timedOut = false;
  let stopped = false;
  let exited = false;
  const timers = new AbortController();

  const child = spawn('/bin/sh', ['-c', request.command], {
    cwd: request.cwd,
    env: request.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const keep = (line: string): void => {
    output += `${line}\n`;
    if (output.length > 2 * KEEP_CHARS) {
      output = output.slice(-KEEP_CHARS);
      truncated = true;
    }
    logger.emit({ kind: 'message', level: 'info', text: `smoke │ ${line}` });
  };
  const closed = [child.stdout, child.stderr].map(
    (stream) =>
      new Promise<void>((resolve) => {
        const lines = createInterface({ input: stream, crlfDelay: Infinity });
        lines.on('line', keep);
        lines.on('close', resolve);
      }),
  );

  // One ending of the group, whoever asks first (the timeout, stop(), the gate's end).
  let ending: Promise<GroupEnding> | undefined;
  const endAll = (): Promise<GroupEnding> => {
    ending ??=
      child.pid === undefined
        ? Promise.resolve({ members: [], killed: false, survivors: [] })
        : endGroup(child.pid, KILL_GRACE_MS);
    return ending;
  };
  const end = (): void => {
    void endAll();
  };
  clock
    .sleep(request.timeoutMs, timers.signal)
    .then(() => {
      timedOut = true;
      keep(
        `greenlight: the smoke tests ran longer than ${Math.round(request.timeoutMs / 1000)}s; stopping them`,
      );
      end();
    })
    .catch(() => undefined);

  const done = new Promise<SmokeResult>((resolve) => {
    let exitedAt: number | undefined;
    const result = (fields: { exitCode?: number; signal?: string; error?: string }): SmokeResult => ({
      command: request.command,
      passed: fields.exitCode === 0 && !timedOut && !stopped && fields.error === undefined,
      ...(fields.exitCode !== undefined ? { exitCode: fields.exitCode } : {}),
      ...(fields.signal ? { signal: fields.signal } : {}),
      timedOut,
      stopped,
      // Until the shell exited: the drain that follows is not the tests' time.
      durationMs: (exitedAt ?? clock.now()) - started,
      output,
      truncated,
      ...(fields.error ? { error: fields.error } : {}),
    });
    child.on('error', (error) => {
      exited = true;
      timers.abort();
      resolve(result({ error: `could not run /bin/sh -c …: ${error.message}` }));
    });
    child.on('exit', (code, signal) => {
      exited = true;
      exitedAt = clock.now();
      void Promise.race([
        Promise.all(closed),
        clock.sleep(DRAIN_MS, timers.signal).catch(() => undefined),
      ]).then(() => {
        timers.abort();
        resolve(result({ ...(code !== null ? { exitCode: code } : {}), ...(signal ? { signal } : {}) }));
      });
    });
  });

  let ended: Promise<SmokeEnding> | undefined;
  return {
    done,
    stop() {
      if (exited) return;
      stopped = true;
      end();
    },
    end() {
      ended ??= (async () => {
        // Tests still running are stopped (their children with them); a stop under way finishes.
        if (!exited) stopped = true;
        if (!exited || ending) await endAll();
        await done;
        // What is left now, the tests' shell gone, is what they left behind.
        const group: GroupEnding =
          child.pid === undefined
            ? { members: [], killed: false, survivors: [] }
            : await endGroup(child.pid, KILL_GRACE_MS);
        // Whatever still holds the output open is past reach (it left the group): stop reading it.
        child.stdout.destroy();
        child.stderr.destroy();
        const leftovers = group.members;
        if (leftovers.length > 0) {
          logger.emit({
            kind: 'message',
            level: 'warn',
            text: `the smoke tests exited but left ${processes(leftovers.length)} running (${leftovers.map(named).join(', ')}); ended ${leftovers.length === 1 ? 'it' : 'them'} with the gate${group.killed ? ' (KILL: TERM was not enough)' : ''}`,
          });
        }
        if (group.survivors.length > 0) {
          logger.emit({
            kind: 'message',
            level: 'error',
            text: `${processes(group.survivors.length)} of the smoke tests survived KILL: ${group.survivors.map(named).join(', ')}`,
          });
        }
        return { leftovers, survivors: group.survivors };
      })();
      return ended;
    },
  };
}

const processes = (n: number) => `${n} process${n === 1 ? '' : 'es'}`;

/** `1234 sleep` */
export const named = (m: GroupMember): string => (m.command ? `${m.pid} ${m.command}` : String(m.pid));

/**
 * One line for the log and the report: `passed in 3s`, `failed: exit 3 after 2s`, `timed out after 10m`,
 * and what the gate ended that the tests left running.
 */
export function describeSmoke(result: SmokeResult): string {
  const left = result.leftovers ?? [];
  const ended =
    left.length > 0
      ? `; left ${processes(left.length)} running (${left.join(', ')}), ended with the gate`
      : '';
  return `${verdictOf(result)}${ended}`;
}

function verdictOf(result: SmokeResult): string {
  const took = `${Math.round(result.durationMs / 100) / 10}s`;
  if (result.error) return `could not start: ${result.error}`;
  if (result.passed) return `passed in ${took}`;
  if (result.timedOut) return `timed out after ${took}`;
  if (result.stopped) return `stopped after ${took} (the gate ended first)`;
  if (result.signal) return `killed by ${result.signal} after ${took}`;
  return `failed: exit ${result.exitCode ?? '?'} after ${took}`;
}

/** The environment's base URL: its health URL without the health path (`https://dev.example.org`). */
export function environmentUrl(health: { readonly url?: string; readonly path: string }): string | undefined {
  if (!health.url) return undefined;
  let url: URL;
  try {
    url = new URL(health.url);
  } catch {
    return undefined;
  }
  const path = url.pathname.endsWith(health.path) ? url.pathname.slice(0, -health.path.length) : '/';
  return `${url.origin}${path}`.replace(/\/+$/, '');
}

/** What the smoke tests are told, as variables: never spliced into the command line. */
export function smokeVariables(facts: {
  readonly environment: string;
  readonly url: string;
  readonly healthUrl?: string;
  readonly version: string;
  readonly revision: string;
  readonly deploymentId: string;
}): Record<string, string> {
  return {
    GREENLIGHT_URL: facts.url,
    ...(facts.healthUrl ? { GREENLIGHT_HEALTH_URL: facts.healthUrl } : {}),
    GREENLIGHT_ENV: facts.environment,
    GREENLIGHT_VERSION: facts.version,
    GREENLIGHT_REVISION: facts.revision,
    GREENLIGHT_DEPLOYMENT_ID: facts.deploymentId,
  };
}
