// CloudWatch's metric operations: PutMetricData, GetMetricStatistics, GetMetricData, ListMetrics.
// Times on the wire are the wall clock's; the model converts them to the AWS-time axis its datapoints
// live on (identical unless the clock is scaled).
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   Inputs are OperationInput (service.ts): botocore shapes the protocol layer has already decoded and type-checked. */
import type { OperationInput, RequestContext, OperationHandler } from '../service.js';
import { paginate } from '../pagination.js';
import * as errors from './errors.js';
import { runQueries, type MetricQuery } from './metric-queries.js';
import {
  BASIC_STATISTICS,
  isStatistic,
  statisticOf,
  valueSample,
  valuesSample,
  type Dimension,
  type Sample,
} from './metric-store.js';
import type { CloudWatchModel } from './model.js';

/** AWS accepts datapoints up to two weeks old and two hours ahead. */
const PAST_LIMIT_MS = 14 * 24 * 3600_000;
const FUTURE_LIMIT_MS = 2 * 3600_000;
const MAX_DATAPOINTS = 1440;
const LIST_PAGE = 500;

function checkPeriod(period: number, parameter = 'Period'): void {
  if (
    period <= 0 ||
    (period < 60 && ![1, 5, 10, 20, 30].includes(period)) ||
    (period >= 60 && period % 60 !== 0)
  )
    throw errors.invalidParameterValue(
      `The parameter ${parameter} must be 1, 5, 10, 20, 30, or a multiple of 60.`,
    );
}

function checkRange(start: Date | undefined, end: Date | undefined): void {
  if (!(start instanceof Date)) throw errors.missingParameter('StartTime');
  if (!(end instanceof Date)) throw errors.missingParameter('EndTime');
  if (start.getTime() >= end.getTime())
    throw errors.invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
}

function finite(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw errors.invalidParameterValue(`The value ${String(value)} for parameter ${where} is invalid.`);
  return value;
}

/** PutMetricData's MetricDatum, as the protocol layer decoded it. */
interface MetricDatum {
  MetricName?: string;
  Dimensions?: Dimension[];
  Timestamp?: Date;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  Unit?: string;
}

function sampleOf(datum: MetricDatum, index: number, timestampMs: number): Sample {
  const where = `MetricData.member.${index + 1}`;
  const unit: string | undefined = datum.Unit;
  const kinds = [datum.Value !== undefined, datum.Values !== undefined, datum.StatisticValues !== undefined];
  if (kinds.filter(Boolean).length > 1)
    throw errors.invalidParameterCombination(
      `The parameters ${where}.Value, ${where}.Values and ${where}.StatisticValues are mutually exclusive.`,
    );
  if (datum.Value !== undefined) return valueSample(timestampMs, finite(datum.Value, `${where}.Value`), unit);
  if (datum.Values !== undefined) {
    const values: number[] = datum.Values;
    const counts: number[] = datum.Counts ?? values.map(() => 1);
    if (counts.length !== values.length)
      throw errors.invalidParameterValue(
        `The parameters ${where}.Values and ${where}.Counts must be of the same size.`,
      );
    if (values.length === 0) throw errors.missingParameter(`${where}.Values`);
    return valuesSample(
      timestampMs,
      values.map((v, i) => ({
        value: finite(v, `${where}.Values`),
        count: finite(counts[i], `${where}.Counts`),
      })),
      unit,
    );
  }
  if (datum.StatisticValues !== undefined) {
    const s = datum.StatisticValues;
    const count = finite(s.SampleCount, `${where}.StatisticValues.SampleCount`);
    return {
      timestampMs,
      count,
      sum: finite(s.Sum, `${where}.StatisticValues.Sum`),
      min: finite(s.Minimum, `${where}.StatisticValues.Minimum`),
      max: finite(s.Maximum, `${where}.StatisticValues.Maximum`),
      ...(unit !== undefined ? { unit } : {}),
    };
  }
  throw errors.missingParameter(`${where}.Value`);
}

