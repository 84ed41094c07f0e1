// tier: unit
// A composite alarm's AlarmRule: AWS's grammar (functions of alarms' states, AND, OR, NOT, parentheses,
// TRUE and FALSE; names quoted or not, or ARNs) parsed and evaluated on its own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alarmsOf,
  AlarmRuleError,
  evaluateRule,
  parseAlarmRule,
} from '../../src/cloudwatch/composite-rule.js';
import type { AlarmState } from '../../src/ports.js';

const states = (given: Record<string, AlarmState>) => (alarm: string) => given[alarm];

describe('AlarmRule', () => {
  it("evaluates AWS's examples", () => {
    const both = parseAlarmRule('ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)');
    assert.equal(
      evaluateRule(both, states({ CPUUtilizationTooHigh: 'ALARM', DiskReadOpsTooHigh: 'ALARM' })),
      true,
    );
    assert.equal(
      evaluateRule(both, states({ CPUUtilizationTooHigh: 'ALARM', DiskReadOpsTooHigh: 'OK' })),
      false,
    );
    const unless = parseAlarmRule('ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)');
    assert.equal(
      evaluateRule(unless, states({ CPUUtilizationTooHigh: 'ALARM', DeploymentInProgress: 'ALARM' })),
      false,
    );
    assert.equal(
      evaluateRule(unless, states({ CPUUtilizationTooHigh: 'ALARM', DeploymentInProgress: 'OK' })),
      true,
    );
    const grouped = parseAlarmRule(
      '(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)',
    );
    assert.equal(
      evaluateRule(
        grouped,
        states({ DiskReadOpsTooHigh: 'ALARM', NetworkOutTooHigh: 'OK', CPUUtilizationTooHigh: 'OK' }),
      ),
      true,
    );
    assert.equal(
      evaluateRule(grouped, states({ DiskReadOpsTooHigh: 'ALARM', NetworkOutTooHigh: 'ALARM' })),
      false,
    );
  });

  it('AND binds tighter than OR; NOT tighter than both; TRUE and FALSE; INSUFFICIENT_DATA and OK', () => {
    const rule = parseAlarmRule('ALARM(a) OR ALARM(b) AND FALSE');
    assert.equal(evaluateRule(rule, states({ a: 'ALARM', b: 'OK' })), true);
    assert.equal(evaluateRule(parseAlarmRule('NOT TRUE OR TRUE'), states({})), true);
    assert.equal(
      evaluateRule(parseAlarmRule('INSUFFICIENT_DATA(a)'), states({ a: 'INSUFFICIENT_DATA' })),
      true,
    );
    assert.equal(
      evaluateRule(parseAlarmRule('OK(gone)'), states({})),
      false,
      'an alarm that is gone is in no state',
    );
  });

  it('names quoted or not, with spaces or as ARNs; each named once in alarmsOf', () => {
    const rule = parseAlarmRule(
      'ALARM("web 5xx") OR ALARM(web latency) OR OK(arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-any) OR ALARM("web 5xx")',
    );
    assert.deepEqual(alarmsOf(rule), [
      'web 5xx',
      'web latency',
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-any',
    ]);
  });

  it('says what is wrong and where', () => {
    for (const [rule, message] of [
      ['', /the rule is empty/],
      ['ALARM(a) AND', /the rule ends where a function/],
      ['ALARM(a', /a missing \) after ALARM\( at position 0/],
      ['ALARM a', /ALARM takes an alarm in \( \) at position 0/],
      ['ALARM()', /ALARM\(\) names no single alarm/],
      ['(ALARM(a)', /a missing \) at the end/],
      ['ALARM(a) ALARM(b)', /unexpected text at position 9/],
      ['alarm(a)', /unexpected "alarm" at position 0/],
      ['ALARM("a', /an unclosed quote at position 6/],
    ] as const) {
      assert.throws(
        () => parseAlarmRule(rule),
        (e: unknown) => {
          assert.ok(e instanceof AlarmRuleError, rule);
          assert.match(e.message, message, rule);
          return true;
        },
      );
    }
  });
});
