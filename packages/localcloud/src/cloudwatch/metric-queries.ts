// MetricDataQueries (GetMetricData's, and a metric-math alarm's `Metrics`) run against the store:
// MetricStat queries read a statistic per period, Expression queries combine them with metric math.
// Pure apart from reading the store.
import { AwsApiError } from '../service.js';
import {
  evaluateExpression,
  MetricMathError,
  parseExpression,
  referencedIds,
  type MathValue,
  type ParsedExpression,
  type Series,
} from './metric-math.js';
import { isStatistic, statisticOf, type Dimension, type MetricStore } from './metric-store.js';

export interface MetricQuery {
  readonly Id?: string;
  readonly MetricStat?: {
    readonly Metric?: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] };
    readonly Period?: number;
    readonly Stat?: string;
    readonly Unit?: string;
  };
  readonly Expression?: string;
  readonly Label?: string;
  readonly ReturnData?: boolean;
  readonly Period?: number;
}

export interface QueryResult {
  readonly id: string;
  readonly label: string;
  readonly returnData: boolean;
  /** Period start → value, oldest first. */
  readonly values: Map<number, number>;
}

export function validationError(message: string): AwsApiError {
  return new AwsApiError('ValidationError', message);
}

/** Checks queries as PutMetricAlarm and GetMetricData do; returns the parsed expressions by id. */
export function checkQueries(queries: readonly MetricQuery[]): Map<string, ParsedExpression> {
  const ids = new Set<string>();
  const parsed = new Map<string, ParsedExpression>();
  for (const q of queries) {
    if (!q.Id || !/^[a-z][a-zA-Z0-9_]*$/.test(q.Id))
      throw validationError(
        `Invalid metric id ${JSON.stringify(q.Id ?? '')}: it must start with a lowercase letter and hold only letters, digits and underscores.`,
      );
    if (ids.has(q.Id)) throw validationError(`The metric id ${q.Id} is used more than once.`);
    ids.add(q.Id);
    if ((q.MetricStat === undefined) === (q.Expression === undefined))
      throw validationError(`Exactly one of MetricStat and Expression must be given for metric id ${q.Id}.`);
    if (q.MetricStat) {
      const { Metric, Period, Stat } = q.MetricStat;
      if (!Metric?.Namespace || !Metric.MetricName)
        throw validationError(`The MetricStat of metric id ${q.Id} needs a Namespace and a MetricName.`);
      if (
        Period === undefined ||
        Period <= 0 ||
        (Period >= 60 && Period % 60 !== 0) ||
        (Period < 60 && ![1, 5, 10, 20, 30].includes(Period))
      )
        throw validationError(
          `The Period of metric id ${q.Id} must be 1, 5, 10, 20, 30 or a multiple of 60.`,
        );
      if (!Stat || !isStatistic(Stat))
        throw validationError(
          `The statistic ${JSON.stringify(Stat ?? '')} of metric id ${q.Id} is not one the local cloud computes (SampleCount, Average, Sum, Minimum, Maximum, pNN).`,
        );
    }
    if (q.Expression !== undefined) {
      try {
        parsed.set(q.Id, parseExpression(q.Expression));
      } catch (error) {
        if (error instanceof MetricMathError)
          throw validationError(`Error in expression ${q.Id}: ${error.message}`);
        throw error;
      }
    }
  }
  for (const [id, tree] of parsed) {
    for (const ref of referencedIds(tree)) {
      if (!ids.has(ref)) throw validationError(`Error in expression ${id}: Unrecognized metric id ${ref}.`);
      if (ref === id) throw validationError(`Error in expression ${id}: it refers to itself.`);
    }
  }
  return parsed;
}

/** The period of a set of queries: the first MetricStat's, or an expression's own Period. */
export function periodOf(queries: readonly MetricQuery[]): number {
  return (
    queries.find((q) => q.MetricStat?.Period !== undefined)?.MetricStat?.Period ??
    queries.find((q) => q.Period)?.Period ??
    60
  );
}

/**
 * Runs the queries over the periods of `periodSeconds` from `startMs` (aligned down) to `endMs`
 * (exclusive). Throws ValidationError for an expression that cannot be evaluated.
 */
export function runQueries(
  store: MetricStore,
  queries: readonly MetricQuery[],
  startMs: number,
  endMs: number,
): QueryResult[] {
  const parsed = checkQueries(queries);
  const byId = new Map(queries.map((q) => [q.Id as string, q]));
  const done = new Map<string, MathValue>();
  const visiting = new Set<string>();
  const gridOf = (periodSeconds: number): number[] => {
    const periodMs = periodSeconds * 1000;
    const grid: number[] = [];
    for (let t = Math.floor(startMs / periodMs) * periodMs; t < endMs; t += periodMs) grid.push(t);
    return grid;
  };
  const defaultPeriod = periodOf(queries);
  const resolve = (id: string): MathValue => {
    const known = done.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) throw validationError(`Error in expression ${id}: circular reference.`);
    visiting.add(id);
    const q = byId.get(id) as MetricQuery;
    let value: MathValue;
    if (q.MetricStat) {
      const { Metric, Period, Stat, Unit } = q.MetricStat as Required<
        Pick<NonNullable<MetricQuery['MetricStat']>, 'Period' | 'Stat'>
      > &
        NonNullable<MetricQuery['MetricStat']>;
      const periodMs = Period * 1000;
      const buckets = store.buckets(
        {
          namespace: Metric?.Namespace ?? '',
          metricName: Metric?.MetricName ?? '',
          dimensions: Metric?.Dimensions ?? [],
        },
        Math.floor(startMs / periodMs) * periodMs,
        endMs,
        Period,
        Unit,
      );
      const values = new Map<number, number>();
      for (const bucket of buckets) {
        const v = statisticOf(bucket, Stat);
        if (v !== undefined) values.set(bucket.timestampMs, v);
      }
      value = { values } satisfies Series;
    } else {
      try {
        value = evaluateExpression(
          parsed.get(id) as ParsedExpression,
          gridOf(q.Period ?? defaultPeriod),
          resolve,
        );
      } catch (error) {
        if (error instanceof MetricMathError)
          throw validationError(`Error in expression ${id}: ${error.message}`);
        throw error;
      }
    }
    visiting.delete(id);
    done.set(id, value);
    return value;
  };
  return queries.map((q) => {
    const id = q.Id as string;
    const value = resolve(id);
    const grid = gridOf(q.MetricStat?.Period ?? q.Period ?? defaultPeriod);
    const values =
      typeof value === 'number'
        ? new Map(grid.map((t) => [t, value]))
        : new Map(
            [...value.values].filter(([t]) => t >= (grid[0] ?? 0) && t < endMs).sort(([a], [b]) => a - b),
          );
    return {
      id,
      label: q.Label ?? q.MetricStat?.Metric?.MetricName ?? id,
      returnData: q.ReturnData ?? true,
      values,
    };
  });
}
