import type { GateOutcome } from './gate.js';

// `--json`: the gate's outcome as data: what was watched, for how long, what failed it, the last
// look's rule results and the smoke tests' output.

export function gateJson(outcome: GateOutcome): Record<string, unknown> {
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
    ...(outcome.smoke ? { smoke: outcome.smoke } : {}),
    ...(outcome.cancelledBy ? { cancelledBy: outcome.cancelledBy } : {}),
  };
}
