import type { RuleResult } from '../verify/rules.js';
import type { GateOutcome } from './gate.js';

// `--json`: the gate's outcome as data: what was watched, for how long, what failed it, the last
// look's rule results, what each look saw over the bake (the alarm and health history the HTML report
// draws) and the smoke tests' output.

/** The outcome as `--json` says it: the last look's rules instead of the look itself, and `passed`. */
export type GateReport = Omit<GateOutcome, 'lastLook'> & {
  readonly passed: boolean;
  readonly rules: readonly RuleResult[];
};

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
