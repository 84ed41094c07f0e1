// CloudWatch state: metrics, metric alarms, their state and their history. Implements CloudWatchPort.
//
// Metrics: a store of datapoints (metric-store.ts) that PutMetricData fills and that the local
// cloud's own services fill once a minute of AWS time (aws-metrics.ts: target health, listener
// traffic, instances, groups). Datapoints live on an AWS-time axis: on a manual clock that is the
// virtual time; on a scaled clock, AWS time runs `timeScale` times faster than the wall-clock
// timestamps the APIs speak, so times going in and out are converted (awsMs/wallMs); on an
// accelerated clock the timestamps are AWS time already.
//
// Alarms: an alarm with a metric (MetricName or Metrics) is evaluated on each AWS minute, after the
// minute's samples, over its last EvaluationPeriods periods (alarm-evaluator.ts), and changes state
// by itself; SetAlarmState holds only until that next evaluation, as on AWS. An alarm the world file
// declares is held: its state moves only when told to (SetAlarmState), as the world's alarms always
// have; an alarm whose comparison is an anomaly band is not evaluated either.
//
// Composite alarms (PutCompositeAlarm): a rule over other alarms' states (composite-rule.ts), evaluated
// when the composite is created or updated and whenever an alarm it names changes state: ALARM when
// the rule holds, OK when it does not. SetAlarmState holds until that next evaluation.
//
// History (DescribeAlarmHistory): as on AWS, an alarm's creation, update and deletion are
// ConfigurationUpdate items and each change of its StateValue a StateUpdate item, "Alarm updated from
// OK to ALARM", with the old and new state in HistoryData. [I] A SetAlarmState that leaves the value
// as it was (only the reason changes) records no item: AWS's history shows transitions. History
// outlives a deleted alarm, as AWS's does; it is forgotten on reset.
import { awsMsPerTimestampMs } from '../clock.js';
import type { AlarmState, CloudWatchPort, Scheduler } from '../ports.js';
import {
  evaluateAlarm,
  isEvaluableComparison,
  TREAT_MISSING_DATA,
  type AlarmRule,
  type PeriodValue,
  type TreatMissingData,
} from './alarm-evaluator.js';
import { sampleAwsMetrics, TrafficMeter, type ListenerRequest, type MetricSources } from './aws-metrics.js';
import { alarmsOf, AlarmRuleError, evaluateRule, parseAlarmRule, type RuleExpr } from './composite-rule.js';
import * as errors from './errors.js';
import { periodOf, runQueries, type MetricQuery } from './metric-queries.js';
import { MetricStore, statisticOf, type Dimension } from './metric-store.js';

const MINUTE_MS = 60_000;

export const ALARM_STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

export interface AlarmRecord {
  readonly name: string;
  readonly arn: string;
  description?: string;
  state: AlarmState;
  stateReason: string;
  stateReasonData?: string;
  stateUpdatedTimestamp: Date;
  stateTransitionedTimestamp: Date;
  configurationUpdatedTimestamp: Date;
  /** The metric definition as PutMetricAlarm gave it (member names of PutMetricAlarmInput). */
  definition: Record<string, unknown>;
  /** False for the world's alarms: their state moves only when told to. */
  evaluated: boolean;
  /**
   * A composite alarm's rule (its definition holds AlarmRule as given) and the names of the alarms it
   * names (ARNs resolved); absent for a metric alarm.
   */
  composite?: { readonly expr: RuleExpr; readonly alarms: readonly string[] };
}

export type AlarmType = 'MetricAlarm' | 'CompositeAlarm';

export const typeOf = (alarm: AlarmRecord): AlarmType => (alarm.composite ? 'CompositeAlarm' : 'MetricAlarm');

export type HistoryItemType = 'ConfigurationUpdate' | 'StateUpdate' | 'Action';

export interface AlarmHistoryRecord {
  readonly alarmName: string;
  readonly alarmType: AlarmType;
  readonly timestamp: Date;
  readonly type: HistoryItemType;
  readonly summary: string;
  /** A JSON document, AWS's HistoryData. */
  readonly data: string;
  /** Recording order: items of the same millisecond keep it. */
  readonly seq: number;
}

