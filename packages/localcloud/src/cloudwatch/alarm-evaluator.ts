// One evaluation of a metric alarm, as CloudWatch documents it ("Evaluating an alarm", "Configuring
// how CloudWatch alarms treat missing data"): the last EvaluationPeriods periods' values in, the new
// state and AWS's StateReason and StateReasonData out. Pure: no clock, no store.
//
// - ALARM when at least DatapointsToAlarm (M) of the EvaluationPeriods (N) datapoints breach, OK
//   otherwise.
// - Missing datapoints: with `breaching`/`notBreaching` they are filled with that and evaluated;
//   with `missing`, none at all is INSUFFICIENT_DATA, and fewer real datapoints than M are enough to
//   alarm when they all breach; with `ignore`, none at all keeps the state, and fewer real datapoints
//   than M go OK only when none breaches (else the state is kept). [I] CloudWatch also looks further
//   back than N periods for real datapoints; the local cloud's evaluation range is the N periods.
import type { AlarmState } from '../ports.js';

export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';
export const TREAT_MISSING_DATA: readonly TreatMissingData[] = [
  'missing',
  'notBreaching',
  'breaching',
  'ignore',
];

export const COMPARISONS = {
  GreaterThanOrEqualToThreshold: {
    words: 'greater than or equal to',
    test: (v: number, t: number) => v >= t,
  },
  GreaterThanThreshold: { words: 'greater than', test: (v: number, t: number) => v > t },
  LessThanThreshold: { words: 'less than', test: (v: number, t: number) => v < t },
  LessThanOrEqualToThreshold: { words: 'less than or equal to', test: (v: number, t: number) => v <= t },
} as const;
export type Comparison = keyof typeof COMPARISONS;

export function isEvaluableComparison(operator: string): operator is Comparison {
  return Object.hasOwn(COMPARISONS, operator);
}

export interface AlarmRule {
  readonly comparison: Comparison;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  readonly periodSeconds: number;
  /** For StateReasonData: the statistic (Maximum, p99, …); absent for metric math. */
  readonly statistic?: string;
}

export interface PeriodValue {
  /** The period's start. */
  readonly timestampMs: number;
  readonly value?: number;
}

export interface Evaluation {
  readonly state: AlarmState;
  readonly reason: string;
  /** StateReasonData, a JSON document. */
  readonly reasonData: string;
}

/**
 * Evaluates an alarm over its last N periods (oldest first, one entry per period, `value` absent
 * when the period has no datapoint). Returns undefined when the state is to be kept as it is.
 */
export function evaluateAlarm(
  rule: AlarmRule,
  periods: readonly PeriodValue[],
  current: AlarmState,
  queryDate: Date,
): Evaluation | undefined {
  const { comparison, threshold, datapointsToAlarm: m, treatMissingData } = rule;
  const n = periods.length;
  const test = COMPARISONS[comparison].test;
  const real = periods.filter((p): p is PeriodValue & { value: number } => p.value !== undefined);
  const missing = n - real.length;
  const breaching = real.filter((p) => test(p.value, threshold));
  const notBreaching = real.filter((p) => !test(p.value, threshold));
  const data = (): string => reasonData(rule, periods, real, queryDate);

  if (real.length === 0) {
    switch (treatMissingData) {
      case 'ignore':
        return undefined;
      case 'missing':
        return {
          state: 'INSUFFICIENT_DATA',
          reason: `Insufficient Data: ${count(n, 'datapoint')} ${n === 1 ? 'was' : 'were'} unknown.`,
          reasonData: data(),
        };
      case 'breaching':
      case 'notBreaching': {
        const how = treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
        return {
          state: treatMissingData === 'breaching' ? 'ALARM' : 'OK',
          reason: `Threshold Crossed: no datapoints were received for ${count(n, 'period')} and ${count(n, 'missing datapoint')} ${n === 1 ? 'was' : 'were'} treated as [${how}].`,
          reasonData: data(),
        };
      }
    }
  }

  let breachCount = breaching.length;
  let needed = m;
  if (treatMissingData === 'breaching') breachCount += missing;
  if (treatMissingData === 'missing' && real.length < m) needed = real.length;
  if (treatMissingData === 'ignore' && real.length < m && breaching.length > 0) return undefined;

  const alarm = breachCount >= needed;
  const state: AlarmState = alarm ? 'ALARM' : 'OK';
  const shown = alarm ? breaching : notBreaching;
  const words = `${alarm ? '' : 'not '}${COMPARISONS[comparison].words}`;
  const list = `[${[...shown]
    .reverse()
    .map((p) => `${javaDouble(p.value)} (${reasonTime(p.timestampMs)})`)
    .join(', ')}]`;
  const counted = alarm ? breachCount : n - breachCount;
  let reason: string;
  if (n === 1) {
    reason = `Threshold Crossed: 1 datapoint ${list} was ${words} the threshold (${javaDouble(threshold)}).`;
  } else {
    const minimum = alarm ? needed : n - needed + 1;
    reason =
      `Threshold Crossed: ${counted} out of the last ${n} datapoints ${list} ${counted === 1 ? 'was' : 'were'} ${words} ` +
      `the threshold (${javaDouble(threshold)}) (minimum ${count(minimum, 'datapoint')} for ${current} -> ${state} transition).`;
  }
  return { state, reason, reasonData: data() };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A double as Java prints it (CloudWatch's reasons do): 2.0, 0.5, 1.0E7. */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(value);
  if (abs === 0 || (abs >= 1e-3 && abs < 1e7)) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa = '0', exponent = '0'] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The datapoint times in a reason: dd/MM/yy HH:mm:ss, UTC. */
export function reasonTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** StateReasonData's dates: 2026-04-12T23:02:10.123+0000. */
function dataTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function reasonData(
  rule: AlarmRule,
  periods: readonly PeriodValue[],
  real: readonly (PeriodValue & { value: number })[],
  queryDate: Date,
): string {
  return JSON.stringify({
    version: '1.0',
    queryDate: dataTime(queryDate.getTime()),
    ...(periods[0] ? { startDate: dataTime(periods[0].timestampMs) } : {}),
    ...(rule.statistic !== undefined ? { statistic: rule.statistic } : {}),
    period: rule.periodSeconds,
    recentDatapoints: real.map((p) => p.value),
    threshold: rule.threshold,
    evaluatedDatapoints: [...real]
      .reverse()
      .map((p) => ({ timestamp: dataTime(p.timestampMs), value: p.value })),
  });
}
