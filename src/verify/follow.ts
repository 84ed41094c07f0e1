import type { DeploymentInfo, RevisionLocation } from '@aws-sdk/client-codedeploy';
import type { Clock } from '../clock.js';
import { waitForDeployment, type WaitDeps, type WaitOutcome } from '../codedeploy/wait.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { Logger } from '../log/events.js';
import type { GatherRequest, VerifyClients } from './gather.js';
import type { Verdict } from './verdict.js';
import { settleInPlaceFleet } from './settle-fleet.js';
import { verifyDeployment } from './verify.js';

/** How long an in-place fleet may take to settle (launches and their automatic deployments). */
const FLEET_SETTLE_MS = 15 * 60_000;

// Following a deployment to its end and verifying it: verify-before-traffic while it waits in Ready
// (ContinueDeployment only when the green fleet verified; a failing green fleet is stopped with
// rollback before it takes a request), the verdict once it is done, and — when CodeDeploy rolled it
// back — the rollback deployment followed and verified too.

export interface FollowRequest {
  readonly deploymentId: string;
  /** Health check, expected capacity, alarms and verifyBeforeTraffic; absent: only what CodeDeploy says. */
  readonly env?: EnvironmentConfig;
  readonly pollMs: number;
  readonly timeoutMs?: number;
  /** Stop with rollback the moment an instance fails. */
  readonly rollbackOnFailure?: boolean;
  /** Reroute traffic when Ready without verifying first (verification off, or not asked for). */
  readonly continueWhenReady?: boolean;
  /** Verify (default true). */
  readonly verify?: boolean;
  readonly stopOnCancel?: boolean;
  readonly signal?: AbortSignal;
}

export interface FollowedRollback {
  readonly deploymentId: string;
  readonly status: string;
  /** The revision CodeDeploy's rollback deployed. */
  readonly revision?: RevisionLocation;
  readonly verdict?: Verdict;
}

export interface FollowResult {
  readonly outcome: WaitOutcome;
  /** The green fleet's verdict while the deployment waited in Ready. */
  readonly beforeTraffic?: Verdict;
  /** The deployment's verdict once it ended. */
  readonly verdict?: Verdict;
  /** CodeDeploy's rollback deployment, when the deployment was rolled back. */
  readonly rollback?: FollowedRollback;
}

export interface FollowDeps {
  readonly clients: VerifyClients;
  readonly clock: Clock;
  readonly logger: Logger;
  /** What more to learn of each failed instance as it fails (WaitDeps.diagnose). */
  readonly diagnose?: WaitDeps['diagnose'];
}

/**
 * What verifying a deployment in an environment asks for: the environment's scope (its group, which
 * the deployment must belong to, and its target groups, which make the fleet), health check, alarms
 * and expected capacity. Without an environment: only what the deployment and its group carry.
 */
export function gatherRequestFor(
  deploymentId: string,
  env: EnvironmentConfig | undefined,
  signal?: AbortSignal,
): GatherRequest {
  return {
    deploymentId,
    ...(env
      ? {
          environment: {
            name: env.name,
            application: env.application,
            deploymentGroup: env.deploymentGroup,
            targetGroups: env.targetGroups,
          },
          health: env.health,
          alarms: env.alarms,
          ...(env.expectedCapacity ? { expectedCapacity: env.expectedCapacity } : {}),
        }
      : {}),
    ...(signal ? { signal } : {}),
  };
}

export async function followAndVerify(request: FollowRequest, deps: FollowDeps): Promise<FollowResult> {
  const verify = request.verify ?? true;
  const env = request.env;
  const waitDeps: WaitDeps = {
    codedeploy: deps.clients.codedeploy,
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.diagnose ? { diagnose: deps.diagnose } : {}),
  };
  let beforeTraffic: Verdict | undefined;
  const verifyWhenReady = verify && (env?.verifyBeforeTraffic ?? false);
  const onReady = verifyWhenReady
    ? async (d: DeploymentInfo) => {
        beforeTraffic = await verifyDeployment(
          {
            ...gatherRequestFor(d.deploymentId ?? request.deploymentId, env, request.signal),
            phase: 'before-traffic',
          },
          deps,
        );
        return beforeTraffic.verified;
      }
    : request.continueWhenReady
      ? () => Promise.resolve(true)
      : undefined;
  const outcome = await waitForDeployment(
    {
      deploymentId: request.deploymentId,
      pollMs: request.pollMs,
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      rollbackOnFailure: Boolean(request.rollbackOnFailure),
      stopOnCancel: Boolean(request.stopOnCancel),
      ...(onReady ? { onReady } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
    waitDeps,
  );
  // In place, instances launched meanwhile get an automatic deployment once this one ends: let it run.
  if (verify) {
    await settleInPlaceFleet(
      outcome.deployment,
      {
        pollMs: request.pollMs,
        withinMs: FLEET_SETTLE_MS,
        ...(request.signal ? { signal: request.signal } : {}),
      },
      deps,
    );
  }
  // A green fleet stopped before traffic has nothing more to say than its before-traffic verdict.
  const verdict =
    verify && !(beforeTraffic && !beforeTraffic.verified)
      ? await verifyDeployment(gatherRequestFor(request.deploymentId, env, request.signal), deps)
      : undefined;
  const rollbackId =
    outcome.kind === 'rolled-back'
      ? outcome.rollbackDeploymentId
      : outcome.deployment.rollbackInfo?.rollbackDeploymentId;
  let rollback: FollowedRollback | undefined;
  if (rollbackId) {
    deps.logger.emit({ kind: 'step', step: `follow CodeDeploy's rollback ${rollbackId}`, status: 'started' });
    const followed = await waitForDeployment(
      {
        deploymentId: rollbackId,
        pollMs: request.pollMs,
        ...(request.signal ? { signal: request.signal } : {}),
      },
      waitDeps,
    );
    const status = followed.deployment.status ?? 'Unknown';
    const rollbackVerdict = verify
      ? await verifyDeployment(gatherRequestFor(rollbackId, env, request.signal), deps)
      : undefined;
    const revision = followed.deployment.revision;
    rollback = {
      deploymentId: rollbackId,
      status,
      ...(revision ? { revision } : {}),
      ...(rollbackVerdict ? { verdict: rollbackVerdict } : {}),
    };
  }
  return {
    outcome,
    ...(beforeTraffic ? { beforeTraffic } : {}),
    ...(verdict ? { verdict } : {}),
    ...(rollback ? { rollback } : {}),
  };
}
