import {
  GetDeploymentCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import type { S3Client } from '@aws-sdk/client-s3';
import { AwsOperationError, awsCall } from '../aws/errors.js';
import type { Clock } from '../clock.js';
import { revisionLabel, sameRevision, startDeployment, type BuildInfo } from '../codedeploy/deploy.js';
import { TERMINAL_STATUSES, waitForDeployment } from '../codedeploy/wait.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { Logger } from '../log/events.js';
import { followAndVerify, gatherRequestFor } from '../verify/follow.js';
import type { VerifyClients } from '../verify/gather.js';
import type { Verdict } from '../verify/verdict.js';
import { verifyDeployment } from '../verify/verify.js';
import { lookAtGroup, type GroupNow } from './group-now.js';
import { readCheckedLastKnownGood, recordLastKnownGood, type LastKnownGood } from './last-known-good.js';

// Rolling back is one operation with one truth: it ends on the last verified revision of this group
// (or the one --to names) and verifies it there, or it refuses and deploys nothing. It looks at the
// group and acts until the group is on its way to that revision:
// - an active deployment of that revision (another rollback's redeploy, CodeDeploy's rollback) is
//   followed, never stopped, so concurrent rollbacks converge on one deployment;
// - another active deployment of a person or pipeline is stopped — with CodeDeploy's rollback only
//   when CodeDeploy would roll back to that revision (the group's last successful deployment is of
//   it), otherwise without, and the revision is deployed again;
// - CodeDeploy's own deployments are let finish: its rollback to another revision, and any automatic
//   scale-out deployment (which installs a few launched instances and is no verdict on the fleet);
// - when the group already serves that revision, what serves is verified, and redeployed only if it
//   does not verify;
// - otherwise the revision is deployed (startDeployment attaches to a deployment of it that another
//   rollback created a moment before).
// Only a verified deployment of that revision is a rollback (exit 5), and only it is recorded.

export interface RollbackRequest {
  readonly env: EnvironmentConfig;
  /** `--to`: this revision, verified before or not. */
  readonly to?: RevisionLocation;
  readonly build: BuildInfo;
  readonly pollMs: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface RollbackOutcome {
  /**
   * `stopped`: the active deployment was stopped and CodeDeploy's rollback carried it;
   * `redeployed`: a new deployment of the revision; `attached`: an active deployment of the revision
   * (another rollback's) was followed; `in-place`: the group already served the revision.
   */
  readonly how: 'stopped' | 'redeployed' | 'attached' | 'in-place';
  readonly stoppedDeploymentId?: string;
  /** The deployment that carried the rollback. */
  readonly deploymentId: string;
  readonly revision: string;
  readonly status: string;
  readonly verdict: Verdict;
  /** The new last-known-good record, when the rollback verified. */
  readonly lastKnownGood?: LastKnownGood;
}

/** Nothing greenlight may roll back to (no record, or a record that fails its checks). Exit 1, nothing deployed. */
export class RollbackRefused extends Error {
  readonly exitCode = 1;
}

/** The rollback could not bring the group to the revision. Exit 1. */
export class RollbackFailed extends Error {
  readonly exitCode = 1;
}

export interface RollbackDeps {
  readonly clients: VerifyClients;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Checks that the last-known-good's S3 bundle still exists; without it an S3 record is refused. */
  readonly s3?: () => Promise<S3Client>;
}

interface Target {
  readonly revision: RevisionLocation;
  /** Where the revision comes from, for the log. */
  readonly source: string;
}

/** How many times the rollback looks at the group and acts before it gives up on a group that keeps changing. */
const MAX_LOOKS = 8;

export async function rollBack(request: RollbackRequest, deps: RollbackDeps): Promise<RollbackOutcome> {
  const { env } = request;
  const { codedeploy } = deps.clients;
  const group = `${env.application}/${env.deploymentGroup}`;
  const target = await chooseTarget(request, deps);
  const label = revisionLabel(target.revision);
  const step = `roll ${group} back to ${label}`;
  deps.logger.emit({ kind: 'step', step, status: 'started', detail: target.source });
  const carried = (how: RollbackOutcome['how'], deploymentId: string, stopped: string | undefined) =>
    carry({ how, deploymentId, target, request, deps, ...(stopped ? { stopped } : {}) });

  let stopped: string | undefined;
  let verifiedInPlace = false;
  for (let look = 1; look <= MAX_LOOKS; look++) {
    const now = await lookAtGroup(env, codedeploy);
    const same = now.active.find((d) => !automatic(d) && sameRevision(d.revision, target.revision));
    if (same?.deploymentId) {
      deps.logger.emit({
        kind: 'step',
        step,
        status: 'done',
        detail: `${same.deploymentId} (${creatorOf(same)}, ${same.status ?? '?'}) already deploys it: following it`,
      });
      return carried('attached', same.deploymentId, stopped);
    }
    const other = now.active[0];
    if (other?.deploymentId) {
      if (creatorOf(other) === 'user') {
        const rollbackId = await stop(other.deploymentId, stopPlan(now, target), request, deps);
        stopped ??= other.deploymentId;
        if (rollbackId && sameRevision(await revisionOf(codedeploy, rollbackId), target.revision)) {
          deps.logger.emit({
            kind: 'step',
            step,
            status: 'done',
            detail: `CodeDeploy rolls back in ${rollbackId}`,
          });
          return carried('stopped', rollbackId, stopped);
        }
      } else {
        await letFinish(other, request, deps);
      }
      continue;
    }
    if (!verifiedInPlace && servesTarget(now, target)) {
      verifiedInPlace = true;
      const id = now.serving?.deploymentId ?? '?';
      deps.logger.emit({
        kind: 'message',
        level: 'info',
        text: `${group} already serves ${label} in ${id}: verifying it before deploying anything`,
      });
      const verdict = await verifyDeployment(gatherRequestFor(id, env), deps);
      if (verdict.verified)
        return finish({
          how: 'in-place',
          deploymentId: id,
          target,
          verdict,
          deps,
          env,
          ...(stopped ? { stopped } : {}),
        });
      deps.logger.emit({
        kind: 'message',
        level: 'warn',
        text: `${group} serves ${label} in ${id}, but it does not verify; deploying ${label} again`,
      });
      continue;
    }
    const started = await startDeployment(
      {
        env,
        revision: target.revision,
        build: request.build,
        ifBusy: 'wait',
        // An older build on purpose: that is what a rollback is.
        force: true,
        alarmPollingOff: true,
        busyTimeoutMs: request.timeoutMs ?? 3_600_000,
        pollMs: request.pollMs,
        ...(request.signal ? { signal: request.signal } : {}),
      },
      { codedeploy, clock: deps.clock, logger: deps.logger },
    );
    deps.logger.emit({
      kind: 'step',
      step,
      status: 'done',
      detail:
        started.kind === 'attached'
          ? `following ${started.deploymentId}: ${started.reason}`
          : `${started.kind} ${started.deploymentId}`,
    });
    return carried(started.kind === 'created' ? 'redeployed' : 'attached', started.deploymentId, stopped);
  }
  throw new RollbackFailed(
    `${group} kept changing while greenlight rolled it back to ${label} (${MAX_LOOKS} looks, each finding another deployment in the way); see greenlight status --env ${env.name}, then run the rollback again`,
  );
}

async function chooseTarget(request: RollbackRequest, deps: RollbackDeps): Promise<Target> {
  const { env } = request;
  if (request.to) return { revision: request.to, source: 'the revision --to names' };
  const group = `${env.application}/${env.deploymentGroup}`;
  const useTo = `nothing was deployed; name the revision to roll back to: greenlight rollback --env ${env.name} --to SHA|s3://bucket/key`;
  const lkg = await readCheckedLastKnownGood(env, {
    codedeploy: deps.clients.codedeploy,
    ...(deps.s3 ? { s3: deps.s3 } : {}),
  });
  if (lkg.kind === 'none') {
    throw new RollbackRefused(
      `${group} has no last-known-good revision (greenlight has verified no deployment of it); ${useTo}`,
    );
  }
  if (lkg.kind === 'rejected') {
    throw new RollbackRefused(
      `the last-known-good record of ${group} names ${lkg.record.deploymentId} (${lkg.record.revision || 'no revision'}), which greenlight will not roll back to: ${lkg.reason}; ${useTo}`,
    );
  }
  return {
    revision: lkg.revision,
    source: `last verified in ${lkg.record.deploymentId} at ${lkg.record.verifiedAt || '?'}`,
  };
}

/**
 * Stop with CodeDeploy's rollback only when it goes to the target: CodeDeploy rolls back to the
 * group's last successful deployment, which may be one greenlight never verified.
 */
function stopPlan(now: GroupNow, target: Target): { withRollback: boolean; why: string } {
  const serving = now.serving;
  if (sameRevision(serving?.revision, target.revision))
    return {
      withRollback: true,
      why: `CodeDeploy rolls back to ${serving?.deploymentId ?? '?'}, of this revision`,
    };
  return {
    withRollback: false,
    why: serving?.deploymentId
      ? `CodeDeploy's rollback would go to ${serving.deploymentId} (${revisionLabel(serving.revision)}), not to ${revisionLabel(target.revision)}`
      : 'the group has no successful deployment for CodeDeploy to roll back to',
  };
}

/**
 * The group already serves the target from a deployment a person, pipeline or CodeDeploy's rollback
 * made. An automatic scale-out deployment is not the fleet's verdict (it installed the few instances
 * that launched), so serving from one means deploying again.
 */
function servesTarget(now: GroupNow, target: Target): boolean {
  const serving = now.serving;
  return (
    serving?.deploymentId !== undefined &&
    !automatic(serving) &&
    sameRevision(serving.revision, target.revision)
  );
}

function creatorOf(d: DeploymentInfo): string {
  return d.creator ?? 'user';
}

/** CodeDeploy's automatic deployment of the instances a scale-out launched (or a scale-in ended). */
function automatic(d: DeploymentInfo): boolean {
  return creatorOf(d).startsWith('autoscaling');
}

/** Follows the deployment that carries the rollback to its end and verifies it. */
async function carry(options: {
  readonly how: RollbackOutcome['how'];
  readonly deploymentId: string;
  readonly target: Target;
  readonly request: RollbackRequest;
  readonly deps: RollbackDeps;
  readonly stopped?: string;
}): Promise<RollbackOutcome> {
  const { deploymentId, request, deps } = options;
  const followed = await followAndVerify(
    { deploymentId, env: request.env, pollMs: request.pollMs, ...optionalWait(request) },
    deps,
  );
  if (followed.rollback) {
    deps.logger.emit({
      kind: 'message',
      level: 'error',
      text: `CodeDeploy rolled ${deploymentId} back in ${followed.rollback.deploymentId} (${followed.rollback.status}): the group is not on ${revisionLabel(options.target.revision)}`,
    });
  }
  const verdict = followed.verdict ?? followed.beforeTraffic;
  if (!verdict) throw new RollbackFailed(`the rollback in ${deploymentId} was not verified`);
  return finish({ ...options, verdict, env: request.env });
}

/**
 * The rollback's result. It counts (and is recorded) only when the verdict is of the deployment that
 * carried the rollback, in this group, and that deployment is of the target revision.
 */
async function finish(options: {
  readonly how: RollbackOutcome['how'];
  readonly deploymentId: string;
  readonly target: Target;
  readonly verdict: Verdict;
  readonly deps: RollbackDeps;
  readonly env: EnvironmentConfig;
  readonly stopped?: string;
}): Promise<RollbackOutcome> {
  const { deploymentId, verdict, deps, env, target } = options;
  const { codedeploy } = deps.clients;
  if (verdict.verified) {
    const revision = await revisionOf(codedeploy, deploymentId);
    const ours =
      verdict.deploymentId === deploymentId &&
      verdict.application === env.application &&
      verdict.deploymentGroup === env.deploymentGroup;
    if (!ours || !sameRevision(revision, target.revision)) {
      throw new RollbackFailed(
        `the rollback verified ${verdict.deploymentId} (${verdict.application}/${verdict.deploymentGroup}, ${revisionLabel(revision)}), which is not ${revisionLabel(target.revision)} in ${env.application}/${env.deploymentGroup}; nothing was recorded`,
      );
    }
  }
  const lastKnownGood = verdict.verified
    ? await recordLastKnownGood(codedeploy, env, verdict, deps.clock)
    : undefined;
  return {
    how: options.how,
    ...(options.stopped ? { stoppedDeploymentId: options.stopped } : {}),
    deploymentId,
    revision: revisionLabel(target.revision),
    status: verdict.codedeployStatus,
    verdict,
    ...(lastKnownGood ? { lastKnownGood } : {}),
  };
}

function optionalWait(request: RollbackRequest) {
  return {
    ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  };
}

async function revisionOf(
  codedeploy: VerifyClients['codedeploy'],
  deploymentId: string,
): Promise<RevisionLocation | undefined> {
  const out = await awsCall('GetDeployment', deploymentId, () =>
    codedeploy.send(new GetDeploymentCommand({ deploymentId })),
  );
  return out.deploymentInfo?.revision;
}

/** Stops a deployment and waits for it to end; returns CodeDeploy's rollback deployment, if any. */
async function stop(
  deploymentId: string,
  plan: { readonly withRollback: boolean; readonly why: string },
  request: RollbackRequest,
  deps: RollbackDeps,
): Promise<string | undefined> {
  const step = `stop ${deploymentId} ${plan.withRollback ? 'with' : 'without'} rollback`;
  deps.logger.emit({ kind: 'step', step, status: 'started', detail: plan.why });
  try {
    await deps.clients.codedeploy.send(
      new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: plan.withRollback }),
    );
  } catch (error) {
    // It ended (or another rollback stopped it) between the look and the stop: the next look decides.
    if ((error as { name?: string }).name !== 'DeploymentAlreadyCompletedException') {
      throw new AwsOperationError('StopDeployment', deploymentId, error);
    }
  }
  const ended = await waitForDeployment(
    { deploymentId, pollMs: request.pollMs, ...optionalWait(request) },
    { codedeploy: deps.clients.codedeploy, clock: deps.clock, logger: deps.logger },
  );
  const status = ended.deployment.status ?? '';
  const rollbackId = TERMINAL_STATUSES.has(status)
    ? ended.deployment.rollbackInfo?.rollbackDeploymentId
    : undefined;
  deps.logger.emit({
    kind: 'step',
    step,
    status: 'done',
    detail: rollbackId ? `${status}; CodeDeploy rolls back in ${rollbackId}` : status,
  });
  return rollbackId;
}

/** CodeDeploy's own deployment of another revision (its rollback, a scale-out): waited for, not stopped. */
async function letFinish(d: DeploymentInfo, request: RollbackRequest, deps: RollbackDeps): Promise<void> {
  const id = d.deploymentId ?? '?';
  const step = `let ${id} (${creatorOf(d)}, ${revisionLabel(d.revision)}) finish`;
  deps.logger.emit({ kind: 'step', step, status: 'started' });
  const ended = await waitForDeployment(
    { deploymentId: id, pollMs: request.pollMs, ...optionalWait(request) },
    { codedeploy: deps.clients.codedeploy, clock: deps.clock, logger: deps.logger },
  );
  deps.logger.emit({ kind: 'step', step, status: 'done', detail: ended.deployment.status ?? '?' });
}
