// tier: e2e
// The smoke tests runner with real processes: exit codes, output kept and streamed, the process group
// stopped on a timeout or when the gate ends — what the tests left running after they exited included —
// and values that reach the tests only as variables.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/clock.js';
import { startSmoke, describeSmoke, type SmokeRequest } from '../../src/gate/smoke.js';
import type { LogEvent } from '../../src/log/events.js';
import { until } from '../support/until.js';
import { isRunning } from '../support/process-alive.js';

describe('running the smoke tests', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'greenlight-smoke-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (command: string, changes: Partial<SmokeRequest> = {}) => {
    const events: LogEvent[] = [];
    const smoke = startSmoke(
      {
        command,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        cwd: dir,
        timeoutMs: 30_000,
        ...changes,
      },
      { clock: systemClock, logger: { emit: (e) => events.push(e) } },
    );
    return { smoke, events, lines: () => events.flatMap((e) => (e.kind === 'message' ? [e.text] : [])) };
  };

  it('passes on exit 0, with stdout and stderr kept and streamed line by line', async () => {
    const { smoke, lines } = run('echo one; echo two >&2; echo three');
    const r = await smoke.done;
    assert.equal(r.passed, true);
    assert.equal(r.exitCode, 0);
    assert.deepEqual(r.output.split('\n').filter(Boolean).sort(), ['one', 'three', 'two']);
    assert.deepEqual(lines().sort(), ['smoke │ one', 'smoke │ three', 'smoke │ two']);
    assert.match(describeSmoke(r), /^passed in /);
  });

  it('fails on a non-zero exit, with its code', async () => {
    const r = await run('echo "1 test failed"; exit 7').smoke.done;
    assert.equal(r.passed, false);
    assert.equal(r.exitCode, 7);
    assert.equal(r.output, '1 test failed\n');
    assert.match(describeSmoke(r), /^failed: exit 7 after/);
  });

  it('times out: the whole process group is stopped, children included', async () => {
    const pidFile = join(dir, 'child.pid');
    const r = await run(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 300 }).smoke.done;
    assert.equal(r.passed, false);
    assert.equal(r.timedOut, true);
    assert.match(r.output, /ran longer than 0s; stopping them/);
    const pid = Number(await readFile(pidFile, 'utf8'));
    await until(
      () => Promise.resolve(isRunning(pid)),
      (running) => !running,
      `the background sleep ${pid} to end`,
      '1m',
    );
  });

  it('stop() ends the tests when the gate ends first', async () => {
    const { smoke, lines } = run('echo started; exec sleep 30');
    await until(
      () => Promise.resolve(lines()),
      (l) => l.includes('smoke │ started'),
      'the tests to start',
      '1m',
    );
    smoke.stop();
    const r = await smoke.done;
    assert.equal(r.stopped, true);
    assert.equal(r.passed, false);
    assert.equal(r.signal, 'SIGTERM');
  });

  it('tests that exit 0 but leave a process behind passed; ending the gate ends the process, and says so', async () => {
    const pidFile = join(dir, 'leftover.pid');
    // The sleep keeps the tests' stdout open: the result must not wait for it.
    const { smoke, lines } = run(`sleep 600 & echo $! > ${pidFile}; echo started`);
    const r = await smoke.done;
    assert.equal(r.passed, true);
    assert.equal(r.exitCode, 0);
    const pid = Number(await readFile(pidFile, 'utf8'));
    assert.equal(isRunning(pid), true, 'the leftover runs until the gate ends');
    const ending = await smoke.end();
    assert.deepEqual(
      ending.leftovers.map((m) => [m.pid, m.command]),
      [[pid, 'sleep']],
    );
    assert.equal(isRunning(pid), false, 'ended before end() resolved');
    assert.ok(
      lines().some((l) =>
        l.includes(
          `the smoke tests exited but left 1 process running (${pid} sleep); ended it with the gate`,
        ),
      ),
      lines().join('\n'),
    );
    assert.equal(await smoke.end(), ending, 'end() is idempotent');
    assert.match(
      describeSmoke({ ...r, leftovers: [`${pid} sleep`] }),
      new RegExp(`^passed in .*; left 1 process running \\(${pid} sleep\\), ended with the gate$`),
    );
  });

  it('a leftover that ignores TERM gets KILL', async () => {
    const pidFile = join(dir, 'stubborn.pid');
    const { smoke, lines } = run(
      `sh -c 'trap "" TERM; echo $$ > ${pidFile}; while :; do sleep 1; done' >/dev/null 2>&1 & while [ ! -s ${pidFile} ]; do sleep 0.01; done`,
    );
    assert.equal((await smoke.done).passed, true);
    const pid = Number(await readFile(pidFile, 'utf8'));
    const ending = await smoke.end();
    assert.ok(ending.leftovers.some((m) => m.pid === pid));
    assert.deepEqual(ending.survivors, []);
    assert.equal(isRunning(pid), false);
    assert.ok(
      lines().some((l) => l.includes('(KILL: TERM was not enough)')),
      lines().join('\n'),
    );
  });

  it('end() while the tests still run stops them, children included, and counts nothing as left behind', async () => {
    const pidFile = join(dir, 'child-of-running.pid');
    const { smoke, lines } = run(`sleep 600 & echo $! > ${pidFile}; echo started; wait`);
    await until(
      () => Promise.resolve(lines()),
      (l) => l.includes('smoke │ started'),
      'the tests to start',
      '1m',
    );
    const pid = Number(await readFile(pidFile, 'utf8'));
    const ending = await smoke.end();
    const r = await smoke.done;
    assert.equal(r.stopped, true);
    assert.equal(r.passed, false);
    assert.deepEqual(ending.leftovers, []);
    assert.equal(isRunning(pid), false);
  });

  it('values reach the tests as variables, never as shell text', async () => {
    const mark = join(dir, 'executed');
    const hostile = `$(touch ${mark}); \`touch ${mark}\``;
    const r = await run('printf "%s\\n" "$GREENLIGHT_VERSION"', {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GREENLIGHT_VERSION: hostile },
    }).smoke.done;
    assert.equal(r.output, `${hostile}\n`);
    assert.equal(existsSync(mark), false, 'nothing the value spelled was executed');
  });

  it('keeps the last 64 KiB of a long output', async () => {
    const r = await run(
      'i=0; while [ $i -lt 3000 ]; do echo "line $i of a long test log ........................"; i=$((i+1)); done',
    ).smoke.done;
    assert.equal(r.passed, true);
    assert.equal(r.truncated, true);
    assert.ok(r.output.length <= 2 * 64 * 1024);
    assert.match(r.output, /line 2999 of a long test log/);
    assert.doesNotMatch(r.output, /^line 0 of/);
  });

  it('a command that cannot start is a failure that says why', async () => {
    const r = await run('true', { cwd: join(dir, 'no-such-directory') }).smoke.done;
    assert.equal(r.passed, false);
    assert.match(describeSmoke(r), /could not start: could not run \/bin\/sh -c …: spawn \/bin\/sh ENOENT/);
  });
});
