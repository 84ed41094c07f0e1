import type { Facts, LifecycleEventFact, TargetFact } from './facts.js';

// The deployment in time, as CodeDeploy tells it: its create, start and complete times, and per
// instance (one lane each) its lifecycle events with the agent's start and end times
// (BatchGetDeploymentTargets' instanceTarget.lifecycleEvents). Two moments CodeDeploy gives no time
// of its own are derived from those events and said so:
// - the traffic switch: the green fleet's AllowTraffic events, from the first to start to the last
//   to end (the load balancer registers green; blue's BlockTraffic follows);
// - the blue termination wait: CodeDeploy only says it began (`instanceTerminationWaitTimeStarted`);
//   it begins once the last replaced instance finished its events (AfterBlockTraffic) and ends when
//   the blue instances are terminated, which is when the deployment completes.
// Pure: facts in, a timeline out.

/** Which fleet a lane belongs to: CodeDeploy's instance label, or the automatic deployment that installed it. */
export type LaneKind = 'green' | 'blue' | 'scale-out' | 'in-place';

export interface TimelineEvent {
  readonly name: string;
  readonly status: string;
  readonly startTime?: string;
  readonly endTime?: string;
}

export interface TimelineLane {
  readonly instanceId: string;
  readonly lane: LaneKind;
  /** The deployment these events are of (a scale-out lane's is the automatic deployment's). */
  readonly deploymentId: string;
  /** The target's status in that deployment. */
  readonly targetStatus: string;
  readonly events: readonly TimelineEvent[];
}

export interface Timeline {
  readonly createTime?: string;
  readonly startTime?: string;
  readonly completeTime?: string;
  readonly lanes: readonly TimelineLane[];
  /** The green fleet's AllowTraffic events, first start to last end; `end` absent while one still runs. */
  readonly trafficSwitch?: { readonly start: string; readonly end?: string };
  /**
   * The wait before the blue instances are terminated (terminateBlue TERMINATE), once CodeDeploy
   * says it started. `start` absent when the replaced instances' events were not read; `end` absent
   * while it lasts; `plannedEnd` is `start` plus the configured wait.
   */
  readonly terminationWait?: {
    readonly waitMinutes: number;
    readonly start?: string;
    readonly end?: string;
    readonly plannedEnd?: string;
  };
}

const LANE_ORDER: Record<LaneKind, number> = { green: 0, 'in-place': 1, 'scale-out': 2, blue: 3 };

export function timelineOf(facts: Facts): Timeline {
  const d = facts.deployment;
  const own = (t: TargetFact): TimelineLane => lane(t, laneOf(t), d.deploymentId);
  const seen = new Set<string>();
  const lanes: TimelineLane[] = [];
  const add = (l: TimelineLane) => {
    if (seen.has(l.instanceId)) return;
    seen.add(l.instanceId);
    lanes.push(l);
  };
  for (const t of facts.serving) add(own(t));
  for (const t of facts.replacedTargets ?? []) add(own(t));
  for (const f of facts.followUps) for (const t of f.targets) add(lane(t, 'scale-out', f.deploymentId));
  lanes.sort((a, b) => LANE_ORDER[a.lane] - LANE_ORDER[b.lane] || firstTime(a) - firstTime(b));

  const blueGreen = d.deploymentType === 'BLUE_GREEN';
  const trafficSwitch = blueGreen ? switchOf(facts.serving) : undefined;
  const terminationWait =
    blueGreen && d.terminateBlue?.action === 'TERMINATE' && d.instanceTerminationWaitStarted
      ? waitOf(facts, d.terminateBlue.waitMinutes)
      : undefined;
  return {
    ...(d.createTime ? { createTime: d.createTime } : {}),
    ...(d.startTime ? { startTime: d.startTime } : {}),
    ...(d.completeTime ? { completeTime: d.completeTime } : {}),
    lanes,
    ...(trafficSwitch ? { trafficSwitch } : {}),
    ...(terminationWait ? { terminationWait } : {}),
  };
}

function laneOf(t: TargetFact): LaneKind {
  if (t.label === 'Green') return 'green';
  if (t.label === 'Blue') return 'blue';
  return 'in-place';
}

function lane(t: TargetFact, kind: LaneKind, deploymentId: string): TimelineLane {
  return {
    instanceId: t.instanceId,
    lane: kind,
    deploymentId,
    targetStatus: t.status,
    events: t.events.map(eventOf),
  };
}

function eventOf(e: LifecycleEventFact): TimelineEvent {
  return {
    name: e.name,
    status: e.status,
    ...(e.startTime ? { startTime: e.startTime } : {}),
    ...(e.endTime ? { endTime: e.endTime } : {}),
  };
}

const ms = (iso: string | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

function firstTime(l: TimelineLane): number {
  const times = l.events.map((e) => ms(e.startTime ?? e.endTime)).filter(Number.isFinite);
  return times.length > 0 ? Math.min(...times) : Number.POSITIVE_INFINITY;
}

/** The serving fleet's AllowTraffic events: the first start to the last end (none still running). */
function switchOf(serving: readonly TargetFact[]): Timeline['trafficSwitch'] {
  const allow = serving.flatMap((t) => t.events.filter((e) => e.name === 'AllowTraffic' && e.startTime));
  if (allow.length === 0) return undefined;
  const start = Math.min(...allow.map((e) => ms(e.startTime)));
  const running = allow.some((e) => !e.endTime);
  const end = Math.max(...allow.map((e) => ms(e.endTime)).filter(Number.isFinite));
  return {
    start: new Date(start).toISOString(),
    ...(!running && Number.isFinite(end) ? { end: new Date(end).toISOString() } : {}),
  };
}

/** From the replaced fleet's last event to the deployment's end (the blue instances terminated). */
function waitOf(facts: Facts, waitMinutes: number): NonNullable<Timeline['terminationWait']> {
  const ends = (facts.replacedTargets ?? []).flatMap((t) =>
    t.events.map((e) => ms(e.endTime)).filter(Number.isFinite),
  );
  const start = ends.length > 0 ? Math.max(...ends) : undefined;
  const { completeTime } = facts.deployment;
  return {
    waitMinutes,
    ...(start !== undefined
      ? {
          start: new Date(start).toISOString(),
          plannedEnd: new Date(start + waitMinutes * 60_000).toISOString(),
        }
      : {}),
    // The deployment completes once the blue instances are terminated (or the wait was cut short).
    ...(completeTime ? { end: completeTime } : {}),
  };
}
