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
import type { ScriptsLog } from '../diagnostics/scripts-log.js';
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
  /** The instance's whole scripts.log, or why it could not be read (diagnostics.fetchLogs). */
  readonly scriptsLog?: ScriptsLog;
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
  /**
   * What more to learn of a failed instance (src/diagnostics: its whole scripts.log), started the
   * moment the failure is seen — the instance may not outlive the deployment — and awaited before the
   * wait returns the failures. It has a deadline of its own and never rejects.
   */
  readonly diagnose?: (failure: InstanceFailure) => Promise<InstanceFailure>;
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
  return new DeploymentWatch(options, deps).follow();
}

/** The state of one wait: what was last said, the failures seen, the deadline once known. */
class DeploymentWatch {
  private readonly id: string;
  private readonly pollMs: number;
  private readonly started: number;
  private readonly failures = new Map<string, InstanceFailure>();
  /** Failures being diagnosed (deps.diagnose), by instance. */
  private readonly diagnosing = new Map<string, Promise<InstanceFailure>>();
  private lastCounts = '';
  private lastStatus = '';
  private deadline: number | undefined;
  private readyHandled = false;
  private terminationNoted = false;
  private missed = 0;
  private inPlace = false;

  constructor(
    private readonly options: WaitOptions,
    private readonly deps: WaitDeps,
  ) {
    this.id = options.deploymentId;
    this.pollMs = options.pollMs ?? 15_000;
    this.started = deps.clock.now();
  }

