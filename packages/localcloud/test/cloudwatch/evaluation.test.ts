// tier: unit
// CloudWatch's pure parts: one alarm evaluation (datapoints in, state and AWS's reason out, for every
// comparison and missing-data treatment), metric math, and the metric store's statistics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  evaluateAlarm,
  javaDouble,
  reasonTime,
  type AlarmRule,
  type PeriodValue,
  type TreatMissingData,
} from '../../src/cloudwatch/alarm-evaluator.js';
import {
  evaluateExpression,
  MetricMathError,
  parseExpression,
  type Series,
} from '../../src/cloudwatch/metric-math.js';
import { MetricStore, statisticOf, valueSample, valuesSample } from '../../src/cloudwatch/metric-store.js';
import { ruleOf } from '../../src/cloudwatch/model.js';

const T0 = Date.parse('2026-04-12T23:00:00Z');
const MINUTE = 60_000;
const QUERY = new Date(T0 + 10 * MINUTE);

function rule(overrides: Partial<AlarmRule> = {}): AlarmRule {
  return {
    comparison: 'GreaterThanThreshold',
    threshold: 1,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    treatMissingData: 'missing',
    periodSeconds: 60,
    statistic: 'Maximum',
    ...overrides,
  };
}

/** Periods from T0, a minute each; undefined is a missing datapoint. */
function periods(...values: (number | undefined)[]): PeriodValue[] {
  return values.map((value, i) => ({
    timestampMs: T0 + i * MINUTE,
    ...(value !== undefined ? { value } : {}),
  }));
}

const _ = undefined;

