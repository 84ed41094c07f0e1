import type { RuleResult } from '../verify/rules.js';
import type { GateProblem } from './checks.js';
import type { GateAlarmTimeline, GateLook, GateOutcome, GateWatched } from './gate.js';
import type { SmokeResult } from './smoke.js';

// `--json`: the gate's outcome as data: what was watched, for how long, what failed it, the last
// look's rule results, what each look saw over the bake (the alarm and health history the HTML report
// draws) and the smoke tests' output.

export interface GateReport {
  readonly passed: boolean;
  readonly result: GateOutcome['result'];
  readonly environment: string;
  readonly deploymentId: string;
  readonly revision: string;
  readonly bakeMs: number;
  readonly pollMs: number;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly watchedMs: number;
  readonly looks: number;
  readonly watched: GateWatched;
  readonly problems: readonly GateProblem[];
  readonly rules: readonly RuleResult[];
  /** What each look saw, oldest first (a long bake's evenly thinned: `looks` says how many there were). */
  readonly history: readonly GateLook[];
  readonly alarmTimeline: readonly GateAlarmTimeline[];
  readonly smoke?: SmokeResult;
  readonly cancelledBy?: string;
}

export function gateJson(outcome: GateOutcome): GateReport {
  return {
    passed: outcome.result === 'passed',
    result: outcome.result,
    environment: outcome.environment,
    deploymentId: outcome.deploymentId,
    revision: outcome.revision,
    bakeMs: outcome.bakeMs,
    pollMs: outcome.pollMs,
    startedAt: outcome.startedAt,
    endedAt: outcome.endedAt,
    watchedMs: outcome.watchedMs,
    looks: outcome.looks,
    watched: outcome.watched,
    problems: outcome.problems,
    rules: outcome.lastLook?.rules ?? [],
    history: outcome.history,
    alarmTimeline: outcome.alarmTimeline,
    ...(outcome.smoke ? { smoke: outcome.smoke } : {}),
    ...(outcome.cancelledBy ? { cancelledBy: outcome.cancelledBy } : {}),
  };
}
