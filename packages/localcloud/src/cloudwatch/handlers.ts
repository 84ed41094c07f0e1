// CloudWatch operations (JSON 1.0 for the SDK, query for older CLIs): parse, call the model, render.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   Inputs are OperationInput (service.ts): botocore shapes the protocol layer has already decoded and type-checked. */
import type { AlarmState } from '../ports.js';
import type { OperationInput, RequestContext, ServiceDefinition } from '../service.js';
import { paginate } from '../pagination.js';
import * as errors from './errors.js';
import { metricOperations } from './metric-handlers.js';
import { checkQueries, type MetricQuery } from './metric-queries.js';
import { isStatistic } from './metric-store.js';
import { ALARM_STATES, typeOf } from './model.js';
import type { AlarmHistoryRecord, AlarmRecord, CloudWatchModel, HistoryItemType } from './model.js';

const HISTORY_ITEM_TYPES: readonly HistoryItemType[] = ['ConfigurationUpdate', 'StateUpdate', 'Action'];
const SCAN_BY = ['TimestampDescending', 'TimestampAscending'];
/** [I] AWS does not document DescribeAlarmHistory's default page size; its maximum is 100. */
const HISTORY_PAGE = 100;

const DEFINITION_MEMBERS = [
  'ActionsEnabled',
  'OKActions',
  'AlarmActions',
  'InsufficientDataActions',
  'MetricName',
  'Namespace',
  'Statistic',
  'ExtendedStatistic',
  'Dimensions',
  'Period',
  'Unit',
  'EvaluationPeriods',
  'DatapointsToAlarm',
  'Threshold',
  'ComparisonOperator',
  'TreatMissingData',
  'EvaluateLowSampleCountPercentile',
  'Metrics',
  'ThresholdMetricId',
];

/**
 * An alarm as DescribeAlarms answers it: the MetricAlarm shape, or for a composite the
 * CompositeAlarm shape, which has no metric (no Dimensions) and holds its AlarmRule instead.
 */
function alarmView(alarm: AlarmRecord): Record<string, unknown> {
  return {
    AlarmName: alarm.name,
    AlarmArn: alarm.arn,
    AlarmDescription: alarm.description,
    AlarmConfigurationUpdatedTimestamp: alarm.configurationUpdatedTimestamp,
    ActionsEnabled: true,
    OKActions: [],
    AlarmActions: [],
    InsufficientDataActions: [],
    ...(alarm.composite ? {} : { Dimensions: [] }),
    ...alarm.definition,
    StateValue: alarm.state,
    StateReason: alarm.stateReason,
    StateReasonData: alarm.stateReasonData,
    StateUpdatedTimestamp: alarm.stateUpdatedTimestamp,
    StateTransitionedTimestamp: alarm.stateTransitionedTimestamp,
  };
}

/** PutCompositeAlarm's members kept as the alarm's definition. */
const COMPOSITE_MEMBERS = [
  'ActionsEnabled',
  'OKActions',
  'AlarmActions',
  'InsufficientDataActions',
  'AlarmRule',
];

/** AlarmTypes: which kinds of alarm an operation answers with; only metric alarms when not given. */
function alarmTypesOf(input: OperationInput): string[] {
  return (input.AlarmTypes as string[] | undefined) ?? ['MetricAlarm'];
}

function historyItemView(item: AlarmHistoryRecord): Record<string, unknown> {
  return {
    AlarmName: item.alarmName,
    AlarmType: item.alarmType,
    Timestamp: item.timestamp,
    HistoryItemType: item.type,
    HistorySummary: item.summary,
    HistoryData: item.data,
  };
}

function maxRecordsOf(input: OperationInput, fallback: number): number {
  const maxRecords: number = input.MaxRecords ?? fallback;
  if (maxRecords < 1 || maxRecords > 100) {
    throw errors.invalidParameterValue(`The value ${maxRecords} for parameter MaxRecords is not valid.`);
  }
  return maxRecords;
}

/** PutMetricAlarm's metric: a single metric or `Metrics`, not both, each complete, as AWS checks them. */
function checkAlarmMetric(input: OperationInput): void {
  const metrics = input.Metrics as MetricQuery[] | undefined;
  const single = input.MetricName !== undefined || input.Namespace !== undefined;
  if (metrics !== undefined) {
    if (
      single ||
      input.Statistic !== undefined ||
      input.Period !== undefined ||
      input.Dimensions !== undefined
    )
      throw errors.validationError(
        'Metrics list cannot be set together with MetricName, Namespace, Dimensions, Statistic, ExtendedStatistic or Period.',
      );
    checkQueries(metrics);
    const returned = metrics.filter((q) => q.ReturnData ?? true);
    if (returned.length !== 1)
      throw errors.validationError('Exactly one element of the metrics list should return data.');
    return;
  }
  if (!single) return; // An alarm on nothing: kept, never evaluated (the world's plain alarms).
  if (!input.MetricName) throw errors.missingParameter('MetricName');
  if (!input.Namespace) throw errors.missingParameter('Namespace');
  if (input.Period === undefined) throw errors.missingParameter('Period');
  if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined)
    throw errors.invalidParameterCombination('Statistic and ExtendedStatistic cannot both be set.');
  if (input.Statistic === undefined && input.ExtendedStatistic === undefined)
    throw errors.missingParameter('Statistic or ExtendedStatistic');
  if (input.ExtendedStatistic !== undefined && !isStatistic(input.ExtendedStatistic as string))
    throw errors.invalidParameterValue(
      `The value ${String(input.ExtendedStatistic)} for parameter ExtendedStatistic is not supported.`,
    );
  if (input.Threshold === undefined && input.ThresholdMetricId === undefined)
    throw errors.missingParameter('Threshold');
}

