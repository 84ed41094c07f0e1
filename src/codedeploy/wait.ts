import {
  ContinueDeploymentCommand,
  GetDeploymentCommand,
  StopDeploymentCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  type InstanceTarget,
} from '@aws-sdk/client-codedeploy';
import { AwsOperationError, awsCall, classifyAwsError } from '../aws/errors.js';
import type { Clock } from '../clock.js';
import { formatDuration } from '../config/duration.js';
import type { DeploymentOverview, Logger } from '../log/events.js';
import { getInstanceTargets, listTargetIds } from './targets.js';

// Following a deployment: a loop, not recursion, with a deadline. One GetDeployment per tick; target
// detail only when the overview's counts change, and then only for the targets in progress or newly
// failed. A failed instance is reported the moment it is seen, with its event, script, error code and
// log tail — CodeDeploy may still go on to call the deployment Succeeded (AllAtOnce), so greenlight
// remembers every failure it saw and the verdict does not depend on CodeDeploy's final word.

export const TERMINAL_STATUSES = new Set(['Succeeded', 'Failed', 'Stopped']);

/** Polls in a row that may fail on throttling or the network before the wait gives up (exit 3). */
const MAX_MISSED_POLLS = 5;
/** The deadline before the first successful poll tells how long this deployment may take. */
const DEFAULT_TIMEOUT_MS = 2 * 60 * 60_000;

export interface InstanceFailure {
  readonly deploymentId: string;
  readonly instanceId: string;
  readonly lifecycleEvent: string;
  readonly scriptName: string;
  readonly errorCode: string;
  readonly message: string;
  readonly logTail: string;
}

export interface WaitOptions {
  readonly deploymentId: string;
  /** Give up (exit 4) after this long; default derived from the deployment's own timeouts. */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  /** Stop the deployment with rollback the moment an instance fails. */
  readonly rollbackOnFailure?: boolean;
  /**
   * Called once when the deployment waits in Ready (STOP_DEPLOYMENT). Resolving true reroutes
   * traffic (ContinueDeployment); false stops the deployment with rollback (the green fleet failed
   * verification before taking traffic); undefined leaves it waiting.
   */
  readonly onReady?: (deployment: DeploymentInfo) => Promise<boolean | undefined>;
  readonly stopOnCancel?: boolean;
  readonly signal?: AbortSignal;
}

export interface WaitDeps {
  readonly codedeploy: CodeDeployClient;
  readonly clock: Clock;
  readonly logger: Logger;
}

export type WaitOutcome =
  | {
      readonly kind: 'finished';
      readonly deployment: DeploymentInfo;
      readonly failures: readonly InstanceFailure[];
    }
  | {
      readonly kind: 'rolled-back';
      readonly deployment: DeploymentInfo;
      readonly failures: readonly InstanceFailure[];
      /** The rollback deployment CodeDeploy created, if it did. */
      readonly rollbackDeploymentId?: string;
    };

/** The person named a deployment that is not there: exit 2. */
export class UnknownDeploymentError extends Error {
  readonly exitCode = 2;
}

export class WaitTimeoutError extends Error {
  readonly exitCode = 4;
}

export class WaitCancelledError extends Error {
  readonly exitCode: number;
  constructor(message: string, signal: string) {
    super(message);
    this.exitCode = signal === 'SIGTERM' ? 143 : 130;
  }
}

/** How long a deployment may reasonably take, from the settings it carries. */
export function deriveTimeoutMs(deployment: DeploymentInfo): number {
  const minute = 60_000;
  const bg = deployment.blueGreenDeploymentConfiguration;
  const ready =
    bg?.deploymentReadyOption?.actionOnTimeout === 'STOP_DEPLOYMENT'
      ? (bg.deploymentReadyOption.waitTimeInMinutes ?? 0) * minute
      : 0;
  const termination =
    bg?.terminateBlueInstancesOnDeploymentSuccess?.action === 'TERMINATE'
      ? (bg.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes ?? 0) * minute
      : 0;
  // Installing: the lifecycle events' own limit is an hour each, but a fleet that needs more than an
  // hour to install is stuck; rerouting waits up to an hour for healthy targets. Plus provisioning.
  return 15 * minute + 60 * minute + ready + 30 * minute + termination;
}

function overviewOf(d: DeploymentInfo): DeploymentOverview {
  const o = d.deploymentOverview ?? {};
  return {
    Pending: o.Pending ?? 0,
    InProgress: o.InProgress ?? 0,
    Succeeded: o.Succeeded ?? 0,
    Failed: o.Failed ?? 0,
    Skipped: o.Skipped ?? 0,
    Ready: o.Ready ?? 0,
  };
}

