// CloudWatch state: metric alarms, their state and their history. Implements CloudWatchPort. Alarms
// change state only when told to (SetAlarmState, PutMetricAlarm); there are no metrics behind them.
//
// History (DescribeAlarmHistory): as on AWS, an alarm's creation, update and deletion are
// ConfigurationUpdate items and each change of its StateValue a StateUpdate item, "Alarm updated from
// OK to ALARM", with the old and new state in HistoryData. [I] A SetAlarmState that leaves the value
// as it was (only the reason changes) records no item: AWS's history shows transitions. History
// outlives a deleted alarm, as AWS's does; it is forgotten on reset.
import type { AlarmState, CloudWatchPort, Scheduler } from '../ports.js';
import * as errors from './errors.js';

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
}

export type HistoryItemType = 'ConfigurationUpdate' | 'StateUpdate' | 'Action';

export interface AlarmHistoryRecord {
  readonly alarmName: string;
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
}

export class CloudWatchModel implements CloudWatchPort {
  private readonly alarms = new Map<string, AlarmRecord>();
  private readonly history: AlarmHistoryRecord[] = [];
  private nextSeq = 0;
  private readonly listeners: ((name: string, state: AlarmState) => void)[] = [];

  constructor(private readonly deps: CloudWatchModelDeps) {}

  alarmState(name: string): AlarmState | undefined {
    return this.alarms.get(name)?.state;
  }

  onAlarmStateChange(listener: (name: string, state: AlarmState) => void): void {
    this.listeners.push(listener);
  }

  all(): AlarmRecord[] {
    return [...this.alarms.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  putMetricAlarm(name: string, definition: Record<string, unknown>, description?: string): AlarmRecord {
    const now = this.deps.scheduler.now();
    const existing = this.alarms.get(name);
    if (existing) {
      const before = configurationOf(existing);
      existing.definition = definition;
      existing.description = description;
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
    };
    this.alarms.set(name, alarm);
    this.record(name, now, 'ConfigurationUpdate', `Alarm "${name}" created`, {
      version: '1.0',
      type: 'Create',
      createdAlarm: configurationOf(alarm),
    });
    return alarm;
  }

  setAlarmState(name: string, state: AlarmState, reason: string, reasonData?: string): void {
    const alarm = this.alarms.get(name);
    if (!alarm) throw errors.alarmNotFound(name);
    if (!ALARM_STATES.includes(state)) {
      throw errors.invalidParameterValue(`Invalid value for StateValue: ${String(state)}`);
    }
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw errors.invalidParameterValue('StateReasonData must be valid JSON');
      }
    }
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

  deleteAlarms(names: readonly string[]): void {
    const missing = names.filter((name) => !this.alarms.has(name));
    if (missing.length > 0) throw errors.alarmsNotFound(missing);
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
    this.history.push({
      alarmName,
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
