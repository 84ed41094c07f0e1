// AWS::CloudWatch::Alarm: an alarm of the region's CloudWatch, put by its own PutMetricAlarm handler
// (so a stack's alarm is checked, and then evaluated, as one put through the API).
import { cloudWatchService } from '../../cloudwatch/handlers.js';
import type { ServiceDefinition } from '../../service.js';
import type { ProviderContext, ResourceProperties, ResourceProvider } from '../provider.js';
import { bool, callOperation, defined, list, number, text } from './support.js';

function api(ctx: ProviderContext): ServiceDefinition {
  return cloudWatchService(() => ctx.models.cloudwatch);
}

function dimensions(value: unknown): { Name: string; Value: string }[] | undefined {
  if (value === undefined) return undefined;
  return list<{ Name?: unknown; Value?: unknown }>(value).map((d) => ({
    Name: text(d.Name) ?? '',
    Value: text(d.Value) ?? '',
  }));
}

function metricQueries(value: unknown): Record<string, unknown>[] | undefined {
  if (value === undefined) return undefined;
  return list<Record<string, unknown>>(value).map((query) => {
    const stat = query.MetricStat as Record<string, unknown> | undefined;
    const metric = stat?.Metric as Record<string, unknown> | undefined;
    return defined({
      Id: text(query.Id),
      Expression: text(query.Expression),
      Label: text(query.Label),
      ReturnData: bool(query.ReturnData),
      Period: number(query.Period),
      AccountId: text(query.AccountId),
      MetricStat: stat
        ? defined({
            Metric: defined({
              Namespace: text(metric?.Namespace),
              MetricName: text(metric?.MetricName),
              Dimensions: dimensions(metric?.Dimensions),
            }),
            Period: number(stat.Period),
            Stat: text(stat.Stat),
            Unit: text(stat.Unit),
          })
        : undefined,
    });
  });
}

function alarmInput(name: string, properties: ResourceProperties): Record<string, unknown> {
  return defined({
    AlarmName: name,
    AlarmDescription: text(properties.AlarmDescription),
    ActionsEnabled: bool(properties.ActionsEnabled),
    OKActions: properties.OKActions === undefined ? undefined : list<string>(properties.OKActions),
    AlarmActions: properties.AlarmActions === undefined ? undefined : list<string>(properties.AlarmActions),
    InsufficientDataActions:
      properties.InsufficientDataActions === undefined
        ? undefined
        : list<string>(properties.InsufficientDataActions),
    MetricName: text(properties.MetricName),
    Namespace: text(properties.Namespace),
    Statistic: text(properties.Statistic),
    ExtendedStatistic: text(properties.ExtendedStatistic),
    Dimensions: dimensions(properties.Dimensions),
    Period: number(properties.Period),
    Unit: text(properties.Unit),
    EvaluationPeriods: number(properties.EvaluationPeriods),
    DatapointsToAlarm: number(properties.DatapointsToAlarm),
    Threshold: number(properties.Threshold),
    ComparisonOperator: text(properties.ComparisonOperator),
    TreatMissingData: text(properties.TreatMissingData),
    EvaluateLowSampleCountPercentile: text(properties.EvaluateLowSampleCountPercentile),
    Metrics: metricQueries(properties.Metrics),
    ThresholdMetricId: text(properties.ThresholdMetricId),
  });
}

const alarm: ResourceProvider = {
  replaceOn: ['AlarmName'],
  nameProperty: 'AlarmName',
  async create(properties, ctx) {
    const name = text(properties.AlarmName) ?? ctx.generatedName(255);
    await callOperation('CloudWatch', api(ctx), 'PutMetricAlarm', alarmInput(name, properties), ctx);
    return {
      physicalId: name,
      attributes: { Arn: `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${name}` },
    };
  },
  async update(physicalId, properties, _previous, ctx) {
    await callOperation('CloudWatch', api(ctx), 'PutMetricAlarm', alarmInput(physicalId, properties), ctx);
    return { physicalId };
  },
  async delete(physicalId, _properties, ctx) {
    await callOperation('CloudWatch', api(ctx), 'DeleteAlarms', { AlarmNames: [physicalId] }, ctx);
  },
};

export const cloudWatchProviders: ReadonlyMap<string, ResourceProvider> = new Map([
  ['AWS::CloudWatch::Alarm', alarm],
]);
