// tier: unit
// What greenlight prints on a terminal fits it: the redrawn status line never wraps (a wrapped line
// leaves a torn copy behind when it is redrawn), and the verify table and failed-event lines fit 80
// columns, with columns only when they have content.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent } from '../../src/log/events.js';
import { formatEvent } from '../../src/log/format.js';
import { Output, type Timers } from '../../src/log/output.js';
import { displayWidth } from '../../src/log/width.js';
import type { InstanceRow, Verdict } from '../../src/verify/verdict.js';
import { verdictTable } from '../../src/verify/report-table.js';

const timers: Timers = { now: () => 0, setInterval: () => ({}), clearInterval: () => undefined };

/** A terminal's stderr: its width can change, and it tells listeners when it does. */
function terminal(columns: number) {
  const chunks: string[] = [];
  const listeners = new Set<() => void>();
  return {
    chunks,
    columns,
    isTTY: true,
    write(s: string) {
      chunks.push(s);
      return true;
    },
    on(_event: 'resize', fn: () => void) {
      listeners.add(fn);
    },
    off(_event: 'resize', fn: () => void) {
      listeners.delete(fn);
    },
    resize(to: number) {
      this.columns = to;
      for (const fn of listeners) fn();
    },
    listeners,
  };
}

/** Each redraw of the status line: what follows `\r` + erase-line up to the next one or a newline. */
function statusDraws(text: string): string[] {
  return text
    .split('\r\x1b[2K')
    .map((part) => part.split('\n')[0] ?? '')
    .filter((part) => part !== '');
}

const busy: LogEvent = {
  kind: 'deployment',
  deploymentId: 'd-ABCDEFGHI',
  status: 'InProgress',
  overview: { Pending: 120, InProgress: 40, Succeeded: 830, Failed: 3, Skipped: 7, Ready: 0 },
  activeEvents: {
    BeforeInstall: ['i-1', 'i-2'],
    AfterInstall: ['i-3'],
    ApplicationStart: ['i-4'],
    ValidateService: ['i-5', 'i-6'],
  },
};

describe('the status line at 80 columns', () => {
  it('is cut to fit one row, keeping the elapsed time, so redrawing it leaves nothing behind', () => {
    const err = terminal(80);
    const out = new Output({ stderr: err, stdout: { write: () => true }, human: 'tty', json: 'off', timers });
    out.emit(busy);
    out.emit({ kind: 'step', step: 'verify', status: 'started' });
    out.close();
    const draws = statusDraws(err.chunks.join(''));
    assert.ok(draws.length >= 2, 'drawn, then redrawn after the step line');
    for (const draw of draws) {
      assert.ok(displayWidth(draw) < 80, `${displayWidth(draw)} columns: ${draw}`);
      assert.ok(!draw.includes('\n'));
    }
    const status = draws.find((d) => d.startsWith('d-ABCDEFGHI'));
    assert.match(status ?? '', /… \(0s\)$/, 'cut with an ellipsis, the elapsed time kept');
  });

  it('measures wide characters by their columns', () => {
    const err = terminal(40);
    const out = new Output({ stderr: err, stdout: { write: () => true }, human: 'tty', json: 'off', timers });
    out.emit({ kind: 'deployment', deploymentId: 'd-ABCDEFGHI', status: '配備中'.repeat(10) });
    out.close();
    for (const draw of statusDraws(err.chunks.join(''))) assert.ok(displayWidth(draw) < 40, draw);
  });

  it('is re-measured when the terminal is resized, and stops listening when done', () => {
    const err = terminal(120);
    const out = new Output({ stderr: err, stdout: { write: () => true }, human: 'tty', json: 'off', timers });
    out.emit(busy);
    const wide = statusDraws(err.chunks.join(''));
    assert.ok(
      wide.some((d) => displayWidth(d) > 80),
      'uses the width it has',
    );
    err.chunks.length = 0;
    err.resize(50);
    const narrow = statusDraws(err.chunks.join(''));
    assert.equal(narrow.length, 1, 'redrawn at once on resize');
    assert.ok(displayWidth(narrow[0] ?? '') < 50, narrow[0]);
    out.close();
    assert.equal(err.listeners.size, 0);
  });

  it('without a width from the terminal, assumes 80 columns', () => {
    const chunks: string[] = [];
    const out = new Output({
      stderr: { write: (s: string) => chunks.push(s) },
      stdout: { write: () => true },
      human: 'tty',
      json: 'off',
      timers,
    });
    out.emit(busy);
    out.close();
    for (const draw of statusDraws(chunks.join(''))) assert.ok(displayWidth(draw) < 80, draw);
  });
});

const SHA = '324b63b0e3f1c2d4a5b6c7d8e9f0a1b2c3d4e5f6';

