// tier: e2e
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  runJob,
  type Clock,
  type RunStep,
  type ServiceStep,
  type Step,
  type StepOutput,
  type StepResult,
} from '../../../src/rehearse/circleci/index.js';
import { isRunning } from '../../support/process-alive.js';

// The step runner with real bash. Time never passes on the clocks here unless a test says so, so
// no step can time out by being slow: `frozen` never wakes a sleeper, and the timeout test moves its
// manual clock past the step's no_output_timeout only once the step said it is about to block.

const frozen: Clock = {
  now: () => 0,
  sleep: (_ms, signal) =>
    new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    }),
};

/** A clock that moves only when the test advances it. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const sleepers = new Set<{ at: number; wake: () => void }>();
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        const sleeper = { at: now + ms, wake: () => resolve() };
        sleepers.add(sleeper);
        signal?.addEventListener(
          'abort',
          () => {
            sleepers.delete(sleeper);
            reject(signal.reason as Error);
          },
          { once: true },
        );
      }),
    advance: (ms) => {
      now += ms;
      for (const sleeper of sleepers) {
        if (sleeper.at <= now) {
          sleepers.delete(sleeper);
          sleeper.wake();
        }
      }
    },
  };
}

function run(command: string, extra: Partial<RunStep> = {}): RunStep {
  return {
    type: 'run',
    name: extra.name ?? command,
    when: 'on_success',
    origin: 'test',
    command,
    shell: undefined,
    environment: {},
    workingDirectory: undefined,
    background: false,
    noOutputTimeoutMs: 10 * 60_000,
    ...extra,
  };
}

interface Recorded {
  readonly output: StepOutput;
  readonly text: (index: number) => string;
  readonly events: string[];
}

function recorder(): Recorded {
  const chunks = new Map<number, string>();
  const events: string[] = [];
  return {
    events,
    text: (index) => chunks.get(index) ?? '',
    output: {
      started: (_step, index) => events.push(`start ${index}`),
      output: (_step, index, text) => chunks.set(index, (chunks.get(index) ?? '') + text),
      finished: (_step, index, result: StepResult) => events.push(`end ${index} ${result.status}`),
    },
  };
}

describe('runJob with real bash', () => {
  let dir: string;
  const env = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home') });
  const noService = () => Promise.reject(new Error('no service step expected'));
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'circleci-runner-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('carries BASH_ENV from step to step and layers base, job and step environment', async () => {
    const recorded = recorder();
    const result = await runJob({
      steps: [
        run(`echo 'export FROM_BASH_ENV="set by step 0"' >> "$BASH_ENV"`),
        run('echo "bash_env=$FROM_BASH_ENV A=$A B=$B C=$C"', { environment: { C: 'step' } }),
        run('pwd', { workingDirectory: 'sub/dir' }),
      ],
      workingDirectory: join(dir, 'project'),
      env: { ...env(), A: 'base', B: 'base', C: 'base' },
      jobEnvironment: { B: 'job', C: 'job' },
      clock: frozen,
      output: recorded.output,
      handleStep: noService,
    });
    assert.equal(result.status, 'success');
    assert.equal(recorded.text(1), 'bash_env=set by step 0 A=base B=job C=step\n');
    assert.equal(recorded.text(2), `${join(dir, 'project', 'sub', 'dir')}\n`);
    assert.deepEqual(
      result.steps.map((step) => [step.status, step.exitCode]),
      [
        ['success', 0],
        ['success', 0],
        ['success', 0],
      ],
    );
  });

  it('runs a multi-line command as a script under -eo pipefail: a failed pipeline fails the step', async () => {
    const recorded = recorder();
    const result = await runJob({
      steps: [
        run('cat <<EOF\nheredoc line\nEOF\nfalse | true\necho not reached\n', { name: 'pipeline' }),
        run('echo skipped'),
        run('echo "on fail ran"', { when: 'on_fail' }),
        run('echo always ran', { when: 'always' }),
        {
          type: 'store_artifacts',
          name: 'Uploading artifacts',
          when: 'always',
          origin: 't',
          path: 'r',
          destination: undefined,
        },
        { type: 'checkout', name: 'Checkout code', when: 'on_success', origin: 't', path: undefined },
      ],
      workingDirectory: join(dir, 'project'),
      env: env(),
      clock: frozen,
      output: recorded.output,
      handleStep: (step: ServiceStep, context) => {
        context.print(`handled ${step.type}\n`);
        return Promise.resolve();
      },
    });
    assert.equal(result.status, 'failed');
    assert.deepEqual(
      result.steps.map((step) => `${step.name}: ${step.status} ${step.exitCode}`),
      [
        'pipeline: failed 1',
        'echo skipped: skipped null',
        'echo "on fail ran": success 0',
        'echo always ran: success 0',
        'Uploading artifacts: success 0',
        'Checkout code: skipped null',
      ],
    );
    assert.equal(recorded.text(0), 'heredoc line\n\nExited with code exit status 1\n');
    assert.equal(result.steps[0]?.message, 'Exited with code exit status 1');
    assert.equal(recorded.text(2), 'on fail ran\n');
    assert.equal(recorded.text(4), 'handled store_artifacts\n');
    assert.deepEqual(recorded.events, [
      'start 0',
      'end 0 failed',
      'end 1 skipped',
      'start 2',
      'end 2 success',
      'start 3',
      'end 3 success',
      'start 4',
      'end 4 success',
      'end 5 skipped',
    ]);
  });

  it('skips on_fail steps in a job that succeeds, and fails a step whose handler throws', async () => {
    const result = await runJob({
      steps: [
        run('echo fine'),
        run('echo rollback', { when: 'on_fail' }),
        { type: 'save_cache', name: 'Saving cache', when: 'on_success', origin: 't', key: 'k', paths: [] },
        run('echo rollback', { when: 'on_fail' }),
      ],
      workingDirectory: join(dir, 'project'),
      env: env(),
      clock: frozen,
      output: recorder().output,
      handleStep: () => Promise.reject(new Error('cache store unreachable')),
    });
    assert.equal(result.status, 'failed');
    assert.deepEqual(
      result.steps.map((step) => step.status),
      ['success', 'skipped', 'failed', 'success'],
    );
    assert.equal(result.steps[2]?.message, 'cache store unreachable');
  });

  it('kills a silent step and its process group after no_output_timeout, as CircleCI reports it', async () => {
    const recorded = recorder();
    const pidFile = join(dir, 'sleeper.pid');
    const clock = manualClock();
    const result = await runJob({
      steps: [
        run(`sleep 3600 &\necho $! > "${pidFile}"\necho blocking\nwait`, {
          name: 'silent',
          noOutputTimeoutMs: 5 * 60_000,
        }),
        run('echo rollback', { when: 'on_fail' }),
      ],
      workingDirectory: join(dir, 'project'),
      env: env(),
      clock,
      output: {
        ...recorded.output,
        output: (step, index, text, stream) => {
          recorded.output.output(step, index, text, stream);
          // Five minutes of silence after the step's last words.
          if (text.includes('blocking')) setImmediate(() => clock.advance(5 * 60_000));
        },
      },
      handleStep: noService,
    });
    assert.equal(result.status, 'failed');
    const silent = result.steps[0];
    assert.equal(silent?.status, 'timed_out');
    assert.equal(silent?.exitCode, null);
    assert.equal(silent?.message, 'Too long with no output (exceeded 5m0s): context deadline exceeded');
    assert.ok((silent?.durationMs ?? 0) >= 5 * 60_000, 'measured on the injected clock');
    assert.match(recorded.text(0), /Too long with no output \(exceeded 5m0s\): context deadline exceeded\n$/);
    assert.equal(result.steps[1]?.status, 'success');
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    assert.equal(isRunning(sleeper), false, 'the step’s child was killed with it');
  });

  it('runs background steps beside the next ones and stops them when the job ends', async () => {
    const recorded = recorder();
    const marker = join(dir, 'bg-started');
    const failedPid = join(dir, 'bg-failed.pid');
    const steps: Step[] = [
      run(`echo "$$" > "${failedPid}"\nexit 5`, { name: 'bg fails', background: true }),
      run(`touch "${marker}"\nexec sleep 3600`, { name: 'bg server', background: true }),
      run(
        `until [ -e "${marker}" ]; do sleep 0.02; done\nwhile [ ! -s "${failedPid}" ] || kill -0 "$(cat "${failedPid}")" 2>/dev/null; do sleep 0.02; done\necho foreground done`,
        { name: 'foreground' },
      ),
    ];
    const result = await runJob({
      steps,
      workingDirectory: join(dir, 'project'),
      env: env(),
      clock: frozen,
      output: recorded.output,
      handleStep: noService,
    });
    assert.equal(result.status, 'success', 'a background step’s exit does not fail the job');
    assert.deepEqual(
      result.steps.map((step) => `${step.name}: ${step.status} ${step.exitCode} ${step.background}`),
      ['bg fails: failed 5 true', 'bg server: success null true', 'foreground: success 0 false'],
    );
    assert.equal(result.steps[1]?.message, 'still running when the job ended: stopped');
    assert.equal(recorded.text(2), 'foreground done\n');
    assert.ok(existsSync(marker));
  });

  it('cancels the job when its signal aborts: the running step is killed, nothing after it runs', async () => {
    const abort = new AbortController();
    const recorded = recorder();
    const result = await runJob({
      steps: [run('echo go\nsleep 3600'), run('echo after', { when: 'always' })],
      workingDirectory: join(dir, 'project'),
      env: env(),
      clock: frozen,
      output: {
        ...recorded.output,
        output: (step, index, text, stream) => {
          recorded.output.output(step, index, text, stream);
          if (text.includes('go')) abort.abort(new Error('rehearsal interrupted'));
        },
      },
      handleStep: noService,
      signal: abort.signal,
    });
    assert.equal(result.status, 'canceled');
    assert.deepEqual(
      result.steps.map((step) => `${step.status} ${step.message ?? ''}`),
      ['failed canceled', 'skipped '],
    );
  });

  it('runs a step under its own shell; a step that cannot start fails and the job goes on', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const recorded = recorder();
    const result = await runJob({
      steps: [
        run('echo "$0" | grep -c step-', { shell: '/bin/sh -e' }),
        run('echo unreachable', { workingDirectory: join(dir, 'a-file', 'sub') }),
        run('echo cleanup', { when: 'on_fail' }),
      ],
      workingDirectory: join(dir, 'project'),
      env: env(),
      clock: frozen,
      output: recorded.output,
      handleStep: noService,
    });
    assert.equal(result.status, 'failed');
    assert.equal(recorded.text(0), '1\n');
    assert.deepEqual(
      result.steps.map((step) => step.status),
      ['success', 'failed', 'success'],
    );
    assert.match(result.steps[1]?.message ?? '', /^cannot start the step in .*a-file\/sub: ENOTDIR/);
  });
});
