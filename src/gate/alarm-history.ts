import {
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type AlarmType,
  type CloudWatchClient,
  type CompositeAlarm,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import type { AwsRead } from '../aws/patient-read.js';
import type { Clock } from '../clock.js';
import type { AlarmChange, AlarmWatch, AlarmWindow } from './alarm-window.js';

// What CloudWatch says of the watched alarms over the bake: DescribeAlarms for each alarm's state now
// and when it last changed, then, for each alarm whose state or reason changed since the bake began
// (StateUpdatedTimestamp), DescribeAlarmHistory's StateUpdate items from the bake's start to now.
// An alarm that flapped between two looks has left its trace there even though its state is back.
// The bake's start is the gate's own clock and CloudWatch stamps changes with AWS's: the two must
// agree (NTP) to well under a poll interval, or a change in the bake's first moments could fall
// before the history's StartDate.

/** Both kinds: a composite alarm is answered (and its history) only when asked for. */
const ALARM_TYPES: AlarmType[] = ['MetricAlarm', 'CompositeAlarm'];
/** DescribeAlarms takes at most 100 names. */
const NAMES_PER_CALL = 100;
/** DescribeAlarmHistory's largest page. */
const HISTORY_PAGE = 100;
/** The history read per alarm and look stops here; an alarm past it is judged as not passing. */
export const MAX_HISTORY_ITEMS = 2_000;

export interface AlarmReadDeps {
  readonly cloudwatch: CloudWatchClient;
  /** How each call is made: patient with throttling within the look's deadline, named when it fails. */
  readonly read: AwsRead;
  readonly clock: Clock;
}

export async function readAlarmWindow(
  deps: AlarmReadDeps,
  names: readonly string[],
  since: number,
): Promise<AlarmWindow> {
  const { cloudwatch, read, clock } = deps;
  const found = new Map<string, MetricAlarm | CompositeAlarm>();
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    const batch = names.slice(i, i + NAMES_PER_CALL);
    let token: string | undefined;
    do {
      const out = await read('DescribeAlarms', batch.join(', '), (abortSignal) =>
        cloudwatch.send(
          new DescribeAlarmsCommand({
            AlarmNames: batch,
            AlarmTypes: ALARM_TYPES,
            MaxRecords: 100,
            ...(token ? { NextToken: token } : {}),
          }),
          abortSignal ? { abortSignal } : {},
        ),
      );
      for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])])
        if (a.AlarmName) found.set(a.AlarmName, a);
      token = out.NextToken;
    } while (token);
  }
  // The history is read up to now, after the states: it holds every change the states can show.
  const until = clock.now();
  const alarms = await Promise.all(
    names.map(async (name): Promise<AlarmWatch> => {
      const a = found.get(name);
      if (!a?.StateValue) return { name, changes: [] };
      const updatedAt = a.StateUpdatedTimestamp?.getTime();
      const transitionedAt = a.StateTransitionedTimestamp?.getTime();
      const changedSince = [updatedAt, transitionedAt].some((t) => t !== undefined && t >= since);
      const history = changedSince
        ? await readChanges(cloudwatch, read, name, since, until)
        : { changes: [], truncated: false };
      return {
        name,
        state: a.StateValue,
        ...(a.StateReason !== undefined ? { reason: a.StateReason } : {}),
        ...(updatedAt !== undefined ? { updatedAt } : {}),
        ...(transitionedAt !== undefined ? { transitionedAt } : {}),
        changes: history.changes,
        ...(history.truncated ? { truncated: true } : {}),
      };
    }),
  );
  return { since, until, alarms };
}

/** The alarm's StateUpdate items between `since` and `until`, oldest first. */
async function readChanges(
  cloudwatch: CloudWatchClient,
  read: AwsRead,
  name: string,
  since: number,
  until: number,
): Promise<{ changes: AlarmChange[]; truncated: boolean }> {
  const changes: AlarmChange[] = [];
  let token: string | undefined;
  do {
    const out = await read('DescribeAlarmHistory', name, (abortSignal) =>
      cloudwatch.send(
        new DescribeAlarmHistoryCommand({
          AlarmName: name,
          HistoryItemType: 'StateUpdate',
          AlarmTypes: ALARM_TYPES,
          StartDate: new Date(since),
          EndDate: new Date(until),
          ScanBy: 'TimestampAscending',
          MaxRecords: HISTORY_PAGE,
          ...(token ? { NextToken: token } : {}),
        }),
        abortSignal ? { abortSignal } : {},
      ),
    );
    for (const item of out.AlarmHistoryItems ?? []) {
      const change = changeOf(item.Timestamp, item.HistoryData);
      if (change) changes.push(change);
    }
    token = out.NextToken;
  } while (token && changes.length < MAX_HISTORY_ITEMS);
  // Ascending order is asked for; sorting keeps the timeline right whatever order a page came in.
  changes.sort((a, b) => a.at - b.at);
  return { changes, truncated: token !== undefined };
}

interface StateData {
  readonly stateValue?: unknown;
  readonly stateReason?: unknown;
}

/**
 * A StateUpdate item's HistoryData: `{"version":"1.0","oldState":{"stateValue":"OK","stateReason":…},
 * "newState":{…}}`. An item whose data cannot be read is left out; the state now and its timestamps
 * still show that something changed (alarm-window.ts judges that gap).
 */
export function changeOf(timestamp: Date | undefined, data: string | undefined): AlarmChange | undefined {
  if (!timestamp || !data) return undefined;
  let parsed: { oldState?: StateData; newState?: StateData } | null;
  try {
    parsed = JSON.parse(data) as { oldState?: StateData; newState?: StateData } | null;
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const from = parsed.oldState?.stateValue;
  const to = parsed.newState?.stateValue;
  if (typeof from !== 'string' || typeof to !== 'string') return undefined;
  const fromReason = parsed.oldState?.stateReason;
  const reason = parsed.newState?.stateReason;
  return {
    at: timestamp.getTime(),
    from,
    ...(typeof fromReason === 'string' ? { fromReason } : {}),
    to,
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}