export function cloudWatchService(modelFor: (ctx: RequestContext) => CloudWatchModel): ServiceDefinition {
  return {
    signingName: 'monitoring',
    operations: {
      DescribeAlarms(input: OperationInput, ctx) {
        const names: string[] = input.AlarmNames ?? [];
        const maxRecords = maxRecordsOf(input, 50);
        const types = alarmTypesOf(input);
        // Metric alarms first, then composites: one list, paged as one.
        const alarms = modelFor(ctx)
          .all()
          .filter((a) => types.includes(typeOf(a)))
          .filter((a) => names.length === 0 || names.includes(a.name))
          .filter((a) => input.AlarmNamePrefix === undefined || a.name.startsWith(input.AlarmNamePrefix))
          .filter((a) => input.StateValue === undefined || a.state === input.StateValue)
          .sort((a, b) => Number(Boolean(a.composite)) - Number(Boolean(b.composite)));
        const page = paginate(alarms, input.NextToken, maxRecords, errors.invalidNextToken);
        return {
          MetricAlarms: page.items.filter((a) => !a.composite).map(alarmView),
          CompositeAlarms: page.items.filter((a) => a.composite).map(alarmView),
          NextToken: page.nextToken,
        };
      },

      // The alarm's history, newest first unless ScanBy says otherwise. An unknown alarm has none (AWS
      // keeps a deleted alarm's history, so a name is never refused). [I] A StartDate after EndDate
      // matches nothing rather than being refused.
      DescribeAlarmHistory(input: OperationInput, ctx) {
        const maxRecords = maxRecordsOf(input, HISTORY_PAGE);
        const type = input.HistoryItemType as HistoryItemType | undefined;
        if (type !== undefined && !HISTORY_ITEM_TYPES.includes(type)) {
          throw errors.invalidParameterValue(`Invalid value for HistoryItemType: ${String(type)}`);
        }
        const scanBy: string = input.ScanBy ?? 'TimestampDescending';
        if (!SCAN_BY.includes(scanBy)) {
          throw errors.invalidParameterValue(`Invalid value for ScanBy: ${scanBy}`);
        }
        const types = alarmTypesOf(input);
        const items = modelFor(ctx)
          .alarmHistory({
            ...(input.AlarmName !== undefined ? { alarmName: input.AlarmName as string } : {}),
            ...(type !== undefined ? { type } : {}),
            ...(input.StartDate !== undefined ? { start: input.StartDate as Date } : {}),
            ...(input.EndDate !== undefined ? { end: input.EndDate as Date } : {}),
            ascending: scanBy === 'TimestampAscending',
          })
          .filter((item) => types.includes(item.alarmType));
        const page = paginate(items, input.NextToken, maxRecords, errors.invalidNextToken);
        return { AlarmHistoryItems: page.items.map(historyItemView), NextToken: page.nextToken };
      },

      SetAlarmState(input: OperationInput, ctx) {
        if (!input.AlarmName) throw errors.missingParameter('AlarmName');
        if (!input.StateValue) throw errors.missingParameter('StateValue');
        if (input.StateReason === undefined) throw errors.missingParameter('StateReason');
        // Request validation comes first, as on AWS: a bad value is refused whether the alarm exists or not.
        if (!ALARM_STATES.includes(input.StateValue))
          throw errors.invalidStateValue(String(input.StateValue));
        modelFor(ctx).setAlarmState(
          input.AlarmName,
          input.StateValue as AlarmState,
          input.StateReason,
          input.StateReasonData,
        );
        return {};
      },

      PutMetricAlarm(input: OperationInput, ctx) {
        if (!input.AlarmName) throw errors.missingParameter('AlarmName');
        if (input.EvaluationPeriods === undefined) throw errors.missingParameter('EvaluationPeriods');
        if (!input.ComparisonOperator) throw errors.missingParameter('ComparisonOperator');
        if (input.EvaluationPeriods < 1)
          throw errors.invalidParameterValue('EvaluationPeriods must be greater than or equal to 1.');
        if (
          input.DatapointsToAlarm !== undefined &&
          (input.DatapointsToAlarm < 1 || input.DatapointsToAlarm > input.EvaluationPeriods)
        )
          throw errors.validationError('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
        checkAlarmMetric(input);
        const definition: Record<string, unknown> = {};
        for (const member of DEFINITION_MEMBERS)
          if (input[member] !== undefined) definition[member] = input[member];
        modelFor(ctx).putMetricAlarm(input.AlarmName, definition, input.AlarmDescription);
        return {};
      },

      PutCompositeAlarm(input: OperationInput, ctx) {
        if (!input.AlarmName) throw errors.missingParameter('AlarmName');
        if (!input.AlarmRule) throw errors.missingParameter('AlarmRule');
        const definition: Record<string, unknown> = {};
        for (const member of COMPOSITE_MEMBERS)
          if (input[member] !== undefined) definition[member] = input[member];
        modelFor(ctx).putCompositeAlarm(input.AlarmName, input.AlarmRule, definition, input.AlarmDescription);
        return {};
      },

      DeleteAlarms(input: OperationInput, ctx) {
        if (!input.AlarmNames) throw errors.missingParameter('AlarmNames');
        modelFor(ctx).deleteAlarms(input.AlarmNames);
        return {};
      },

      ...metricOperations(modelFor),
    },
  };
}
