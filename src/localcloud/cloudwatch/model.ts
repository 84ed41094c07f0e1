// CloudWatch state: metric alarms and their state. Implements CloudWatchPort. Alarms change state only
// when told to (SetAlarmState, PutMetricAlarm); there are no metrics behind them.
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

export interface CloudWatchModelDeps {
  readonly region: string;
  readonly accountId: string;
  readonly scheduler: Scheduler;
}

export class CloudWatchModel implements CloudWatchPort {
  private readonly alarms = new Map<string, AlarmRecord>();
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
      existing.definition = definition;
      existing.description = description;
      existing.configurationUpdatedTimestamp = now;
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
    const changed = alarm.state !== state;
    alarm.state = state;
    alarm.stateReason = reason;
    alarm.stateReasonData = reasonData;
    alarm.stateUpdatedTimestamp = now;
    if (changed) {
      alarm.stateTransitionedTimestamp = now;
      for (const listener of this.listeners) listener(name, state);
    }
  }

  /** A copy of an alarm as it is now, for restoreAlarm. */
  snapshotAlarm(name: string): AlarmRecord | undefined {
    const alarm = this.alarms.get(name);
    return alarm ? { ...alarm } : undefined;
  }

  /** Puts an alarm back as snapshotAlarm saw it (absent, if it was): a world that failed takes its alarms back. */
  restoreAlarm(name: string, snapshot: AlarmRecord | undefined): void {
    const current = this.alarms.get(name);
    if (!snapshot) {
      this.alarms.delete(name);
      return;
    }
    this.alarms.set(name, { ...snapshot });
    // Whoever watches the alarm saw it change; it sees it change back.
    if (current && current.state !== snapshot.state)
      for (const listener of this.listeners) listener(name, snapshot.state);
  }

  deleteAlarms(names: readonly string[]): void {
    const missing = names.filter((name) => !this.alarms.has(name));
    if (missing.length > 0) throw errors.alarmsNotFound(missing);
    for (const name of names) this.alarms.delete(name);
  }
}
