// tier: unit
// The gate's alarm judgement over the whole bake, with hand-built CloudWatch facts: a state now, the
// StateUpdate history since the bake began, and the --ignore-alarms escape. No clock, no cloud.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeOf } from '../../src/gate/alarm-history.js';
import {
  escapedAtStart,
  judgeAlarms,
  stateAtStart,
  type AlarmChange,
  type AlarmPolicy,
  type AlarmWatch,
  type AlarmWindow,
} from '../../src/gate/alarm-window.js';

const SINCE = Date.parse('2024-05-01T12:00:00.000Z');
const at = (seconds: number) => SINCE + seconds * 1000;
const FAIL: AlarmPolicy = { insufficientData: 'fail', ignoreMissing: false };
const PASS: AlarmPolicy = { insufficientData: 'pass', ignoreMissing: false };

/** An alarm that has been OK since before the bake. */
const quiet = (name: string): AlarmWatch => ({
  name,
  state: 'OK',
  reason: 'Threshold Crossed: no datapoint above 1',
  updatedAt: at(-3600),
  transitionedAt: at(-3600),
  changes: [],
});

/** An alarm whose history since the bake began is `changes` (its state now: the last one's). */
function changed(name: string, changes: AlarmChange[]): AlarmWatch {
  const last = changes[changes.length - 1];
  assert.ok(last);
  return {
    name,
    state: last.to,
    ...(last.reason ? { reason: last.reason } : {}),
    updatedAt: last.at,
    transitionedAt: last.at,
    changes,
  };
}

const change = (seconds: number, from: string, to: string, reason = `${to} reason`): AlarmChange => ({
  at: at(seconds),
  from,
  fromReason: `${from} reason`,
  to,
  reason,
});

const window = (...alarms: AlarmWatch[]): AlarmWindow => ({ since: SINCE, until: at(60), alarms });