export function metricOperations(
  modelFor: (ctx: RequestContext) => CloudWatchModel,
): Record<string, OperationHandler> {
  return {
    PutMetricData(input: OperationInput, ctx) {
      const namespace: string = input.Namespace;
      if (!namespace) throw errors.missingParameter('Namespace');
      if (namespace.startsWith('AWS/'))
        throw errors.invalidParameterValue(`The value ${namespace} for parameter Namespace is invalid.`);
      const data: MetricDatum[] = input.MetricData ?? [];
      if (data.length === 0) throw errors.missingParameter('MetricData');
      if (data.length > 1000)
        throw errors.invalidParameterValue(
          'The collection MetricData must not have a size greater than 1000.',
        );
      const model = modelFor(ctx);
      const samples = data.map((datum, index) => {
        if (!datum.MetricName) throw errors.missingParameter(`MetricData.member.${index + 1}.MetricName`);
        const wall = datum.Timestamp instanceof Date ? datum.Timestamp.getTime() : undefined;
        const awsMs = wall === undefined ? model.awsNowMs() : model.awsMs(wall);
        const now = model.awsNowMs();
        if (awsMs < now - PAST_LIMIT_MS || awsMs > now + FUTURE_LIMIT_MS)
          throw errors.invalidParameterValue(
            `The parameter MetricData.member.${index + 1}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
          );
        const dimensions: Dimension[] = datum.Dimensions ?? [];
        if (dimensions.length > 30)
          throw errors.invalidParameterValue(
            `The collection MetricData.member.${index + 1}.Dimensions must not have a size greater than 30.`,
          );
        return {
          id: { namespace, metricName: datum.MetricName, dimensions },
          sample: sampleOf(datum, index, awsMs),
        };
      });
      // All or nothing: a bad datum refuses the whole request, as AWS does.
      for (const { id, sample } of samples) model.metrics.put(id, sample);
      return {};
    },

    GetMetricStatistics(input: OperationInput, ctx) {
      const model = modelFor(ctx);
      const statistics: string[] = input.Statistics ?? [];
      const extended: string[] = input.ExtendedStatistics ?? [];
      if (statistics.length === 0 && extended.length === 0)
        throw errors.missingParameter('Statistics or ExtendedStatistics');
      for (const stat of statistics)
        if (!(BASIC_STATISTICS as readonly string[]).includes(stat))
          throw errors.invalidParameterValue(`The value ${stat} for parameter Statistics is not valid.`);
      for (const stat of extended)
        if (!isStatistic(stat) || (BASIC_STATISTICS as readonly string[]).includes(stat))
          throw errors.invalidParameterValue(
            `The value ${stat} for parameter ExtendedStatistics is not valid.`,
          );
      const period: number = input.Period;
      checkPeriod(period);
      checkRange(input.StartTime, input.EndTime);
      const start = model.awsMs((input.StartTime as Date).getTime());
      const end = model.awsMs((input.EndTime as Date).getTime());
      const requested = Math.ceil((end - start) / (period * 1000));
      if (requested > MAX_DATAPOINTS)
        throw errors.invalidParameterCombination(
          `You have requested up to ${requested.toLocaleString('en-US')} datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
        );
      const buckets = model.metrics.buckets(
        { namespace: input.Namespace, metricName: input.MetricName, dimensions: input.Dimensions ?? [] },
        start,
        end,
        period,
        input.Unit,
      );
      return {
        Label: input.MetricName,
        Datapoints: buckets.map((bucket) => {
          const point: Record<string, unknown> = {
            Timestamp: new Date(model.wallMs(bucket.timestampMs)),
            Unit: input.Unit ?? bucket.unit ?? 'None',
          };
          for (const stat of statistics) point[stat] = statisticOf(bucket, stat);
          if (extended.length > 0) {
            const map: Record<string, number> = {};
            for (const stat of extended) {
              const value = statisticOf(bucket, stat);
              if (value !== undefined) map[stat] = value;
            }
            point.ExtendedStatistics = map;
          }
          return point;
        }),
      };
    },

    GetMetricData(input: OperationInput, ctx) {
      const model = modelFor(ctx);
      const queries: MetricQuery[] = input.MetricDataQueries ?? [];
      if (queries.length === 0) throw errors.missingParameter('MetricDataQueries');
      if (queries.length > 500)
        throw errors.invalidParameterValue(
          'The collection MetricDataQueries must not have a size greater than 500.',
        );
      checkRange(input.StartTime, input.EndTime);
      const scanBy: string = input.ScanBy ?? 'TimestampDescending';
      if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending')
        throw errors.invalidParameterValue(`Invalid value for ScanBy: ${scanBy}`);
      if (input.NextToken !== undefined && input.NextToken !== '') throw errors.invalidNextToken();
      const results = runQueries(
        model.metrics,
        queries,
        model.awsMs((input.StartTime as Date).getTime()),
        model.awsMs((input.EndTime as Date).getTime()),
      );
      return {
        MetricDataResults: results
          .filter((r) => r.returnData)
          .map((r) => {
            const points = [...r.values];
            if (scanBy === 'TimestampDescending') points.reverse();
            return {
              Id: r.id,
              Label: r.label,
              Timestamps: points.map(([t]) => new Date(model.wallMs(t))),
              Values: points.map(([, v]) => v),
              StatusCode: 'Complete',
              Messages: [],
            };
          }),
        Messages: [],
      };
    },

    ListMetrics(input: OperationInput, ctx) {
      const model = modelFor(ctx);
      const filters: { Name: string; Value?: string }[] = input.Dimensions ?? [];
      const recentSince = input.RecentlyActive === 'PT3H' ? model.awsNowMs() - 3 * 3600_000 : undefined;
      if (input.RecentlyActive !== undefined && input.RecentlyActive !== 'PT3H')
        throw errors.invalidParameterValue(
          `The value ${String(input.RecentlyActive)} for parameter RecentlyActive is not valid.`,
        );
      const metrics = model.metrics
        .list()
        .filter((m) => input.Namespace === undefined || m.namespace === input.Namespace)
        .filter((m) => input.MetricName === undefined || m.metricName === input.MetricName)
        .filter((m) =>
          filters.every((f) =>
            m.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)),
          ),
        )
        .filter(
          (m) => recentSince === undefined || (model.metrics.lastSampleMs(m) ?? -Infinity) >= recentSince,
        );
      const page = paginate(metrics, input.NextToken, LIST_PAGE, errors.invalidNextToken);
      return {
        Metrics: page.items.map((m) => ({
          Namespace: m.namespace,
          MetricName: m.metricName,
          Dimensions: [...m.dimensions],
        })),
        NextToken: page.nextToken,
      };
    },
  };
}