function failureOf(deploymentId: string, target: InstanceTarget): InstanceFailure | undefined {
  const failed = (target.lifecycleEvents ?? []).find((e) => e.status === 'Failed');
  if (!failed && target.status !== 'Failed') return undefined;
  const d = failed?.diagnostics;
  return {
    deploymentId,
    instanceId: target.targetId ?? '?',
    lifecycleEvent: failed?.lifecycleEventName ?? '(none reported)',
    scriptName: d?.scriptName ?? '',
    errorCode: d?.errorCode ?? 'UnknownError',
    message: d?.message ?? 'the instance failed without diagnostics',
    logTail: d?.logTail ?? '',
  };
}

export async function waitForDeployment(options: WaitOptions, deps: WaitDeps): Promise<WaitOutcome> {
  const { codedeploy, clock, logger } = deps;
  const id = options.deploymentId;
  const pollMs = options.pollMs ?? 15_000;
  const started = clock.now();
  const failures = new Map<string, InstanceFailure>();
  let lastCounts = '';
  let lastStatus = '';
  let deadline: number | undefined;
  let readyHandled = false;
  let terminationNoted = false;

  const get = async (): Promise<DeploymentInfo> => {
    const out = await codedeploy
      .send(new GetDeploymentCommand({ deploymentId: id }))
      .catch(async (error: unknown) => {
        if (classifyAwsError(error) === 'not-found') {
          const region = await codedeploy.config.region();
          throw new UnknownDeploymentError(
            `deployment ${id} does not exist in ${region} (${(error as Error).message}); check the id and --region`,
          );
        }
        throw new AwsOperationError('GetDeployment', id, error);
      });
    if (!out.deploymentInfo) throw new Error(`GetDeployment ${id} returned no deploymentInfo`);
    return out.deploymentInfo;
  };

  let missed = 0;
  // A poll that runs out of the SDK's retries on throttling or a network error is a missed tick, not
  // the end of the wait: a deployment outlives a bad minute of the API. Several in a row are reported.
  const missedPoll = (error: unknown, what: string): boolean => {
    const transient =
      error instanceof AwsOperationError &&
      (error.errorClass === 'throttled' || error.errorClass === 'network');
    if (!transient || ++missed > MAX_MISSED_POLLS) return false;
    logger.emit({
      kind: 'message',
      level: 'warn',
      text: `${id}: ${what} missed (${missed} of ${MAX_MISSED_POLLS} in a row): ${(error as Error).message}`,
    });
    return true;
  };

  for (;;) {
    if (options.signal?.aborted) return cancelled();
    let deployment: DeploymentInfo;
    try {
      deployment = await get();
    } catch (error) {
      if (!missedPoll(error, 'a poll')) throw error;
      if (await pause(deadline ?? started + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS))) return cancelled();
      continue;
    }
    deadline ??= started + (options.timeoutMs ?? deriveTimeoutMs(deployment));
    const status = deployment.status ?? 'Unknown';
    const overview = overviewOf(deployment);
    const counts = JSON.stringify(overview);
    let activeEvents: Record<string, string[]> | undefined;

    if (counts !== lastCounts && status !== 'Created' && status !== 'Queued') {
      try {
        activeEvents = await inspectTargets(overview);
        lastCounts = counts;
      } catch (error) {
        // Left as unseen: the next tick looks at the targets again.
        if (!missedPoll(error, 'reading the targets')) throw error;
      }
    }
    missed = 0;
    if (status !== lastStatus || activeEvents) {
      logger.emit({
        kind: 'deployment',
        deploymentId: id,
        status,
        overview,
        ...(activeEvents ? { activeEvents } : {}),
      });
      lastStatus = status;
    }

    if (failures.size > 0 && options.rollbackOnFailure && !TERMINAL_STATUSES.has(status)) {
      return stopWithRollback('an instance failed');
    }
    if (TERMINAL_STATUSES.has(status)) {
      if (status !== 'Succeeded' && deployment.errorInformation?.message) {
        logger.emit({
          kind: 'message',
          level: 'error',
          text: `${id} ${status}: ${deployment.errorInformation.code ?? ''} ${deployment.errorInformation.message}`.trim(),
        });
      }
      return { kind: 'finished', deployment, failures: [...failures.values()] };
    }
    if (status === 'Ready' && !readyHandled) {
      readyHandled = true;
      const decision = options.onReady ? await options.onReady(deployment) : undefined;
      if (decision === true) {
        try {
          await codedeploy.send(
            new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
          );
          logger.emit({ kind: 'step', step: 'reroute traffic to the green fleet', status: 'started' });
        } catch (error) {
          // Another greenlight following the same deployment continued it between our look and our
          // call (or CodeDeploy's wait ran out): it is not Ready any more; the next poll says what it is.
          if ((error as { name?: string }).name !== 'DeploymentIsNotInReadyStateException')
            throw new AwsOperationError('ContinueDeployment', id, error);
          logger.emit({
            kind: 'message',
            level: 'info',
            text: `${id} is no longer Ready (someone else continued or stopped it); following it on`,
          });
        }
      } else if (decision === false) {
        return stopWithRollback('the green fleet failed verification before taking traffic');
      } else {
        const wait =
          deployment.blueGreenDeploymentConfiguration?.deploymentReadyOption?.waitTimeInMinutes ?? 0;
        logger.emit({
          kind: 'message',
          level: 'info',
          text: `${id} is Ready: green is installed and takes no traffic until someone continues it (greenlight deploy --continue, or ContinueDeployment) — CodeDeploy stops it after ${wait} minutes`,
        });
      }
    }
    if (deployment.instanceTerminationWaitTimeStarted && !terminationNoted) {
      terminationNoted = true;
      logger.emit({
        kind: 'message',
        level: 'info',
        text: `${id}: traffic is on the green fleet; the blue fleet waits to be terminated`,
      });
    }
    if (clock.now() >= deadline) {
      throw new WaitTimeoutError(
        `${id} is still ${status} after ${formatDuration(clock.now() - started)}; it goes on in CodeDeploy — re-attach with: greenlight wait ${id}`,
      );
    }
    if (await pause(deadline)) return cancelled();
  }

  /** Sleeps until the next tick; true when the wait was cancelled meanwhile. */
  async function pause(until: number): Promise<boolean> {
    try {
      await clock.sleep(Math.min(pollMs, Math.max(0, until - clock.now())), options.signal);
      return false;
    } catch (error) {
      if (options.signal?.aborted) return true;
      throw error;
    }
  }

  async function inspectTargets(overview: DeploymentOverview): Promise<Record<string, string[]> | undefined> {
    const wanted: ('Failed' | 'InProgress')[] = [];
    if (overview.Failed > failures.size) wanted.push('Failed');
    if (overview.InProgress > 0) wanted.push('InProgress');
    if (wanted.length === 0) return undefined;
    const ids = await listTargetIds(codedeploy, id, { status: wanted });
    const fresh = ids.filter((t) => !failures.has(t));
    const targets = await getInstanceTargets(codedeploy, id, fresh);
    const active: Record<string, string[]> = {};
    for (const target of targets) {
      if (target.status === 'Failed') {
        const failure = failureOf(id, target);
        if (failure) {
          failures.set(failure.instanceId, failure);
          logger.emit({ kind: 'instance-failed', ...failure });
        }
      } else if (target.status === 'InProgress') {
        const event = (target.lifecycleEvents ?? []).find(
          (e) => e.status === 'InProgress',
        )?.lifecycleEventName;
        if (event) (active[event] ??= []).push(target.targetId ?? '?');
      }
    }
    return active;
  }

  async function stopWithRollback(why: string): Promise<WaitOutcome> {
    logger.emit({ kind: 'step', step: `stop ${id} with rollback`, status: 'started', detail: why });
    let endedFirst = false;
    try {
      await codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
    } catch (error) {
      // It ended between our look and our stop (CodeDeploy failed it and rolls back on its own, or
      // it finished): what it ended as, and any rollback CodeDeploy started, is read below.
      if ((error as { name?: string }).name !== 'DeploymentAlreadyCompletedException')
        throw new AwsOperationError('StopDeployment', id, error);
      endedFirst = true;
    }
    // The stop is asynchronous: wait for the terminal status and the rollback deployment's id.
    for (;;) {
      const deployment = await get();
      if (TERMINAL_STATUSES.has(deployment.status ?? '')) {
        const rollbackId = deployment.rollbackInfo?.rollbackDeploymentId;
        if (endedFirst && !rollbackId) {
          logger.emit({
            kind: 'step',
            step: `stop ${id} with rollback`,
            status: 'skipped',
            detail: `it had already ended ${deployment.status ?? '?'}, with no rollback of CodeDeploy's own`,
          });
          return { kind: 'finished', deployment, failures: [...failures.values()] };
        }
        logger.emit({
          kind: 'step',
          step: `stop ${id} with rollback`,
          status: 'done',
          detail: rollbackId
            ? `${deployment.status}; CodeDeploy is rolling back in ${rollbackId}`
            : `${deployment.status}; ${deployment.rollbackInfo?.rollbackMessage ?? 'no rollback deployment was created'}`,
        });
        return {
          kind: 'rolled-back',
          deployment,
          failures: [...failures.values()],
          ...(rollbackId ? { rollbackDeploymentId: rollbackId } : {}),
        };
      }
      if (clock.now() >= (deadline ?? Infinity)) {
        throw new WaitTimeoutError(
          `${id} did not stop within the deadline; re-attach with: greenlight wait ${id}`,
        );
      }
      await clock.sleep(Math.min(pollMs, 5_000));
    }
  }

  async function cancelled(): Promise<never> {
    const signal = String(options.signal?.reason ?? 'SIGINT');
    if (options.stopOnCancel) {
      await awsCall('StopDeployment', id, () =>
        codedeploy.send(new StopDeploymentCommand({ deploymentId: id })),
      );
      throw new WaitCancelledError(`cancelled by ${signal}: stopped ${id}`, signal);
    }
    throw new WaitCancelledError(
      `cancelled by ${signal}: ${id} goes on in CodeDeploy; re-attach with: greenlight wait ${id}`,
      signal,
    );
  }
}
