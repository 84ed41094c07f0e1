import { revisionLabel, sameRevision, type BuildInfo } from '../codedeploy/deploy.js';
import type { EnvironmentConfig } from '../config/environment.js';
import { rollBack, type RollbackDeps, type RollbackOutcome } from '../rollback/rollback.js';
import type { GateCandidate } from './candidate.js';
import { readCheckedPassedGate, type PassedGate } from './passed-gate.js';

// `gate --rollback-on-failure`: back to the revision that last passed a whole bake. Not to the
// last-known-good: the gate only bakes the last-known-good, so when a bake fails that record names
// the very deployment that failed. greenlight never rolls back to a revision it did not see pass,
// so without an earlier gate pass — or with a passed-gate record that fails its checks (the deployment
// is not this group's, did not succeed, or its revision is gone) — it says what to run instead.

export interface GateRollbackRequest {
  readonly env: EnvironmentConfig;
  readonly candidate: GateCandidate;
  readonly build: BuildInfo;
  readonly pollMs: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export type GateRollback =
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'rolled-back'; readonly to: PassedGate; readonly outcome: RollbackOutcome };

export async function rollBackFailedGate(
  request: GateRollbackRequest,
  deps: RollbackDeps,
): Promise<GateRollback> {
  const { env, candidate } = request;
  const group = `${env.application}/${env.deploymentGroup}`;
  const byHand = `roll back by hand: greenlight rollback --env ${env.name} --to SHA|s3://bucket/key`;
  const passed = await readCheckedPassedGate(env, {
    codedeploy: deps.clients.codedeploy,
    ...(deps.s3 ? { s3: deps.s3 } : {}),
  });
  if (passed.kind === 'none') {
    return {
      kind: 'refused',
      reason: `no deployment of ${group} has passed the gate yet, so there is no baked revision to go back to; ${byHand}`,
    };
  }
  const { record } = passed;
  if (record.deploymentId === candidate.deploymentId) {
    return {
      kind: 'refused',
      reason: `${candidate.deploymentId} itself passed an earlier gate, and greenlight keeps no baked revision before it; ${byHand}`,
    };
  }
  if (passed.kind === 'rejected') {
    return {
      kind: 'refused',
      reason: `the passed-gate record of ${group} names ${record.deploymentId} (${record.revision || 'no revision'}), which greenlight will not roll back to: ${passed.reason}; ${byHand}`,
    };
  }
  const revision = passed.revision;
  if (sameRevision(revision, candidate.revisionLocation)) {
    return {
      kind: 'refused',
      reason: `the revision that last passed the gate (${revisionLabel(revision)} in ${record.deploymentId}) is the one that failed now; ${byHand}`,
    };
  }
  deps.logger.emit({
    kind: 'message',
    level: 'info',
    text: `rolling ${group} back to ${revisionLabel(revision)}, which passed the gate in ${record.deploymentId} at ${record.passedAt}`,
  });
  const outcome = await rollBack(
    {
      env,
      to: revision,
      build: request.build,
      pollMs: request.pollMs,
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
    deps,
  );
  return { kind: 'rolled-back', to: record, outcome };
}
