// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MinimumHealthyHostsRule } from '../../src/codedeploy/health-rules.js';
import {
  constraintHeld,
  constraintsInvalid,
  fleetSucceeded,
  instancesThatMayStart,
  isBlocked,
  minimumHealthy,
  rerouteMinimum,
} from '../../src/codedeploy/health-rules.js';

interface Simulated {
  readonly outcome: 'Succeeded' | 'Failed';
  /** Sizes of the batches started, in order. */
  readonly batches: number[];
  readonly skipped: number;
}

/** Drives the rules the way the state machine does, each batch finishing before the next starts. */
function simulate(rule: MinimumHealthyHostsRule, results: readonly boolean[]): Simulated {
  const minimum = minimumHealthy(rule, results.length);
  const counts = { total: results.length, pending: results.length, inProgress: 0, succeeded: 0, failed: 0 };
  const batches: number[] = [];
  let next = 0;
  let skipped = 0;
  while (counts.pending > 0) {
    if (isBlocked(counts, minimum)) {
      skipped = counts.pending;
      counts.pending = 0;
      break;
    }
    const n = instancesThatMayStart(counts, minimum);
    batches.push(n);
    counts.pending -= n;
    for (let i = 0; i < n; i++) {
      if (results[next++]) counts.succeeded += 1;
      else counts.failed += 1;
    }
  }
  return { outcome: fleetSucceeded(counts, minimum) ? 'Succeeded' : 'Failed', batches, skipped };
}

const allOk = (n: number): boolean[] => Array.from({ length: n }, () => true);
const failingAt = (n: number, ...indexes: number[]): boolean[] =>
  allOk(n).map((_, i) => !indexes.includes(i));

describe('minimum healthy hosts (spec §4.3)', () => {
  it('AllAtOnce deploys to all nine at once and succeeds when one of nine succeeded', () => {
    const result = simulate({ kind: 'all-at-once' }, failingAt(9, 0, 1, 2, 3, 4, 5, 6, 7));
    assert.deepEqual(result, { outcome: 'Succeeded', batches: [9], skipped: 0 });
  });

  it('AllAtOnce fails only when every instance failed', () => {
    assert.equal(simulate({ kind: 'all-at-once' }, [false, false, false]).outcome, 'Failed');
  });

  it('OneAtATime succeeds when only the last instance fails', () => {
    const result = simulate({ kind: 'one-at-a-time' }, failingAt(4, 3));
    assert.deepEqual(result, { outcome: 'Succeeded', batches: [1, 1, 1, 1], skipped: 0 });
  });

  it('OneAtATime fails at the first failure before the last, skipping the rest', () => {
    const result = simulate({ kind: 'one-at-a-time' }, failingAt(4, 1));
    assert.deepEqual(result, { outcome: 'Failed', batches: [1, 1], skipped: 2 });
  });

  it('OneAtATime on a single instance needs that instance', () => {
    assert.equal(simulate({ kind: 'one-at-a-time' }, [false]).outcome, 'Failed');
    assert.equal(simulate({ kind: 'one-at-a-time' }, [true]).outcome, 'Succeeded');
  });

  it('HalfAtATime deploys to floor(N/2) at a time and needs ceil(N/2) successes', () => {
    assert.deepEqual(simulate({ kind: 'half-at-a-time' }, allOk(4)).batches, [2, 2]);
    assert.deepEqual(simulate({ kind: 'half-at-a-time' }, allOk(5)).batches, [2, 2, 1]);
    assert.equal(minimumHealthy({ kind: 'half-at-a-time' }, 5), 3);
    // Two of four fail in the first batch: only two are left, the minimum is two, so the rest is skipped.
    assert.deepEqual(simulate({ kind: 'half-at-a-time' }, failingAt(4, 0, 1)), {
      outcome: 'Failed',
      batches: [2],
      skipped: 2,
    });
  });

  it('HalfAtATime on one instance is invalid (nothing may be taken down)', () => {
    assert.equal(constraintsInvalid({ kind: 'half-at-a-time' }, 1), 'HEALTH_CONSTRAINTS_INVALID');
  });

  it('FLEET_PERCENT 95 of 10 rounds up to 10 and is HEALTH_CONSTRAINTS_INVALID', () => {
    assert.equal(minimumHealthy({ kind: 'fleet-percent', value: 95 }, 10), 10);
    assert.equal(constraintsInvalid({ kind: 'fleet-percent', value: 95 }, 10), 'HEALTH_CONSTRAINTS_INVALID');
  });

  it('HOST_COUNT 6 of 9 deploys in batches of 3 and needs six successes', () => {
    const rule: MinimumHealthyHostsRule = { kind: 'host-count', value: 6 };
    assert.deepEqual(simulate(rule, allOk(9)), { outcome: 'Succeeded', batches: [3, 3, 3], skipped: 0 });
    assert.equal(simulate(rule, failingAt(9, 8)).outcome, 'Succeeded');
    assert.equal(simulate(rule, failingAt(9, 6, 7, 8)).outcome, 'Succeeded');
    assert.equal(simulate(rule, failingAt(9, 5, 7, 8)).outcome, 'Succeeded');
    // Four failures leave five: the minimum of six cannot be met.
    assert.equal(simulate(rule, failingAt(9, 0, 1, 2, 3)).outcome, 'Failed');
  });

  it('FLEET_PERCENT 40 of 9 deploys in batches of 5 and needs four successes', () => {
    const rule: MinimumHealthyHostsRule = { kind: 'fleet-percent', value: 40 };
    assert.equal(minimumHealthy(rule, 9), 4);
    assert.deepEqual(simulate(rule, allOk(9)).batches, [5, 4]);
    assert.equal(simulate(rule, failingAt(9, 0, 1, 2, 3, 4)).outcome, 'Failed');
  });

  it('an empty fleet has NO_INSTANCES', () => {
    assert.equal(constraintsInvalid({ kind: 'all-at-once' }, 0), 'NO_INSTANCES');
  });

  it('a minimum of zero still needs one success', () => {
    assert.equal(fleetSucceeded({ total: 3, pending: 0, inProgress: 0, succeeded: 0, failed: 3 }, 0), false);
  });

  it('rerouting is never stricter than its fleet allows', () => {
    assert.equal(rerouteMinimum({ kind: 'host-count', value: 6 }, 6), 5);
    assert.equal(rerouteMinimum({ kind: 'one-at-a-time' }, 3), 2);
    assert.equal(rerouteMinimum({ kind: 'all-at-once' }, 9), 0);
  });
});

describe('the health constraint on a phase', () => {
  const counts = (succeeded: number, failed: number) => ({
    total: succeeded + failed,
    pending: 0,
    inProgress: 0,
    succeeded,
    failed,
  });
  it('a minimum: at least that many succeeded, and at least one', () => {
    assert.equal(constraintHeld(counts(2, 1), { minimum: 2 }), true);
    assert.equal(constraintHeld(counts(1, 2), { minimum: 2 }), false);
    assert.equal(constraintHeld(counts(0, 0), { minimum: 0 }), false);
  });
  it('every instance: none failed, even when none ran', () => {
    assert.equal(constraintHeld(counts(3, 0), 'every-instance'), true);
    assert.equal(constraintHeld(counts(0, 0), 'every-instance'), true);
    assert.equal(constraintHeld(counts(5, 1), 'every-instance'), false);
  });
});