  /** Each tick: look, say what changed, act on it (stop, finish, continue from Ready), then sleep. */
  async follow(): Promise<WaitOutcome> {
    for (;;) {
      if (this.options.signal?.aborted) return this.cancelled();
      const deployment = await this.poll();
      if (!deployment) {
        const until = this.deadline ?? this.started + (this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        if (await this.pause(until)) return this.cancelled();
        continue;
      }
      const deadline = (this.deadline ??=
        this.started + (this.options.timeoutMs ?? deriveTimeoutMs(deployment)));
      const status = deployment.status ?? 'Unknown';
      this.inPlace = deployment.deploymentStyle?.deploymentType === 'IN_PLACE';
      const overview = overviewOf(deployment);
      const activeEvents = await this.lookAtTargets(status, overview);
      this.missed = 0;
      this.report(status, overview, activeEvents);

      if (this.failures.size > 0 && this.options.rollbackOnFailure && !TERMINAL_STATUSES.has(status)) {
        return this.stopWithRollback('an instance failed');
      }
      if (TERMINAL_STATUSES.has(status)) return await this.finished(deployment);
      if (status === 'Ready' && !this.readyHandled) {
        this.readyHandled = true;
        const stopped = await this.decideAtReady(deployment);
        if (stopped) return stopped;
      }
      this.noteTermination(deployment);
      this.checkDeadline(status, deadline);
      if (await this.pause(deadline)) return this.cancelled();
    }
  }

  /** GetDeployment; undefined for a missed tick (throttling or the network, a few in a row at most). */
  private async poll(): Promise<DeploymentInfo | undefined> {
    try {
      return await this.get();
    } catch (error) {
      if (!this.missedPoll(error, 'a poll')) throw error;
      return undefined;
    }
  }

  private async get(): Promise<DeploymentInfo> {
    const { codedeploy } = this.deps;
    const id = this.id;
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
  }

  // A poll that runs out of the SDK's retries on throttling or a network error is a missed tick, not
  // the end of the wait: a deployment outlives a bad minute of the API. Several in a row are reported.
  private missedPoll(error: unknown, what: string): boolean {
    const transient =
      error instanceof AwsOperationError &&
      (error.errorClass === 'throttled' || error.errorClass === 'network');
    if (!transient || ++this.missed > MAX_MISSED_POLLS) return false;
    this.deps.logger.emit({
      kind: 'message',
      level: 'warn',
      text: `${this.id}: ${what} missed (${this.missed} of ${MAX_MISSED_POLLS} in a row): ${(error as Error).message}`,
    });
    return true;
  }

  /** The targets' detail, only when the counts changed since the last look that succeeded. */
  private async lookAtTargets(
    status: string,
    overview: DeploymentOverview,
  ): Promise<Record<string, string[]> | undefined> {
    const counts = JSON.stringify(overview);
    if (counts === this.lastCounts || status === 'Created' || status === 'Queued') return undefined;
    try {
      const activeEvents = await this.inspectTargets(overview);
      this.lastCounts = counts;
      return activeEvents;
    } catch (error) {
      // Left as unseen: the next tick looks at the targets again.
      if (!this.missedPoll(error, 'reading the targets')) throw error;
      return undefined;
    }
  }

  /** Records and reports newly failed instances; returns which events the others are running. */
  private async inspectTargets(overview: DeploymentOverview): Promise<Record<string, string[]> | undefined> {
    const { codedeploy, logger } = this.deps;
    const id = this.id;
    const wanted: ('Failed' | 'InProgress')[] = [];
    if (overview.Failed > this.failures.size) wanted.push('Failed');
    if (overview.InProgress > 0) wanted.push('InProgress');
    if (wanted.length === 0) return undefined;
    const ids = await listTargetIds(codedeploy, id, { status: wanted });
    const fresh = ids.filter((t) => !this.failures.has(t));
    const targets = await getInstanceTargets(codedeploy, id, fresh);
    const active: Record<string, string[]> = {};
    for (const target of targets) {
      if (target.status === 'Failed') {
        const failure = failureOf(id, target);
        if (failure) {
          this.failures.set(failure.instanceId, failure);
          logger.emit({ kind: 'instance-failed', ...failure });
          this.diagnose(failure);
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

  private diagnose(failure: InstanceFailure): void {
    const { diagnose } = this.deps;
    if (!diagnose) return;
    this.diagnosing.set(
      failure.instanceId,
      diagnose(failure).catch(() => failure),
    );
  }

  /** Every failure seen, with what diagnosing each found once it is done. */
  private async allFailures(): Promise<InstanceFailure[]> {
    return Promise.all(
      [...this.failures.values()].map(
        (failure) => this.diagnosing.get(failure.instanceId) ?? Promise.resolve(failure),
      ),
    );
  }

  /** A deployment event when the status changed or the targets were looked at. */
  private report(
    status: string,
    overview: DeploymentOverview,
    activeEvents: Record<string, string[]> | undefined,
  ): void {
    if (status === this.lastStatus && !activeEvents) return;
    this.deps.logger.emit({
      kind: 'deployment',
      deploymentId: this.id,
      status,
      overview,
      ...(this.inPlace ? { inPlace: true } : {}),
      ...(activeEvents ? { activeEvents } : {}),
    });
    this.lastStatus = status;
  }

  private async finished(deployment: DeploymentInfo): Promise<WaitOutcome> {
    const status = deployment.status ?? 'Unknown';
    if (status !== 'Succeeded' && deployment.errorInformation?.message) {
      this.deps.logger.emit({
        kind: 'message',
        level: 'error',
        text: `${this.id} ${status}: ${deployment.errorInformation.code ?? ''} ${deployment.errorInformation.message}`.trim(),
      });
    }
    return { kind: 'finished', deployment, failures: await this.allFailures() };
  }

  /**
   * Ready (STOP_DEPLOYMENT): onReady decides — continue (reroute traffic), stop with rollback (the
   * outcome returned), or leave it waiting for someone else.
   */
  private async decideAtReady(deployment: DeploymentInfo): Promise<WaitOutcome | undefined> {
    const decision = this.options.onReady ? await this.options.onReady(deployment) : undefined;
    if (decision === true) await this.continueToTraffic();
    else if (decision === false) {
      return this.stopWithRollback('the green fleet failed verification before taking traffic');
    } else {
      const wait = deployment.blueGreenDeploymentConfiguration?.deploymentReadyOption?.waitTimeInMinutes ?? 0;
      this.deps.logger.emit({
        kind: 'message',
        level: 'info',
        text: `${this.id} is Ready: green is installed and takes no traffic until someone continues it (greenlight deploy --continue, or ContinueDeployment) — CodeDeploy stops it after ${wait} minutes`,
      });
    }
    return undefined;
  }

  private async continueToTraffic(): Promise<void> {
    const { codedeploy, logger } = this.deps;
    const id = this.id;
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
  }

  private noteTermination(deployment: DeploymentInfo): void {
    if (!deployment.instanceTerminationWaitTimeStarted || this.terminationNoted) return;
    this.terminationNoted = true;
    this.deps.logger.emit({
      kind: 'message',
      level: 'info',
      text: `${this.id}: traffic is on the green fleet; the blue fleet waits to be terminated`,
    });
  }

  private checkDeadline(status: string, deadline: number): void {
    const { clock } = this.deps;
    if (clock.now() < deadline) return;
    throw new WaitTimeoutError(
      `${this.id} is still ${status} after ${formatDuration(clock.now() - this.started)}; it goes on in CodeDeploy — re-attach with: greenlight wait ${this.id}`,
    );
  }

  /** Sleeps until the next tick; true when the wait was cancelled meanwhile. */
  private async pause(until: number): Promise<boolean> {
    const { clock } = this.deps;
    try {
      await clock.sleep(Math.min(this.pollMs, Math.max(0, until - clock.now())), this.options.signal);
      return false;
    } catch (error) {
      if (this.options.signal?.aborted) return true;
      throw error;
    }
  }

  /** Stops the deployment with rollback and follows the stop to its end and CodeDeploy's rollback. */
  private async stopWithRollback(why: string): Promise<WaitOutcome> {
    const { codedeploy, clock, logger } = this.deps;
    const id = this.id;
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
      const deployment = await this.get();
      if (TERMINAL_STATUSES.has(deployment.status ?? '')) return await this.stopped(deployment, endedFirst);
      if (clock.now() >= (this.deadline ?? Infinity)) {
        throw new WaitTimeoutError(
          `${id} did not stop within the deadline; re-attach with: greenlight wait ${id}`,
        );
      }
      await clock.sleep(Math.min(this.pollMs, 5_000));
    }
  }

  /** How the stopped deployment ended: rolled back by CodeDeploy, or over before the stop arrived. */
  private async stopped(deployment: DeploymentInfo, endedFirst: boolean): Promise<WaitOutcome> {
    const { logger } = this.deps;
    const step = `stop ${this.id} with rollback`;
    const failures = await this.allFailures();
    const rollbackId = deployment.rollbackInfo?.rollbackDeploymentId;
    if (endedFirst && !rollbackId) {
      logger.emit({
        kind: 'step',
        step,
        status: 'skipped',
        detail: `it had already ended ${deployment.status ?? '?'}, with no rollback of CodeDeploy's own`,
      });
      return { kind: 'finished', deployment, failures };
    }
    logger.emit({
      kind: 'step',
      step,
      status: 'done',
      detail: rollbackId
        ? `${deployment.status}; CodeDeploy is rolling back in ${rollbackId}`
        : `${deployment.status}; ${deployment.rollbackInfo?.rollbackMessage ?? 'no rollback deployment was created'}`,
    });
    return {
      kind: 'rolled-back',
      deployment,
      failures,
      ...(rollbackId ? { rollbackDeploymentId: rollbackId } : {}),
    };
  }

  private async cancelled(): Promise<never> {
    const id = this.id;
    const signal = String(this.options.signal?.reason ?? 'SIGINT');
    if (this.options.stopOnCancel) {
      await awsCall('StopDeployment', id, () =>
        this.deps.codedeploy.send(new StopDeploymentCommand({ deploymentId: id })),
      );
      throw new WaitCancelledError(`cancelled by ${signal}: stopped ${id}`, signal);
    }
    throw new WaitCancelledError(
      `cancelled by ${signal}: ${id} goes on in CodeDeploy; re-attach with: greenlight wait ${id}`,
      signal,
    );
  }
}