describe('the gate judges its alarms over the whole bake', () => {
  it('alarms OK the whole time pass, and the rule says what it watched', () => {
    const j = judgeAlarms(window(quiet('web-5xx'), quiet('web-latency')), new Set(), FAIL);
    assert.deepEqual(j.problems, []);
    assert.equal(j.rule.verdict, 'pass');
    assert.equal(
      j.rule.summary,
      'no alarm in ALARM or INSUFFICIENT_DATA since the bake began (web-5xx, web-latency)',
    );
    assert.deepEqual(
      j.rule.evidence.map((e) => e.detail),
      ['alarm web-5xx is OK', 'alarm web-latency is OK'],
    );
  });

  it('an alarm in ALARM now fails, named with its reason', () => {
    const firing = { ...quiet('web-latency'), state: 'ALARM', reason: 'p99 > 2s' };
    const j = judgeAlarms(window(quiet('web-5xx'), firing), new Set(), FAIL);
    assert.deepEqual(j.problems, [
      { kind: 'alarm', subject: 'web-latency', detail: 'alarm web-latency is ALARM: p99 > 2s' },
    ]);
    assert.equal(j.rule.verdict, 'fail');
  });

  it('an alarm that went to ALARM and back to OK between two looks, then INSUFFICIENT_DATA, fails: when, and why', () => {
    const flapped = changed('web-5xx', [
      change(12.5, 'OK', 'ALARM', 'Threshold Crossed: 1 datapoint [7.0] >= 1.0'),
      change(12.9, 'ALARM', 'OK'),
      change(13.2, 'OK', 'INSUFFICIENT_DATA'),
    ]);
    for (const policy of [FAIL, PASS]) {
      const j = judgeAlarms(window(flapped, quiet('web-latency')), new Set(), policy);
      assert.deepEqual(j.problems, [
        {
          kind: 'alarm',
          subject: 'web-5xx',
          detail:
            'alarm web-5xx went to ALARM at 2024-05-01T12:00:12.500Z, 13s into the bake: Threshold Crossed: 1 datapoint [7.0] >= 1.0; it is INSUFFICIENT_DATA now',
        },
      ]);
    }
  });

  it('an alarm that went to ALARM during the bake and is still there says since when', () => {
    const firing = changed('web-5xx', [change(7, 'OK', 'ALARM', 'Threshold Crossed: 5xx above 1%')]);
    assert.deepEqual(
      judgeAlarms(window(firing), new Set(), FAIL).problems.map((p) => p.detail),
      [
        'alarm web-5xx is ALARM: Threshold Crossed: 5xx above 1% (since 2024-05-01T12:00:07.000Z, 7.0s into the bake)',
      ],
    );
  });

  it('counts every time an alarm went to ALARM', () => {
    const flapping = changed('web-5xx', [
      change(1, 'OK', 'ALARM'),
      change(2, 'ALARM', 'OK'),
      change(3, 'OK', 'ALARM'),
      change(4, 'ALARM', 'OK'),
    ]);
    const [problem] = judgeAlarms(window(flapping), new Set(), FAIL).problems;
    assert.match(
      problem?.detail ?? '',
      /went to ALARM at .*\(2 times since the bake began\).*; it is OK now/,
    );
  });

  it('an alarm already in ALARM as the bake began fails, though it is OK now', () => {
    const recovered = changed('web-5xx', [change(5, 'ALARM', 'OK')]);
    const [problem] = judgeAlarms(window(recovered), new Set(), FAIL).problems;
    assert.equal(problem?.detail, 'alarm web-5xx was ALARM as the bake began: ALARM reason; it is OK now');
  });

  it('INSUFFICIENT_DATA the whole bake fails by default, and says how to let it through', () => {
    const silent = { ...quiet('web-5xx'), state: 'INSUFFICIENT_DATA', reason: 'no datapoints' };
    const failed = judgeAlarms(window(silent), new Set(), FAIL);
    assert.deepEqual(
      failed.problems.map((p) => p.detail),
      [
        'alarm web-5xx is INSUFFICIENT_DATA: no datapoints — without data CloudWatch cannot say the bake was good (gate.insufficientData: pass lets it through)',
      ],
    );
    const passed = judgeAlarms(window(silent), new Set(), PASS);
    assert.deepEqual(passed.problems, []);
    assert.equal(passed.rule.summary, 'no alarm in ALARM since the bake began (web-5xx)');
  });

  it('a moment of INSUFFICIENT_DATA during the bake fails by default; `pass` lets it through and says so', () => {
    const gap = changed('web-5xx', [
      change(10, 'OK', 'INSUFFICIENT_DATA', 'no datapoints'),
      change(70, 'INSUFFICIENT_DATA', 'OK'),
    ]);
    const failed = judgeAlarms(window(gap), new Set(), FAIL);
    assert.match(
      failed.problems[0]?.detail ?? '',
      /^alarm web-5xx went to INSUFFICIENT_DATA at 2024-05-01T12:00:10.000Z, 10s into the bake: no datapoints; it is OK now — without data/,
    );
    const passed = judgeAlarms(window(gap), new Set(), PASS);
    assert.deepEqual(passed.problems, []);
    assert.deepEqual(
      passed.rule.evidence.map((e) => e.detail),
      ['alarm web-5xx is OK (INSUFFICIENT_DATA during the bake, let through by gate.insufficientData: pass)'],
    );
  });

  it('an alarm CloudWatch does not know fails (a gate.alarms typo must not pass), unless ignorePollAlarmFailure', () => {
    const typo: AlarmWatch = { name: 'web-typo', changes: [] };
    assert.deepEqual(judgeAlarms(window(quiet('web-5xx'), typo), new Set(), FAIL).problems, [
      { kind: 'alarm', subject: 'web-typo', detail: 'alarm web-typo does not exist in CloudWatch' },
    ]);
    const ignored = judgeAlarms(window(typo), new Set(), { ...FAIL, ignoreMissing: true });
    assert.deepEqual(ignored.problems, []);
    assert.match(ignored.rule.evidence[0]?.detail ?? '', /ignorePollAlarmFailure/);
  });

  it('a change the history does not show yet is not taken for a quiet bake', () => {
    // StateTransitionedTimestamp says the state changed 20s into the bake; the history has nothing.
    const lagging: AlarmWatch = { ...quiet('web-5xx'), updatedAt: at(20), transitionedAt: at(20) };
    const [problem] = judgeAlarms(window(lagging), new Set(), FAIL).problems;
    assert.match(
      problem?.detail ?? '',
      /^alarm web-5xx became OK at 2024-05-01T12:00:20.000Z, 20s into the bake, and CloudWatch's alarm history does not say from what/,
    );
    assert.equal(stateAtStart(lagging, SINCE), undefined, 'what it was as the bake began is unknown');
  });

  it('a reason that changed without a change of state is no gap', () => {
    const reworded: AlarmWatch = { ...quiet('web-5xx'), updatedAt: at(20) };
    assert.deepEqual(judgeAlarms(window(reworded), new Set(), FAIL).problems, []);
  });

  it('a history longer than the gate reads is not passing', () => {
    // What was read shows only a stretch without data, which `pass` lets through; the rest is unread.
    const endless = { ...changed('web-5xx', [change(1, 'INSUFFICIENT_DATA', 'OK')]), truncated: true };
    assert.match(
      judgeAlarms(window(endless), new Set(), PASS).problems[0]?.detail ?? '',
      /changed state more often since the bake began than the gate reads/,
    );
  });

  it('no alarm to watch is a skipped rule, not a pass', () => {
    const j = judgeAlarms(window(), new Set(), FAIL);
    assert.equal(j.rule.verdict, 'skip');
    assert.deepEqual(j.problems, []);
  });
});

