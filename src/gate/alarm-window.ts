import type { Evidence, RuleResult } from '../verify/rules.js';
import type { GateProblem } from './checks.js';

// The gate's judgement of its alarms over the whole bake, not only at each look: CloudWatch's alarm
// history (every change of state since the bake began) and the state now are laid end to end into
// one timeline per alarm, and any moment of it in ALARM fails the gate — an alarm that went OK →
// ALARM → OK between two looks included. INSUFFICIENT_DATA is not passing unless the environment's
// `gate.insufficientData` says `pass`: an alarm without data cannot say the bake was good.
//
// --ignore-alarms keeps its meaning: a named alarm that was not OK as the bake began is let through
// until the first moment it is OK; from then on it is judged like any other. Pure: facts in, a
// judgement out (the facts come from alarm-history.ts).

export type InsufficientDataPolicy = 'fail' | 'pass';

/** One change of an alarm's state: a StateUpdate item of its history. */
export interface AlarmChange {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly from: string;
  readonly fromReason?: string;
  readonly to: string;
  readonly reason?: string;
}

/** What CloudWatch says of one watched alarm over the bake. */
export interface AlarmWatch {
  readonly name: string;
  /** The state now; absent when CloudWatch does not know the alarm. */
  readonly state?: string;
  readonly reason?: string;
  /** StateUpdatedTimestamp (epoch ms): the last change of its state or reason. */
  readonly updatedAt?: number;
  /** StateTransitionedTimestamp (epoch ms): the last change of its state, when CloudWatch gives it. */
  readonly transitionedAt?: number;
  /**
   * Its StateUpdate history since the bake began, oldest first. Read only when `updatedAt` says
   * something changed since then; empty otherwise.
   */
  readonly changes: readonly AlarmChange[];
  /** The history had more items than the gate reads (MAX_HISTORY_ITEMS in alarm-history.ts). */
  readonly truncated?: boolean;
}

export interface AlarmWindow {
  /** When the bake began (epoch ms): the history's StartDate. */
  readonly since: number;
  /** When the history was read up to (epoch ms): its EndDate. */
  readonly until: number;
  readonly alarms: readonly AlarmWatch[];
}

export interface AlarmPolicy {
  readonly insufficientData: InsufficientDataPolicy;
  /** The group's ignorePollAlarmFailure: an alarm CloudWatch does not know is let through. */
  readonly ignoreMissing: boolean;
}

export interface AlarmJudgement {
  /** The `alarms` rule of this look, for the reports. */
  readonly rule: RuleResult;
  readonly problems: readonly GateProblem[];
  /** Alarms --ignore-alarms let through in this look. */
  readonly excused: readonly string[];
  /** Alarms still excused: not OK at any moment since the bake began. */
  readonly escaped: ReadonlySet<string>;
}

/** One stretch of an alarm's timeline: the state it was in from `at` (the bake's start, or a change). */
interface Stretch {
  readonly state: string;
  readonly reason?: string;
  /** Absent: the stretch began before the bake and was running as it began. */
  readonly at?: number;
}

/**
 * The alarm's state as the bake began: what its first change since then left, or, without one, its
 * state now. Undefined when CloudWatch does not know it, or when its state changed during the bake
 * but its history does not say from what.
 */
export function stateAtStart(alarm: AlarmWatch, since: number): string | undefined {
  const first = alarm.changes[0];
  if (first) return first.from;
  return unexplained(alarm, since) ? undefined : alarm.state;
}

/**
 * The --ignore-alarms names whose alarm was not OK as the bake began. Only these are excused, and only
 * until they are OK: the escape is for an alarm that was already firing, not a licence to ignore it.
 */
export function escapedAtStart(window: AlarmWindow, ignore: readonly string[]): Set<string> {
  const names = new Set(ignore);
  return new Set(
    window.alarms
      .filter((a) => names.has(a.name))
      .filter((a) => {
        const state = stateAtStart(a, window.since);
        return state !== undefined && state !== 'OK';
      })
      .map((a) => a.name),
  );
}

/**
 * The state changed during the bake (StateTransitionedTimestamp says so) but the history read holds no
 * change that leads to the state now, at or after that moment: CloudWatch's history lags behind, and
 * what the alarm was before is unknown.
 */
function unexplained(alarm: AlarmWatch, since: number): boolean {
  if (alarm.state === undefined || alarm.transitionedAt === undefined || alarm.transitionedAt < since)
    return false;
  const last = alarm.changes[alarm.changes.length - 1];
  return !last || last.to !== alarm.state || last.at < alarm.transitionedAt - TIMESTAMP_SLACK_MS;
}

/**
 * How far a history item's Timestamp may precede the StateTransitionedTimestamp of the same change.
 * CloudWatch stamps both from one state update; a second of slack keeps a rounding difference from
 * reading as a gap.
 */
const TIMESTAMP_SLACK_MS = 1_000;

function timeline(alarm: AlarmWatch): Stretch[] {
  const first = alarm.changes[0];
  const stretches: Stretch[] = [
    first
      ? { state: first.from, ...(first.fromReason !== undefined ? { reason: first.fromReason } : {}) }
      : { state: alarm.state ?? '?', ...(alarm.reason !== undefined ? { reason: alarm.reason } : {}) },
  ];
  for (const c of alarm.changes)
    stretches.push({ state: c.to, at: c.at, ...(c.reason !== undefined ? { reason: c.reason } : {}) });
  return stretches;
}