describe('alarm evaluation', () => {
  it('compares each datapoint with the threshold by the alarm’s operator', () => {
    const at = (comparison: AlarmRule['comparison'], value: number) =>
      evaluateAlarm(
        rule({ comparison, evaluationPeriods: 1, datapointsToAlarm: 1 }),
        periods(value),
        'OK',
        QUERY,
      )?.state;
    assert.equal(at('GreaterThanThreshold', 1), 'OK');
    assert.equal(at('GreaterThanThreshold', 1.5), 'ALARM');
    assert.equal(at('GreaterThanOrEqualToThreshold', 1), 'ALARM');
    assert.equal(at('GreaterThanOrEqualToThreshold', 0.5), 'OK');
    assert.equal(at('LessThanThreshold', 1), 'OK');
    assert.equal(at('LessThanThreshold', 0.5), 'ALARM');
    assert.equal(at('LessThanOrEqualToThreshold', 1), 'ALARM');
    assert.equal(at('LessThanOrEqualToThreshold', 2), 'OK');
  });

  it("words a single datapoint's crossing as AWS does", () => {
    const result = evaluateAlarm(
      rule({ evaluationPeriods: 1, datapointsToAlarm: 1 }),
      periods(2),
      'INSUFFICIENT_DATA',
      QUERY,
    );
    assert.equal(result?.state, 'ALARM');
    assert.equal(
      result?.reason,
      'Threshold Crossed: 1 datapoint [2.0 (12/04/26 23:00:00)] was greater than the threshold (1.0).',
    );
    const ok = evaluateAlarm(
      rule({ evaluationPeriods: 1, datapointsToAlarm: 1 }),
      periods(0.5),
      'ALARM',
      QUERY,
    );
    assert.equal(
      ok?.reason,
      'Threshold Crossed: 1 datapoint [0.5 (12/04/26 23:00:00)] was not greater than the threshold (1.0).',
    );
    const data = JSON.parse(result.reasonData) as Record<string, unknown>;
    assert.deepEqual(data, {
      version: '1.0',
      queryDate: '2026-04-12T23:10:00.000+0000',
      startDate: '2026-04-12T23:00:00.000+0000',
      statistic: 'Maximum',
      period: 60,
      recentDatapoints: [2],
      threshold: 1,
      evaluatedDatapoints: [{ timestamp: '2026-04-12T23:00:00.000+0000', value: 2 }],
    });
  });

  it('alarms on M of N datapoints, newest first in the reason', () => {
    const result = evaluateAlarm(rule(), periods(5, 0, 3), 'OK', QUERY);
    assert.equal(result?.state, 'ALARM');
    assert.equal(
      result?.reason,
      'Threshold Crossed: 2 out of the last 3 datapoints [3.0 (12/04/26 23:02:00), 5.0 (12/04/26 23:00:00)] were ' +
        'greater than the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    const back = evaluateAlarm(rule(), periods(5, 0, 0), 'ALARM', QUERY);
    assert.equal(back?.state, 'OK');
    assert.equal(
      back?.reason,
      'Threshold Crossed: 2 out of the last 3 datapoints [0.0 (12/04/26 23:02:00), 0.0 (12/04/26 23:01:00)] were ' +
        'not greater than the threshold (1.0) (minimum 2 datapoints for ALARM -> OK transition).',
    );
  });

  it('treats a window with no datapoint at all as TreatMissingData says', () => {
    const all = (treat: TreatMissingData, current: 'OK' | 'ALARM' = 'OK') =>
      evaluateAlarm(rule({ treatMissingData: treat, evaluationPeriods: 2 }), periods(_, _), current, QUERY);
    assert.deepEqual(
      [all('missing')?.state, all('missing')?.reason],
      ['INSUFFICIENT_DATA', 'Insufficient Data: 2 datapoints were unknown.'],
    );
    assert.equal(all('ignore'), undefined, 'ignore keeps the state');
    assert.deepEqual(
      [all('breaching')?.state, all('breaching')?.reason],
      [
        'ALARM',
        'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].',
      ],
    );
    assert.deepEqual(
      [all('notBreaching', 'ALARM')?.state, all('notBreaching', 'ALARM')?.reason],
      [
        'OK',
        'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [NonBreaching].',
      ],
    );
    const one = evaluateAlarm(rule({ evaluationPeriods: 1, datapointsToAlarm: 1 }), periods(_), 'OK', QUERY);
    assert.equal(one?.reason, 'Insufficient Data: 1 datapoint was unknown.');
  });

  it('fills some missing datapoints as TreatMissingData says (2 of 3 to alarm)', () => {
    const state = (treat: TreatMissingData, values: (number | undefined)[], current: 'OK' | 'ALARM' = 'OK') =>
      evaluateAlarm(rule({ treatMissingData: treat }), periods(...values), current, QUERY)?.state ?? 'kept';
    // breaching: a missing datapoint counts against the threshold.
    assert.equal(state('breaching', [0, _, 5]), 'ALARM');
    assert.equal(state('breaching', [0, _, 0]), 'OK');
    // notBreaching: it counts as good.
    assert.equal(state('notBreaching', [0, _, 5]), 'OK');
    assert.equal(state('notBreaching', [5, _, 5]), 'ALARM');
    // missing: only real datapoints count; fewer than M are enough when they all breach.
    assert.equal(state('missing', [5, _, 5]), 'ALARM');
    assert.equal(state('missing', [_, _, 5]), 'ALARM');
    assert.equal(state('missing', [_, 0, 5]), 'OK');
    assert.equal(state('missing', [0, _, _]), 'OK');
    // ignore: fewer than M real datapoints decide OK only when none breaches.
    assert.equal(state('ignore', [_, _, 5]), 'kept');
    assert.equal(state('ignore', [_, _, 0], 'ALARM'), 'OK');
    assert.equal(state('ignore', [5, _, 5]), 'ALARM');
    assert.equal(state('ignore', [0, _, 5], 'ALARM'), 'OK');
  });

  it('prints numbers and times as CloudWatch’s reasons do', () => {
    assert.equal(javaDouble(2), '2.0');
    assert.equal(javaDouble(0), '0.0');
    assert.equal(javaDouble(0.25), '0.25');
    assert.equal(javaDouble(-3), '-3.0');
    assert.equal(javaDouble(12_345_678), '1.2345678E7');
    assert.equal(javaDouble(0.00005), '5.0E-5');
    assert.equal(reasonTime(Date.parse('2026-01-02T03:04:05Z')), '02/01/26 03:04:05');
  });

  it('reads the rule of an alarm definition; alarms without a metric or with a band are not evaluated', () => {
    assert.deepEqual(
      ruleOf({
        MetricName: 'UnHealthyHostCount',
        Namespace: 'AWS/ApplicationELB',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 2,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      }),
      {
        comparison: 'GreaterThanThreshold',
        threshold: 0,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: 'notBreaching',
        periodSeconds: 60,
        statistic: 'Maximum',
      },
    );
    assert.equal(
      ruleOf({ EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold', Threshold: 1 }),
      undefined,
    );
    assert.equal(
      ruleOf({
        Metrics: [{ Id: 'm', MetricStat: { Period: 60 } }],
        EvaluationPeriods: 1,
        ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
        ThresholdMetricId: 'band',
      }),
      undefined,
    );
    assert.equal(
      ruleOf({
        Metrics: [{ Id: 'm', MetricStat: { Period: 300 } }],
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
      })?.periodSeconds,
      300,
    );
  });
});

function series(entries: [number, number][]): Series {
  return { values: new Map(entries) };
}

describe('metric math', () => {
  const grid = [0, 60, 120, 180];
  const run = (expression: string, ids: Record<string, Series | number> = {}) =>
    evaluateExpression(parseExpression(expression), grid, (id) => ids[id]);
  const values = (value: ReturnType<typeof run>) => (typeof value === 'number' ? value : [...value.values]);

  it('has precedence, unary minus, powers and comparisons', () => {
    assert.equal(run('2 + 3 * 4'), 14);
    assert.equal(run('(2 + 3) * 4'), 20);
    assert.equal(run('-2 ^ 2'), -4);
    assert.equal(run('2 ^ 3 ^ 2'), 512);
    assert.equal(run('1 > 0 AND 2 <= 1'), 0);
    assert.equal(run('1 > 0 || 2 <= 1'), 1);
  });

  it("evaluates the template's 5xx-rate expression over series, meeting at common timestamps", () => {
    const expression = 'IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)';
    const result = run(expression, {
      requests: series([
        [0, 10],
        [60, 0],
        [120, 4],
      ]),
      target5xx: series([[120, 1]]),
      elb5xx: series([[0, 5]]),
    });
    // 180 has no requests datapoint: no value (missing), as on AWS.
    assert.deepEqual(values(result), [
      [0, 50],
      [60, 0],
      [120, 25],
    ]);
  });

  it('has no value where a division is by zero, and FILL fills every period of the query', () => {
    assert.deepEqual(
      values(
        run('a / b', {
          a: series([
            [0, 1],
            [60, 2],
          ]),
          b: series([
            [0, 0],
            [60, 4],
          ]),
        }),
      ),
      [[60, 0.5]],
    );
    assert.deepEqual(values(run('FILL(a, 7)', { a: series([[60, 1]]) })), [
      [0, 7],
      [60, 1],
      [120, 7],
      [180, 7],
    ]);
    assert.deepEqual(values(run('ABS(a - 3)', { a: series([[0, 1]]) })), [[0, 2]]);
  });

  it('refuses what it cannot evaluate, by name', () => {
    assert.throws(
      () => parseExpression('ANOMALY_DETECTION_BAND(m1, 2)'),
      (e: Error) =>
        e instanceof MetricMathError &&
        /does not support the function ANOMALY_DETECTION_BAND/.test(e.message),
    );
    assert.throws(() => parseExpression('1 +'), MetricMathError);
    assert.throws(() => parseExpression('a b'), MetricMathError);
    assert.throws(() => parseExpression('a $ b'), MetricMathError);
    assert.throws(() => run('missing_id + 1'), /Unrecognized metric id missing_id/);
  });
});

describe('metric store', () => {
  const id = (dimensions: { Name: string; Value: string }[]) => ({
    namespace: 'App',
    metricName: 'Latency',
    dimensions,
  });

  it('groups samples by period and computes the statistics, percentiles included', () => {
    const store = new MetricStore();
    const dims = [
      { Name: 'B', Value: '2' },
      { Name: 'A', Value: '1' },
    ];
    store.put(id(dims), valueSample(T0 + 5_000, 4, 'Seconds'));
    store.put(
      id(dims),
      valuesSample(
        T0 + 30_000,
        [
          { value: 1, count: 3 },
          { value: 10, count: 1 },
        ],
        'Seconds',
      ),
    );
    store.put(id(dims), valueSample(T0 + MINUTE, 2, 'Seconds'));
    store.put(id([{ Name: 'A', Value: '1' }]), valueSample(T0, 100));
    // Dimension order does not matter; a different set of dimensions is another metric.
    const buckets = store.buckets(id([...dims].reverse()), T0, T0 + 2 * MINUTE, 60);
    assert.equal(buckets.length, 2);
    const [first] = buckets;
    assert.deepEqual(
      ['SampleCount', 'Sum', 'Minimum', 'Maximum', 'Average', 'p50', 'p99'].map((s) =>
        statisticOf(first!, s),
      ),
      [5, 17, 1, 10, 3.4, 1, 10],
    );
    assert.equal(first?.unit, 'Seconds');
    assert.deepEqual(
      store.buckets(id(dims), T0, T0 + 2 * MINUTE, 120).map((b) => b.count),
      [6],
    );
    assert.deepEqual(store.buckets(id(dims), T0, T0 + 2 * MINUTE, 60, 'Count'), [], 'another unit');
    assert.equal(store.list().length, 2);
  });

  it('has no percentile for data sent only as statistic sets', () => {
    const store = new MetricStore();
    store.put(id([]), { timestampMs: T0, count: 4, sum: 10, min: 1, max: 5 });
    const [bucket] = store.buckets(id([]), T0, T0 + MINUTE, 60);
    assert.equal(statisticOf(bucket!, 'p90'), undefined);
    assert.equal(statisticOf(bucket!, 'Average'), 2.5);
  });
});
