// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent } from '../../src/log/events.js';
import { formatEvent } from '../../src/log/format.js';
import { Output, type Timers } from '../../src/log/output.js';

class ManualTimers implements Timers {
  time = Date.parse('2026-11-22T10:00:00Z');
  private fns: (() => void)[] = [];
  now = () => this.time;
  setInterval(fn: () => void) {
    this.fns.push(fn);
    return {};
  }
  clearInterval() {
    this.fns = [];
  }
  advance(ms: number, step = 1000) {
    for (let t = 0; t < ms; t += step) {
      this.time += step;
      for (const fn of this.fns) fn();
    }
  }
}

function sink() {
  const chunks: string[] = [];
  return { chunks, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

const failure: LogEvent = {
  kind: 'instance-failed',
  deploymentId: 'd-ABCDEFGHI',
  instanceId: 'i-0123456789abcdef0',
  lifecycleEvent: 'AfterInstall',
  scriptName: 'hooks/after-install.sh',
  errorCode: 'ScriptFailed',
  message: 'Script at specified location: hooks/after-install.sh failed with exit code 3',
  logTail: '[stdout]configuring\n[stderr]missing /etc/web/env\n',
};

describe('Output', () => {
  it('plain mode prints one timestamped line per change and skips repeated deployment states', () => {
    const timers = new ManualTimers();
    const err = sink();
    const out = new Output({ stderr: err, stdout: sink(), human: 'plain', json: 'off', timers });
    const status: LogEvent = { kind: 'deployment', deploymentId: 'd-ABCDEFGHI', status: 'InProgress' };
    out.emit(status);
    out.emit(status);
    out.emit({ ...status, status: 'Succeeded' });
    out.close();
    const lines = err.text().trimEnd().split('\n');
    assert.deepEqual(lines, ['[10:00:00] d-ABCDEFGHI InProgress', '[10:00:00] d-ABCDEFGHI Succeeded']);
  });

  it('plain mode prints a heartbeat when nothing was printed for heartbeatMs, naming what it waits for', () => {
    const timers = new ManualTimers();
    const err = sink();
    const out = new Output({
      stderr: err,
      stdout: sink(),
      human: 'plain',
      json: 'off',
      timers,
      heartbeatMs: 50_000,
    });
    out.emit({ kind: 'deployment', deploymentId: 'd-ABCDEFGHI', status: 'InProgress' });
    timers.advance(49_000);
    assert.equal(err.chunks.length, 1, 'no heartbeat before 50 s of silence');
    timers.advance(2_000);
    assert.match(err.text(), /still waiting for d-ABCDEFGHI \(InProgress\) \(50s\)/);
    timers.advance(120_000);
    const beats = err.text().match(/still waiting/g) ?? [];
    assert.ok(beats.length >= 3, `a heartbeat at least every minute, got ${beats.length}`);
    out.close();
  });

  it('tty mode redraws the deployment line in place and prints other events above it', () => {
    const timers = new ManualTimers();
    const err = sink();
    const out = new Output({ stderr: err, stdout: sink(), human: 'tty', json: 'off', timers });
    out.emit({ kind: 'deployment', deploymentId: 'd-ABCDEFGHI', status: 'InProgress' });
    out.emit({ kind: 'step', step: 'verify', status: 'started' });
    out.close();
    const text = err.text();
    assert.ok(text.includes('\r\x1b[2Kd-ABCDEFGHI InProgress'), 'status line drawn with carriage return');
    assert.ok(text.includes('\r\x1b[2K→ verify\n'), 'step printed after clearing the status line');
    assert.ok(text.endsWith('\r\x1b[2K'), 'status line cleared at the end');
  });

  it('json document mode writes one parseable document on stdout; human text stays on stderr', () => {
    const timers = new ManualTimers();
    const err = sink();
    const out = sink();
    const output = new Output({ stderr: err, stdout: out, human: 'plain', json: 'document', timers });
    output.emit(failure);
    output.close({ exitCode: 1, data: { verdict: 'failed' } });
    const doc = JSON.parse(out.text()) as {
      exitCode: number;
      result: unknown;
      events: { kind: string; time: string }[];
    };
    assert.equal(doc.exitCode, 1);
    assert.deepEqual(doc.result, { verdict: 'failed' });
    assert.equal(doc.events[0]?.kind, 'instance-failed');
    assert.equal(doc.events[0]?.time, '2026-11-22T10:00:00.000Z');
    assert.match(err.text(), /i-0123456789abcdef0 failed AfterInstall/);
  });

  it('json lines mode writes each event as it happens and the result last', () => {
    const out = sink();
    const output = new Output({
      stderr: sink(),
      stdout: out,
      human: 'plain',
      json: 'lines',
      timers: new ManualTimers(),
    });
    output.emit({ kind: 'step', step: 'create deployment', status: 'done', detail: 'd-ABCDEFGHI' });
    assert.equal(out.chunks.length, 1, 'written before close');
    output.close({ exitCode: 0, data: { deploymentId: 'd-ABCDEFGHI' } });
    const lines = out
      .text()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    assert.deepEqual(
      lines.map((l) => l.type),
      ['event', 'result'],
    );
  });

  it('debug messages appear only with verbose', () => {
    const quiet = sink();
    new Output({
      stderr: quiet,
      stdout: sink(),
      human: 'plain',
      json: 'off',
      timers: new ManualTimers(),
    }).emit({
      kind: 'message',
      level: 'debug',
      text: 'GetDeployment d-ABCDEFGHI',
    });
    assert.equal(quiet.text(), '');
    const loud = sink();
    new Output({
      stderr: loud,
      stdout: sink(),
      human: 'plain',
      json: 'off',
      verbose: true,
      timers: new ManualTimers(),
    }).emit({
      kind: 'message',
      level: 'debug',
      text: 'GetDeployment d-ABCDEFGHI',
    });
    assert.match(loud.text(), /GetDeployment d-ABCDEFGHI/);
  });
});

describe('formatEvent', () => {
  it('an instance failure names the instance, event, script, error code, message and log tail', () => {
    assert.equal(
      formatEvent(failure),
      [
        '✗ i-0123456789abcdef0 failed AfterInstall (hooks/after-install.sh): ScriptFailed',
        '  Script at specified location: hooks/after-install.sh failed with exit code 3',
        '  log tail:',
        '    [stdout]configuring',
        '    [stderr]missing /etc/web/env',
      ].join('\n'),
    );
  });

  it('a deployment line shows the non-zero counts and the busy events', () => {
    assert.equal(
      formatEvent({
        kind: 'deployment',
        deploymentId: 'd-ABCDEFGHI',
        status: 'InProgress',
        overview: { Pending: 2, InProgress: 1, Succeeded: 1, Failed: 0, Skipped: 0, Ready: 0 },
        activeEvents: { AfterInstall: ['i-1'], BeforeInstall: [] },
      }),
      'd-ABCDEFGHI InProgress · Succeeded 1, InProgress 1, Pending 2 · AfterInstall: 1',
    );
  });
});