export interface AlarmHistoryQuery {
  readonly alarmName?: string;
  readonly type?: HistoryItemType;
  /** Inclusive. */
  readonly start?: Date;
  /** Inclusive. */
  readonly end?: Date;
  readonly ascending: boolean;
}

/** What snapshotAlarm saw, for restoreAlarm: the alarm (absent if it did not exist) and how much history there was. */
export interface AlarmSnapshot {
  readonly alarm?: AlarmRecord;
  /** The seq the next history item was to get. */
  readonly historySeq: number;
}

export interface CloudWatchModelDeps {
  readonly region: string;
  readonly accountId: string;
  readonly scheduler: Scheduler;
  /** The services whose metrics AWS publishes by itself; without them only PutMetricData's exist. */
  readonly sources?: MetricSources;
}

export class CloudWatchModel implements CloudWatchPort {
  private readonly alarms = new Map<string, AlarmRecord>();
  private readonly history: AlarmHistoryRecord[] = [];
  private nextSeq = 0;
  private readonly listeners: ((name: string, state: AlarmState) => void)[] = [];
  readonly metrics = new MetricStore();
  private readonly traffic = new TrafficMeter();
  /** Where the AWS-time axis meets the wall clock (scaled clocks; identity when timeScale is 1). */
  private readonly originMs: number;

