import {
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type CodeDeployClient,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { awsCall, AwsOperationError, classifyAwsError } from '../aws/errors.js';
import type { Clock } from '../clock.js';
import {
  ACTIVE_STATUSES,
  revisionLabel,
  sameRevision,
  startDeployment,
  type BuildInfo,
} from '../codedeploy/deploy.js';
import { TERMINAL_STATUSES, waitForDeployment } from '../codedeploy/wait.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { Logger } from '../log/events.js';
import type { VerifyClients } from '../verify/gather.js';
import { followAndVerify } from '../verify/follow.js';
import type { Verdict } from '../verify/verdict.js';
import { readLastKnownGood, recordLastKnownGood, type LastKnownGood } from './last-known-good.js';

// Rolling back: an active deployment is stopped with CodeDeploy's rollback and followed; otherwise
// the last verified revision (or the one --to names) is deployed as a new deployment. Either way the
// result is verified, and only a verified result is a rollback (exit 5). greenlight never rolls back
// to a revision it did not verify unless the person named it.

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
  /** `stopped`: CodeDeploy rolled the active deployment back; `redeployed`: a new deployment. */
  readonly how: 'stopped' | 'redeployed';
  readonly stoppedDeploymentId?: string;
  /** The deployment that carried the rollback. */
  readonly deploymentId: string;
  readonly revision: string;
  readonly status: string;
  readonly verdict: Verdict;
  /** The new last-known-good record, when the rollback verified. */
  readonly lastKnownGood?: LastKnownGood;
}

/** Nothing to roll back to: no verified revision and no --to. Exit 1, nothing was changed. */
export class RollbackRefused extends Error {
  readonly exitCode = 1;
}

export interface RollbackDeps {
  readonly clients: VerifyClients;
  readonly clock: Clock;
  readonly logger: Logger;
}

export async function rollBack(request: RollbackRequest, deps: RollbackDeps): Promise<RollbackOutcome> {
  const { env } = request;
  const { codedeploy } = deps.clients;
  const group = `${env.application}/${env.deploymentGroup}`;
  const lkg = await readLastKnownGood(codedeploy, env);
  const lkgRevision = lkg ? await revisionOf(codedeploy, lkg.deploymentId) : undefined;
  if (!request.to && !lkgRevision) {
    throw new RollbackRefused(
      `${group} has no last-known-good revision (greenlight has verified no deployment of it${lkg ? `; the recorded ${lkg.deploymentId} is gone` : ''}); ` +
        'name the revision to roll back to with --to SHA|s3://bucket/key',
    );
  }

  const active = await activeDeployment(codedeploy, env);
  if (active) {
    const stopped = await stop(active, !request.to, request, deps);
    if (stopped.rollbackId && !request.to) {
      const followed = await followAndVerify(
        { deploymentId: stopped.rollbackId, env, pollMs: request.pollMs, ...optionalWait(request) },
        deps,
      );
      const revision = await revisionOf(codedeploy, stopped.rollbackId);
      if (lkgRevision && !sameRevision(revision, lkgRevision)) {
        deps.logger.emit({
          kind: 'message',
          level: 'warn',
          text: `CodeDeploy rolled ${active} back to ${revisionLabel(revision)}, which is not the last verified revision ${revisionLabel(lkgRevision)}`,
        });
      }
      return finish('stopped', stopped.rollbackId, revision, followed.verdict, deps, env, active);
    }
  }

  const revision = request.to ?? lkgRevision;
  if (!revision) throw new RollbackRefused(`${group}: nothing to roll back to; use --to`);
  const label = revisionLabel(revision);
  deps.logger.emit({
    kind: 'step',
    step: `roll ${group} back to ${label}`,
    status: 'started',
    detail: request.to
      ? 'the revision --to names'
      : `last verified in ${lkg?.deploymentId ?? '?'} at ${lkg?.verifiedAt ?? '?'}`,
  });
  const started = await startDeployment(
    {
      env,
      revision,
      build: request.build,
      ifBusy: 'wait',
      // An older build on purpose: that is what a rollback is.
      force: true,
      busyTimeoutMs: request.timeoutMs ?? 3_600_000,
      pollMs: request.pollMs,
      ...(request.signal ? { signal: request.signal } : {}),
    },
    { codedeploy, clock: deps.clock, logger: deps.logger },
  );
  deps.logger.emit({
    kind: 'step',
    step: `roll ${group} back to ${label}`,
    status: 'done',
    detail: `${started.kind} ${started.deploymentId}`,
  });
  const followed = await followAndVerify(
    { deploymentId: started.deploymentId, env, pollMs: request.pollMs, ...optionalWait(request) },
    deps,
  );
  return finish('redeployed', started.deploymentId, revision, followed.verdict, deps, env, active);
}

function optionalWait(request: RollbackRequest) {
  return {
    ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  };
}

async function finish(
  how: RollbackOutcome['how'],
  deploymentId: string,
  revision: RevisionLocation | undefined,
  verdict: Verdict | undefined,
  deps: RollbackDeps,
  env: EnvironmentConfig,
  stoppedDeploymentId: string | undefined,
): Promise<RollbackOutcome> {
  if (!verdict) throw new Error(`rollback ${deploymentId} was not verified`);
  const lastKnownGood = verdict.verified
    ? await recordLastKnownGood(deps.clients.codedeploy, env, verdict, deps.clock)
    : undefined;
  return {
    how,
    ...(stoppedDeploymentId ? { stoppedDeploymentId } : {}),
    deploymentId,
    revision: revisionLabel(revision),
    status: verdict.codedeployStatus,
    verdict,
    ...(lastKnownGood ? { lastKnownGood } : {}),
  };
}

async function revisionOf(
  codedeploy: CodeDeployClient,
  deploymentId: string,
): Promise<RevisionLocation | undefined> {
  try {
    const out = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    return out.deploymentInfo?.revision;
  } catch (error) {
    if (classifyAwsError(error) === 'not-found') return undefined;
    throw new AwsOperationError('GetDeployment', deploymentId, error);
  }
}

async function activeDeployment(
  codedeploy: CodeDeployClient,
  env: EnvironmentConfig,
): Promise<string | undefined> {
  const group = `${env.application}/${env.deploymentGroup}`;
  const out = await awsCall('ListDeployments', group, () =>
    codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: env.application,
        deploymentGroupName: env.deploymentGroup,
        includeOnlyStatuses: ACTIVE_STATUSES,
      }),
    ),
  );
  return out.deployments?.[0];
}

async function stop(
  deploymentId: string,
  withRollback: boolean,
  request: RollbackRequest,
  deps: RollbackDeps,
): Promise<{ rollbackId?: string }> {
  const step = `stop ${deploymentId}${withRollback ? ' with rollback' : ''}`;
  deps.logger.emit({ kind: 'step', step, status: 'started' });
  try {
    await deps.clients.codedeploy.send(
      new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: withRollback }),
    );
  } catch (error) {
    // It ended between the look and the stop: what is left to do is a redeploy.
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
  return rollbackId ? { rollbackId } : {};
}
