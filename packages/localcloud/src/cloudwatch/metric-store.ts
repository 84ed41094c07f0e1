// CloudWatch's metrics: datapoints by namespace, name and dimensions, and the statistics over a
// period that GetMetricStatistics, GetMetricData and alarms read. Pure: time comes in with the data.
//
// As on AWS a metric is the exact combination of namespace, name and dimensions (a metric published
// with {LoadBalancer, TargetGroup} is not the one with {LoadBalancer}), and a datapoint belongs to
// the period its timestamp falls in, periods being aligned to the epoch. Every datapoint is kept as
// a statistic set plus its raw values (when it came as values), so percentiles can be computed.

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

export interface MetricId {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
}

/** One PutMetricData datum, or one sample the local cloud takes of its own metrics. */
export interface Sample {
  readonly timestampMs: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /**
   * The raw values (with their counts), when known: for percentiles. A sample of one value needs
   * none (its value is its sum).
   */
  readonly values?: readonly { value: number; count: number }[];
  readonly unit?: string;
}

export const BASIC_STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type BasicStatistic = (typeof BASIC_STATISTICS)[number];

/** A statistic name as alarms and GetMetricData take it: a basic one or a percentile such as p99. */
export function isStatistic(stat: string): boolean {
  return (BASIC_STATISTICS as readonly string[]).includes(stat) || percentileOf(stat) !== undefined;
}

export function percentileOf(stat: string): number | undefined {
  const match = /^p(\d{1,2}(?:\.\d+)?|100)$/.exec(stat);
  if (!match) return undefined;
  const p = Number(match[1]);
  return p >= 0 && p <= 100 ? p : undefined;
}

/**
 * [I] CloudWatch keeps one-minute data 15 days; the local cloud keeps a day of AWS time (alarms read
 * at most a day back), so a fleet of thousands on a fast clock stays small. Older samples are dropped
 * as new ones arrive.
 */
export const RETENTION_MS = 24 * 3600_000;

interface StoredMetric {
  readonly id: MetricId;
  readonly samples: Sample[];
}

export function metricKey(id: MetricId): string {
  const dims = [...id.dimensions]
    .sort((a, b) => a.Name.localeCompare(b.Name))
    .map((d) => `${d.Name}=${d.Value}`)
    .join(',');
  return `${id.namespace}\u0000${id.metricName}\u0000${dims}`;
}

export interface Bucket {
  /** The period's start. */
  readonly timestampMs: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly values: { value: number; count: number }[];
  /** False when some sample came as a statistic set only (no percentile then). */
  readonly exact: boolean;
  readonly unit?: string;
}

export class MetricStore {
  private readonly metrics = new Map<string, StoredMetric>();

  put(id: MetricId, sample: Sample): void {
    const key = metricKey(id);
    let metric = this.metrics.get(key);
    if (!metric) {
      metric = { id: { ...id, dimensions: [...id.dimensions] }, samples: [] };
      this.metrics.set(key, metric);
    }
    metric.samples.push(sample);
    const oldest = sample.timestampMs - RETENTION_MS;
    if ((metric.samples[0]?.timestampMs ?? Infinity) < oldest) {
      const kept = metric.samples.filter((s) => s.timestampMs >= oldest);
      metric.samples.splice(0, metric.samples.length, ...kept);
    }
  }

  /** Every metric, in a stable order (namespace, name, dimensions). */
  list(): MetricId[] {
    return [...this.metrics.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, m]) => m.id);
  }

  /** Latest sample time of a metric (ListMetrics' RecentlyActive). */
  lastSampleMs(id: MetricId): number | undefined {
    const samples = this.metrics.get(metricKey(id))?.samples;
    return samples && samples.length > 0 ? Math.max(...samples.map((s) => s.timestampMs)) : undefined;
  }

  /**
   * The periods of [startMs, endMs) that hold data, oldest first, each with the samples' aggregate.
   * `unit`, when given, keeps only samples of that unit (as GetMetricStatistics' Unit does).
   */
  buckets(id: MetricId, startMs: number, endMs: number, periodSeconds: number, unit?: string): Bucket[] {
    const metric = this.metrics.get(metricKey(id));
    if (!metric) return [];
    const periodMs = periodSeconds * 1000;
    const byPeriod = new Map<number, Sample[]>();
    for (const sample of metric.samples) {
      if (sample.timestampMs < startMs || sample.timestampMs >= endMs) continue;
      if (unit !== undefined && (sample.unit ?? 'None') !== unit) continue;
      const start = Math.floor(sample.timestampMs / periodMs) * periodMs;
      const list = byPeriod.get(start) ?? [];
      list.push(sample);
      byPeriod.set(start, list);
    }
    return [...byPeriod.entries()]
      .sort(([a], [b]) => a - b)
      .map(([timestampMs, samples]) => aggregate(timestampMs, samples));
  }
}

function aggregate(timestampMs: number, samples: readonly Sample[]): Bucket {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  const values: { value: number; count: number }[] = [];
  let exact = true;
  for (const s of samples) {
    count += s.count;
    sum += s.sum;
    min = Math.min(min, s.min);
    max = Math.max(max, s.max);
    if (s.values) values.push(...s.values);
    else if (s.count === 1) values.push({ value: s.sum, count: 1 });
    else exact = false;
  }
  const unit = samples.find((s) => s.unit !== undefined)?.unit;
  return { timestampMs, count, sum, min, max, values, exact, ...(unit !== undefined ? { unit } : {}) };
}

/** A statistic of a period's bucket; undefined for a percentile of data sent only as statistic sets. */
export function statisticOf(bucket: Bucket, stat: string): number | undefined {
  switch (stat) {
    case 'SampleCount':
      return bucket.count;
    case 'Sum':
      return bucket.sum;
    case 'Minimum':
      return bucket.min;
    case 'Maximum':
      return bucket.max;
    case 'Average':
      return bucket.count > 0 ? bucket.sum / bucket.count : undefined;
  }
  const p = percentileOf(stat);
  if (p === undefined || !bucket.exact || bucket.values.length === 0) return undefined;
  // Nearest rank over the weighted values.
  const sorted = [...bucket.values].sort((a, b) => a.value - b.value);
  const total = sorted.reduce((n, v) => n + v.count, 0);
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const v of sorted) {
    seen += v.count;
    if (seen >= rank) return v.value;
  }
  return sorted[sorted.length - 1]?.value;
}

/** A sample of one value (a gauge the local cloud reads, a PutMetricData Value). */
export function valueSample(timestampMs: number, value: number, unit?: string): Sample {
  return {
    timestampMs,
    count: 1,
    sum: value,
    min: value,
    max: value,
    ...(unit !== undefined ? { unit } : {}),
  };
}

/** A sample of many values (PutMetricData Values/Counts, response times of a minute). */
export function valuesSample(
  timestampMs: number,
  values: readonly { value: number; count: number }[],
  unit?: string,
): Sample {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    count += v.count;
    sum += v.value * v.count;
    min = Math.min(min, v.value);
    max = Math.max(max, v.value);
  }
  return { timestampMs, count, sum, min, max, values: [...values], ...(unit !== undefined ? { unit } : {}) };
}