  constructor(private readonly deps: CloudWatchModelDeps) {
    this.originMs = deps.scheduler.now().getTime();
    this.scheduleTick(Math.floor(this.awsNowMs() / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  }

  // --- Time ------------------------------------------------------------------------------------------

  /** Now on the AWS-time axis datapoints live on. */
  awsNowMs(): number {
    return this.awsMs(this.deps.scheduler.now().getTime());
  }

  /** A wall-clock instant (what the APIs speak) on the AWS-time axis. */
  awsMs(wallMs: number): number {
    return this.originMs + (wallMs - this.originMs) * awsMsPerTimestampMs(this.deps.scheduler);
  }

  /** An AWS-time instant as the wall-clock instant the APIs answer with. */
  wallMs(awsMs: number): number {
    return this.originMs + (awsMs - this.originMs) / awsMsPerTimestampMs(this.deps.scheduler);
  }

  /** Every AWS minute: the minute's own metrics, then every evaluated alarm. */
  private scheduleTick(dueAwsMs: number): void {
    this.deps.scheduler.after(Math.max(0, dueAwsMs - this.awsNowMs()), () => {
      if (this.deps.sources)
        sampleAwsMetrics(this.metrics, this.deps.sources, this.traffic, dueAwsMs - MINUTE_MS);
      this.evaluateAlarms(dueAwsMs);
      this.scheduleTick(dueAwsMs + MINUTE_MS);
    });
  }

  /** A request a listener proxy answered (RequestCount, HTTPCode_*, TargetResponseTime). */
  recordListenerRequest(request: ListenerRequest): void {
    this.traffic.record(request);
  }

  // --- Alarms ----------------------------------------------------------------------------------------

  alarmState(name: string): AlarmState | undefined {
    return this.alarms.get(name)?.state;
  }

  onAlarmStateChange(listener: (name: string, state: AlarmState) => void): void {
    this.listeners.push(listener);
  }

  all(): AlarmRecord[] {
    return [...this.alarms.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Creates or replaces an alarm. `held` (the world's alarms): never evaluated, its state moves only
   * when told to.
   */
  putMetricAlarm(
    name: string,
    definition: Record<string, unknown>,
    description?: string,
    options: { held?: boolean } = {},
  ): AlarmRecord {
    const existing = this.alarms.get(name);
    if (existing?.composite)
      throw errors.validationError(
        `The alarm ${name} is a composite alarm; a metric alarm cannot take its name.`,
      );
    const evaluated = !options.held && ruleOf(definition) !== undefined;
    return this.store(name, { definition, description, evaluated });
  }

  /** Creates an alarm, or replaces the configuration of one, recording either in its history. */
  private store(
    name: string,
    fields: Pick<AlarmRecord, 'definition' | 'description' | 'evaluated' | 'composite'>,
  ): AlarmRecord {
    const now = this.deps.scheduler.now();
    const { definition, description, evaluated, composite } = fields;
    const existing = this.alarms.get(name);
    if (existing) {
      const before = configurationOf(existing);
      existing.definition = definition;
      existing.description = description;
      existing.evaluated = evaluated;
      if (composite) existing.composite = composite;
      existing.configurationUpdatedTimestamp = now;
      this.record(name, now, 'ConfigurationUpdate', `Alarm "${name}" updated`, {
        version: '1.0',
        type: 'Update',
        originalUpdatedAlarm: before,
        updatedAlarm: configurationOf(existing),
      });
      return existing;
    }
    const alarm: AlarmRecord = {
      name,
      arn: `arn:aws:cloudwatch:${this.deps.region}:${this.deps.accountId}:alarm:${name}`,
      ...(description !== undefined ? { description } : {}),
      state: 'INSUFFICIENT_DATA',
      stateReason: 'Unchecked: Initial alarm creation',
      stateUpdatedTimestamp: now,
      stateTransitionedTimestamp: now,
      configurationUpdatedTimestamp: now,
      definition,
      evaluated,
      ...(composite ? { composite } : {}),
    };
    this.alarms.set(name, alarm);
    this.record(name, now, 'ConfigurationUpdate', `Alarm "${name}" created`, {
      version: '1.0',
      type: 'Create',
      createdAlarm: configurationOf(alarm),
    });
    return alarm;
  }

  /**
   * Creates or replaces a composite alarm, then evaluates it. Its rule must parse and name only alarms
   * that exist ([I] AWS refuses a rule naming an alarm it does not know; a composite may not name
   * itself).
   */
  putCompositeAlarm(
    name: string,
    rule: string,
    definition: Record<string, unknown>,
    description?: string,
  ): AlarmRecord {
    let expr: RuleExpr;
    try {
      expr = parseAlarmRule(rule);
    } catch (error) {
      if (error instanceof AlarmRuleError)
        throw errors.validationError(`Error in alarm rule: ${error.message}.`);
      throw error;
    }
    const refs = alarmsOf(expr);
    const unknown = refs.filter((ref) => {
      const found = this.alarms.get(this.nameOf(ref));
      return !found || found.name === name;
    });
    if (unknown.length > 0)
      throw errors.validationError(
        `Could not save the composite alarm as alarms [${unknown.join(', ')}] in the alarm rule do not exist`,
      );
    const existing = this.alarms.get(name);
    if (existing && !existing.composite)
      throw errors.validationError(
        `The alarm ${name} is a metric alarm; a composite alarm cannot take its name.`,
      );
    const alarm = this.store(name, {
      definition,
      description,
      evaluated: false,
      composite: { expr, alarms: [...new Set(refs.map((ref) => this.nameOf(ref)))] },
    });
    this.evaluateComposite(alarm, existing ? 'the alarm rule was updated' : 'the alarm was created');
    return alarm;
  }

  /** A rule names an alarm by name or by ARN (`arn:aws:cloudwatch:<region>:<account>:alarm:<name>`). */
  private nameOf(ref: string): string {
    return /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(ref)?.[1] ?? ref;
  }

  /** Sets a composite's state from its rule, when that differs from the state it is in. */
  private evaluateComposite(alarm: AlarmRecord, why: string, depth = 0): void {
    if (!alarm.composite || depth > 10) return;
    const holds = evaluateRule(alarm.composite.expr, (ref) => this.alarms.get(this.nameOf(ref))?.state);
    const state: AlarmState = holds ? 'ALARM' : 'OK';
    if (state === alarm.state) return;
    const at = this.deps.scheduler.now().toISOString();
    this.transition(
      alarm,
      state,
      `${why} at ${at}: the alarm rule is ${holds ? 'true' : 'false'}`,
      undefined,
      depth + 1,
    );
  }

  setAlarmState(name: string, state: AlarmState, reason: string, reasonData?: string): void {
    const alarm = this.alarms.get(name);
    if (!alarm) throw errors.alarmNotFound(name);
    if (!ALARM_STATES.includes(state)) throw errors.invalidStateValue(String(state));
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw errors.invalidParameterValue('StateReasonData must be valid JSON');
      }
    }
    this.transition(alarm, state, reason, reasonData);
  }

  private transition(
    alarm: AlarmRecord,
    state: AlarmState,
    reason: string,
    reasonData?: string,
    depth = 0,
  ): void {
    const name = alarm.name;
    const now = this.deps.scheduler.now();
    const from = alarm.state;
    const changed = from !== state;
    const old = stateOf(alarm);
    alarm.state = state;
    alarm.stateReason = reason;
    alarm.stateReasonData = reasonData;
    alarm.stateUpdatedTimestamp = now;
    if (changed) {
      alarm.stateTransitionedTimestamp = now;
      this.record(name, now, 'StateUpdate', `Alarm updated from ${from} to ${state}`, {
        version: '1.0',
        oldState: old,
        newState: stateOf(alarm),
      });
      for (const listener of this.listeners) listener(name, state);
      // The composites that name this alarm look again.
      for (const other of this.alarms.values()) {
        if (other === alarm || !other.composite) continue;
        if (other.composite.alarms.includes(name))
          this.evaluateComposite(other, `${alarm.arn} transitioned to ${state}`, depth);
      }
    }
  }

  /** A copy of an alarm as it is now, and where its history stands, for restoreAlarm. */
  snapshotAlarm(name: string): AlarmSnapshot {
    const alarm = this.alarms.get(name);
    return { ...(alarm ? { alarm: { ...alarm } } : {}), historySeq: this.nextSeq };
  }

  /**
   * Puts an alarm back as snapshotAlarm saw it (absent, if it was), and forgets the history recorded
   * for it since: a world that failed takes its alarms back without a trace.
   */
  restoreAlarm(name: string, snapshot: AlarmSnapshot): void {
    const kept = this.history.filter((h) => h.seq < snapshot.historySeq || h.alarmName !== name);
    this.history.splice(0, this.history.length, ...kept);
    const current = this.alarms.get(name);
    if (!snapshot.alarm) {
      this.alarms.delete(name);
      return;
    }
    this.alarms.set(name, { ...snapshot.alarm });
    const restored = snapshot.alarm;
    // Whoever watches the alarm saw it change; it sees it change back.
    if (current && current.state !== restored.state)
      for (const listener of this.listeners) listener(name, restored.state);
  }

  /** Deletes the alarms that exist; as on AWS, a name that matches none is passed over without an error. */
  deleteAlarms(names: readonly string[]): void {
    const now = this.deps.scheduler.now();
    for (const name of names) {
      const alarm = this.alarms.get(name);
      if (alarm) {
        this.record(name, now, 'ConfigurationUpdate', `Alarm "${name}" deleted`, {
          version: '1.0',
          type: 'Delete',
          deletedAlarm: configurationOf(alarm),
        });
      }
      this.alarms.delete(name);
    }
  }

  /** Evaluates every evaluated alarm at the AWS instant `awsMs` (a minute boundary). */
  private evaluateAlarms(awsMs: number): void {
    for (const alarm of this.all()) {
      if (!alarm.evaluated) continue;
      const rule = ruleOf(alarm.definition);
      if (!rule) continue;
      let periods: PeriodValue[];
      try {
        periods = this.periodValues(alarm.definition, rule, awsMs);
      } catch {
        continue; // [I] A metric math error found only now leaves the state as it is.
      }
      const result = evaluateAlarm(rule, periods, alarm.state, new Date(this.wallMs(awsMs)));
      if (result && result.state !== alarm.state)
        this.transition(alarm, result.state, result.reason, result.reasonData);
    }
  }

  /** The alarm's last N complete periods before `awsMs`, each with its value (absent when missing), timestamps on the wall clock. */
  private periodValues(definition: Record<string, unknown>, rule: AlarmRule, awsMs: number): PeriodValue[] {
    const periodMs = rule.periodSeconds * 1000;
    const end = Math.floor(awsMs / periodMs) * periodMs;
    const start = end - rule.evaluationPeriods * periodMs;
    const byStart = new Map<number, number>();
    if (Array.isArray(definition.Metrics)) {
      const results = runQueries(this.metrics, definition.Metrics as MetricQuery[], start, end);
      const returned = results.find((r) => r.returnData) ?? results[0];
      for (const [t, v] of returned?.values ?? []) byStart.set(t, v);
    } else {
      const stat = (definition.Statistic ?? definition.ExtendedStatistic) as string;
      const buckets = this.metrics.buckets(
        {
          namespace: definition.Namespace as string,
          metricName: definition.MetricName as string,
          dimensions: (definition.Dimensions ?? []) as Dimension[],
        },
        start,
        end,
        rule.periodSeconds,
        definition.Unit as string | undefined,
      );
      for (const bucket of buckets) {
        const v = statisticOf(bucket, stat);
        if (v !== undefined) byStart.set(bucket.timestampMs, v);
      }
    }
    const periods: PeriodValue[] = [];
    for (let t = start; t < end; t += periodMs) {
      const value = byStart.get(t);
      periods.push({ timestampMs: this.wallMs(t), ...(value !== undefined ? { value } : {}) });
    }
    return periods;
  }

  /** History items that match, newest first unless `ascending` (items of one millisecond in recording order). */
  alarmHistory(query: AlarmHistoryQuery): AlarmHistoryRecord[] {
    const matching = this.history.filter(
      (h) =>
        (query.alarmName === undefined || h.alarmName === query.alarmName) &&
        (query.type === undefined || h.type === query.type) &&
        (query.start === undefined || h.timestamp.getTime() >= query.start.getTime()) &&
        (query.end === undefined || h.timestamp.getTime() <= query.end.getTime()),
    );
    const order = (a: AlarmHistoryRecord, b: AlarmHistoryRecord) =>
      a.timestamp.getTime() - b.timestamp.getTime() || a.seq - b.seq;
    return matching.sort((a, b) => (query.ascending ? order(a, b) : order(b, a)));
  }

  private record(
    alarmName: string,
    timestamp: Date,
    type: HistoryItemType,
    summary: string,
    data: Record<string, unknown>,
  ): void {
    const alarm = this.alarms.get(alarmName);
    this.history.push({
      alarmName,
      alarmType: alarm ? typeOf(alarm) : 'MetricAlarm',
      timestamp,
      type,
      summary,
      data: JSON.stringify(data),
      seq: this.nextSeq++,
    });
  }
}

/** HistoryData's oldState/newState: the value, the reason, and the reason data as an object. */
function stateOf(alarm: AlarmRecord): Record<string, unknown> {
  return {
    stateValue: alarm.state,
    stateReason: alarm.stateReason,
    ...(alarm.stateReasonData !== undefined
      ? { stateReasonData: JSON.parse(alarm.stateReasonData) as unknown }
      : {}),
  };
}

/** HistoryData's createdAlarm/updatedAlarm/deletedAlarm: the alarm's configuration in lowerCamel names. */
function configurationOf(alarm: AlarmRecord): Record<string, unknown> {
  const definition = Object.fromEntries(
    Object.entries(alarm.definition).map(([key, value]) => [
      key.charAt(0).toLowerCase() + key.slice(1),
      value,
    ]),
  );
  return {
    alarmName: alarm.name,
    alarmArn: alarm.arn,
    ...(alarm.description !== undefined ? { alarmDescription: alarm.description } : {}),
    ...definition,
  };
}

/**
 * What the evaluator needs of an alarm's definition; undefined when it cannot be evaluated (no
 * metric, no threshold, or an anomaly-band comparison).
 */
export function ruleOf(definition: Record<string, unknown>): AlarmRule | undefined {
  const comparison = definition.ComparisonOperator as string | undefined;
  const threshold = definition.Threshold as number | undefined;
  if (!comparison || !isEvaluableComparison(comparison) || typeof threshold !== 'number') return undefined;
  const metrics = definition.Metrics as MetricQuery[] | undefined;
  const single = typeof definition.MetricName === 'string' && typeof definition.Namespace === 'string';
  if (!single && !(Array.isArray(metrics) && metrics.length > 0)) return undefined;
  const periodSeconds = single ? (definition.Period as number | undefined) : periodOf(metrics ?? []);
  const statistic = (definition.Statistic ?? definition.ExtendedStatistic) as string | undefined;
  if (!periodSeconds || (single && !statistic)) return undefined;
  const evaluationPeriods = (definition.EvaluationPeriods as number | undefined) ?? 1;
  const treat = definition.TreatMissingData as string | undefined;
  return {
    comparison,
    threshold,
    evaluationPeriods,
    datapointsToAlarm: (definition.DatapointsToAlarm as number | undefined) ?? evaluationPeriods,
    treatMissingData: TREAT_MISSING_DATA.includes(treat as TreatMissingData)
      ? (treat as TreatMissingData)
      : 'missing',
    periodSeconds,
    ...(single && statistic ? { statistic } : {}),
  };
}