function row(n: number, overrides: Partial<InstanceRow> = {}): InstanceRow {
  return {
    instanceId: `i-0${String(n).padStart(16, '0')}`,
    role: 'green',
    availabilityZone: n % 2 ? 'us-east-1a' : 'us-east-1b',
    targetStatus: 'Succeeded',
    health: 'healthy',
    version: SHA,
    verdict: 'pass',
    problems: [],
    ...overrides,
  };
}

function verdict(instances: InstanceRow[]): Verdict {
  return {
    verified: instances.every((i) => i.verdict === 'pass'),
    deploymentId: 'd-ABCDEFGHI',
    application: 'web',
    deploymentGroup: 'web-dev',
    revision: SHA,
    codedeployStatus: 'Succeeded',
    phase: 'complete' as Verdict['phase'],
    headline: 'CodeDeploy: Succeeded — greenlight: FAILED',
    fleetSize: instances.length,
    failedInstances: instances.filter((i) => i.verdict === 'fail').length,
    rules: [
      {
        rule: 'lifecycle-events',
        verdict: 'fail',
        summary:
          '1 of 4 instances did not succeed: i-00000000000000001: AfterInstall Failed (hooks/after-install.sh): ScriptFailed — exit 3',
        evidence: [],
      },
      {
        rule: 'scale-out-deployments',
        verdict: 'skip',
        summary: 'no automatic deployment followed this one',
        evidence: [],
      },
    ],
    instances,
    timeline: { lanes: [] },
    gatheredAt: '2026-11-22T10:00:00.000Z',
  };
}

describe('the verify table at 80 columns', () => {
  const failedRow = row(1, {
    verdict: 'fail',
    targetStatus: 'Failed',
    failedEvent: 'AfterInstall',
    scriptName: 'hooks/after-install-with-a-rather-long-name.sh',
    errorCode: 'ScriptFailed',
    logTail: `[stderr]${'x'.repeat(150)}\n[stdout]short`,
    problems: [
      {
        rule: 'lifecycle-events',
        detail:
          'i-00000000000000001: AfterInstall Failed (hooks/after-install-with-a-rather-long-name.sh): ScriptFailed — exit 3',
      },
    ],
  });

  it('every line fits, and the failed instance, event, script and error are all there', () => {
    const table = verdictTable(verdict([failedRow, row(2), row(3), row(4)]));
    for (const line of table.split('\n'))
      assert.ok(displayWidth(line) <= 80, `${displayWidth(line)}: ${line}`);
    assert.match(
      table,
      /✗ +i-00000000000000001 +green +us-east-1a +Failed +healthy +324b63b0e3f1\n +AfterInstall +hooks\/after-install-with-a-rather-long-name\.sh +ScriptFailed/,
    );
    assert.match(table, /x{20}/, 'the log tail is kept whole, broken into lines');
  });

  it('rows are one line each: a passing fleet has no empty failure columns', () => {
    const table = verdictTable(verdict([row(1), row(2), row(3)]));
    const lines = table.split('\n');
    const header = lines.find((l) => l.includes('instance')) ?? '';
    assert.doesNotMatch(header, /failed event|script|error/);
    assert.equal(lines.filter((l) => /^ +✓ +i-0/.test(l)).length, 3, 'one line per instance');
    for (const line of lines) assert.ok(displayWidth(line) <= 80, line);
  });

  it('a wider terminal gets the failure columns in the table itself', () => {
    const table = verdictTable(verdict([failedRow, row(2)]), { width: 200 });
    assert.match(table, /failed event +script +error/);
  });

  it('long values are shortened in the middle, keeping both ends', () => {
    const odd = row(5, {
      version: 's3://web-revisions/web/releases/2026/11/22/build-4711.zip',
      health: 'web-dev-tg: unhealthy, web-dev-canary-tg: draining',
    });
    const table = verdictTable(verdict([odd]));
    for (const line of table.split('\n')) assert.ok(displayWidth(line) <= 80, line);
    assert.match(table, /s3:\/\/.*….*\.zip/);
  });

  it('a failed event line wraps its message instead of running past the edge', () => {
    const text = formatEvent(
      {
        kind: 'instance-failed',
        deploymentId: 'd-ABCDEFGHI',
        instanceId: 'i-0123456789abcdef0',
        lifecycleEvent: 'ValidateService',
        scriptName: 'hooks/validate-service.sh',
        errorCode: 'ScriptTimedOut',
        message: `Script at specified location: hooks/validate-service.sh failed to complete in 300 seconds ${'and more '.repeat(8)}`,
        logTail: '',
      },
      80,
    );
    for (const line of text.split('\n')) assert.ok(displayWidth(line) <= 80, line);
    assert.match(
      text,
      /^✗ i-0123456789abcdef0 failed ValidateService \(hooks\/validate-service.sh\):\s+ScriptTimedOut/,
    );
  });
});