describe('--ignore-alarms over the bake', () => {
  it('excuses only a named alarm that was not OK as the bake began', () => {
    const firing = { ...quiet('web-latency'), state: 'ALARM' };
    const wentOff = changed('web-5xx', [change(3, 'OK', 'ALARM')]);
    const silent = { ...quiet('web-other'), state: 'INSUFFICIENT_DATA' };
    const w = window(firing, wentOff, silent, quiet('web-ok'));
    assert.deepEqual(
      [...escapedAtStart(w, ['web-latency', 'web-5xx', 'web-other', 'web-ok', 'web-unknown'])].sort(),
      ['web-latency', 'web-other'],
      'web-5xx went off after the bake began: not an alarm that was already firing',
    );
  });

  it('reads the state as the bake began from the history: an alarm firing then, OK now, was excusable', () => {
    const recovered = changed('web-latency', [change(5, 'ALARM', 'OK')]);
    assert.equal(stateAtStart(recovered, SINCE), 'ALARM');
    assert.deepEqual([...escapedAtStart(window(recovered), ['web-latency'])], ['web-latency']);
  });

  it('lets the excused alarm through while it stays not OK', () => {
    const firing = { ...quiet('web-latency'), state: 'ALARM', reason: 'p99 > 2s' };
    const escaped = escapedAtStart(window(firing), ['web-latency']);
    const j = judgeAlarms(window(firing, quiet('web-5xx')), escaped, FAIL);
    assert.deepEqual(j.problems, []);
    assert.deepEqual(j.excused, ['web-latency']);
    assert.deepEqual([...j.escaped], ['web-latency']);
    assert.equal(j.rule.summary, 'no alarm in ALARM or INSUFFICIENT_DATA since the bake began (web-5xx)');
  });

  it('watches it like any other from its first moment in OK: firing again, even between looks, fails', () => {
    const escaped = new Set(['web-latency']);
    const recovered = changed('web-latency', [change(5, 'ALARM', 'OK')]);
    const ok = judgeAlarms(window(recovered), escaped, FAIL);
    assert.deepEqual(ok.problems, []);
    assert.deepEqual([...ok.escaped], [], 'OK again: no longer excused');
    const again = changed('web-latency', [
      change(5, 'ALARM', 'OK'),
      change(9, 'OK', 'ALARM', 'p99 > 3s'),
      change(9.5, 'ALARM', 'OK'),
    ]);
    assert.deepEqual(
      judgeAlarms(window(again), escaped, FAIL).problems.map((p) => p.detail),
      [
        'alarm web-latency went to ALARM at 2024-05-01T12:00:09.000Z, 9.0s into the bake: p99 > 3s; it is OK now',
      ],
    );
  });

  it('does not excuse another alarm going off', () => {
    const firing = { ...quiet('web-latency'), state: 'ALARM' };
    const other = changed('web-5xx', [change(2, 'OK', 'ALARM')]);
    const j = judgeAlarms(window(firing, other), new Set(['web-latency']), FAIL);
    assert.deepEqual(
      j.problems.map((p) => p.subject),
      ['web-5xx'],
    );
  });
});

describe("reading a StateUpdate item's HistoryData", () => {
  it('takes the old and new state and their reasons from AWS’s JSON', () => {
    const data = JSON.stringify({
      version: '1.0',
      oldState: { stateValue: 'OK', stateReason: 'Threshold Crossed: 0 datapoints' },
      newState: {
        stateValue: 'ALARM',
        stateReason: 'Threshold Crossed: 1 datapoint [7.0] >= 1.0',
        stateReasonData: { version: '1.0', threshold: 1 },
      },
    });
    assert.deepEqual(changeOf(new Date(at(3)), data), {
      at: at(3),
      from: 'OK',
      fromReason: 'Threshold Crossed: 0 datapoints',
      to: 'ALARM',
      reason: 'Threshold Crossed: 1 datapoint [7.0] >= 1.0',
    });
  });

  it('leaves out what it cannot read', () => {
    assert.equal(changeOf(new Date(at(3)), 'not json'), undefined);
    assert.equal(changeOf(new Date(at(3)), 'null'), undefined);
    assert.equal(changeOf(new Date(at(3)), '{"version":"1.0"}'), undefined);
    assert.equal(changeOf(undefined, '{}'), undefined);
  });
});