export function judgeAlarms(
  window: AlarmWindow,
  escaped: ReadonlySet<string>,
  policy: AlarmPolicy,
): AlarmJudgement {
  const evidence: Evidence[] = [];
  const problems: GateProblem[] = [];
  const excused: string[] = [];
  const still = new Set<string>();
  for (const alarm of window.alarms) {
    if (alarm.state === undefined) {
      const detail = `alarm ${alarm.name} does not exist in CloudWatch${policy.ignoreMissing ? ' (ignorePollAlarmFailure)' : ''}`;
      evidence.push({ verdict: policy.ignoreMissing ? 'pass' : 'fail', detail });
      if (!policy.ignoreMissing) problems.push({ kind: 'alarm', subject: alarm.name, detail });
      continue;
    }
    let stretches = timeline(alarm);
    if (escaped.has(alarm.name)) {
      // Excused until its first moment in OK; judged from then on.
      const ok = stretches.findIndex((s) => s.state === 'OK');
      if (ok < 0 && alarm.state !== 'OK') {
        still.add(alarm.name);
        excused.push(alarm.name);
        continue;
      }
      stretches = ok < 0 ? [] : stretches.slice(ok);
    }
    const verdict = judgeTimeline(alarm, stretches, window, policy);
    evidence.push({ verdict: verdict.bad ? 'fail' : 'pass', detail: verdict.detail });
    if (verdict.bad) problems.push({ kind: 'alarm', subject: alarm.name, detail: verdict.detail });
  }
  const watched = window.alarms.filter((a) => !still.has(a.name)).map((a) => a.name);
  const badStates = policy.insufficientData === 'fail' ? 'ALARM or INSUFFICIENT_DATA' : 'ALARM';
  const failed = evidence.filter((e) => e.verdict === 'fail');
  const rule: RuleResult =
    window.alarms.length === 0
      ? {
          rule: 'alarms',
          verdict: 'skip',
          summary: 'neither the deployment group nor gate.alarms names an alarm',
          evidence: [],
        }
      : {
          rule: 'alarms',
          verdict: failed.length > 0 ? 'fail' : 'pass',
          summary:
            failed.length > 0
              ? failed.map((e) => e.detail).join('; ')
              : watched.length > 0
                ? `no alarm in ${badStates} since the bake began (${watched.join(', ')})`
                : `every alarm is let through by --ignore-alarms (${excused.join(', ')})`,
          evidence,
        };
  return { rule, problems, excused, escaped: still };
}

function judgeTimeline(
  alarm: AlarmWatch,
  stretches: readonly Stretch[],
  window: AlarmWindow,
  policy: AlarmPolicy,
): { bad: boolean; detail: string } {
  const name = alarm.name;
  const now = alarm.state ?? '?';
  const alarmed = stretches.filter((s) => s.state === 'ALARM');
  const noData = stretches.filter((s) => s.state === 'INSUFFICIENT_DATA');
  const badNoData = policy.insufficientData === 'fail' ? noData : [];
  const first = alarmed[0] ?? badNoData[0];
  if (first) {
    const times = (alarmed.length > 0 ? alarmed : badNoData).length;
    const again = times > 1 ? ` (${times} times since the bake began)` : '';
    const reason = first.reason ? `: ${first.reason}` : '';
    const hint =
      alarmed.length === 0
        ? ' — without data CloudWatch cannot say the bake was good (gate.insufficientData: pass lets it through)'
        : '';
    if (first.at === undefined && stretches.length === 1)
      return { bad: true, detail: `alarm ${name} is ${now}${reason}${hint}` };
    if (first === stretches[stretches.length - 1] && first.state === now && first.at !== undefined) {
      const since = `since ${iso(first.at)}, ${seconds(first.at - window.since)} into the bake`;
      return { bad: true, detail: `alarm ${name} is ${now}${reason} (${since})${hint}` };
    }
    const when =
      first.at === undefined
        ? `was ${first.state} as the bake began`
        : `went to ${first.state} at ${iso(first.at)}, ${seconds(first.at - window.since)} into the bake`;
    return { bad: true, detail: `alarm ${name} ${when}${again}${reason}; it is ${now} now${hint}` };
  }
  if (alarm.truncated) {
    return {
      bad: true,
      detail: `alarm ${name} changed state more often since the bake began than the gate reads of its history; it cannot tell that it was never in ALARM`,
    };
  }
  if (unexplained(alarm, window.since)) {
    const at = alarm.transitionedAt ?? window.since;
    return {
      bad: true,
      detail: `alarm ${name} became ${now} at ${iso(at)}, ${seconds(at - window.since)} into the bake, and CloudWatch's alarm history does not say from what: the gate cannot tell that it was never in ALARM`,
    };
  }
  const quiet =
    noData.length > 0
      ? ` (INSUFFICIENT_DATA during the bake, let through by gate.insufficientData: pass)`
      : '';
  return { bad: false, detail: `alarm ${name} is ${now}${quiet}` };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `0.4s`, `75s`: how far into the bake. */
function seconds(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`;
}
