import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { ExitCode } from '../exit-codes.js';
import type { Logger } from '../log/events.js';
import { waitForDeployment, type InstanceFailure, type WaitDeps, type WaitOutcome } from './wait.js';

// Following a deployment on CodeDeploy's word alone (`--no-verify`): to its end and, when it was
// stopped with rollback, the rollback deployment too, with every failed instance reported as it
// happens. Exit 1 when CodeDeploy failed or any instance failed, whatever CodeDeploy's final word.

export interface FollowOnlyRequest {
  readonly deploymentId: string;
  readonly pollMs: number;
  readonly timeoutMs?: number;
  readonly rollbackOnFailure?: boolean;
  /** Reroute traffic when the deployment waits in Ready. */
  readonly continueWhenReady?: boolean;
  readonly stopOnCancel?: boolean;
  readonly signal?: AbortSignal;
}

/** What `--no-verify` reports: CodeDeploy's status and the failed instances, unverified. */
export interface FollowedDeployment {
  readonly deploymentId: string;
  readonly status: string;
  readonly failures: readonly InstanceFailure[];
  readonly rollback?: { readonly deploymentId: string; readonly status: string };
}

export async function followDeployment(
  request: FollowOnlyRequest,
  deps: WaitDeps,
): Promise<{ exitCode: number; result: FollowedDeployment; outcome: WaitOutcome }> {
  const { deploymentId } = request;
  const outcome = await waitForDeployment(
    {
      deploymentId,
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      pollMs: request.pollMs,
      rollbackOnFailure: Boolean(request.rollbackOnFailure),
      stopOnCancel: Boolean(request.stopOnCancel),
      ...(request.continueWhenReady ? { onReady: () => Promise.resolve(true) } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
    deps,
  );
  const status = outcome.deployment.status ?? 'Unknown';
  let rollback: FollowedDeployment['rollback'];
  if (outcome.kind === 'rolled-back' && outcome.rollbackDeploymentId) {
    const followed = await waitForDeployment(
      {
        deploymentId: outcome.rollbackDeploymentId,
        pollMs: request.pollMs,
        ...(request.signal ? { signal: request.signal } : {}),
      },
      deps,
    );
    rollback = {
      deploymentId: outcome.rollbackDeploymentId,
      status: followed.deployment.status ?? 'Unknown',
    };
  }
  sayCodeDeployOutcome(deps.logger, outcome.deployment, outcome.failures);
  const ok = status === 'Succeeded' && outcome.failures.length === 0;
  return {
    exitCode: ok ? ExitCode.Ok : ExitCode.Failed,
    result: { deploymentId, status, failures: outcome.failures, ...(rollback ? { rollback } : {}) },
    outcome,
  };
}

/** `CodeDeploy: Succeeded — greenlight: FAILED, 1 of 6 instances failed (…)`, or CodeDeploy's word alone. */
export function sayCodeDeployOutcome(
  logger: Logger,
  deployment: DeploymentInfo,
  failures: readonly InstanceFailure[],
): void {
  const status = deployment.status ?? 'Unknown';
  const o = deployment.deploymentOverview;
  const total = [o?.Pending, o?.InProgress, o?.Succeeded, o?.Failed, o?.Skipped, o?.Ready].reduce<number>(
    (sum, n) => sum + (n ?? 0),
    0,
  );
  if (failures.length > 0) {
    logger.emit({
      kind: 'message',
      level: 'error',
      text: `CodeDeploy: ${status} — greenlight: FAILED, ${failures.length} of ${total} instances failed (${failures
        .map((f) => `${f.instanceId} ${f.lifecycleEvent}`)
        .join(', ')})`,
    });
  } else {
    logger.emit({
      kind: 'message',
      level: status === 'Succeeded' ? 'info' : 'error',
      text: `CodeDeploy: ${status}`,
    });
  }
}
