import type { RevisionLocation } from '@aws-sdk/client-codedeploy';
import { uploadBundle } from './codedeploy/bundle.js';
import {
  revisionLabel,
  startDeployment,
  type BuildInfo,
  type BusyMode,
  type StartOutcome,
} from './codedeploy/deploy.js';
import { fleetBehindLaunchTemplate, followLatestLaunchTemplate } from './codedeploy/launch-template.js';
import { followDeployment, sayCodeDeployOutcome, type FollowedDeployment } from './codedeploy/follow.js';
import { revisionLocation } from './codedeploy/revision-location.js';
import { failedInstanceDiagnosis } from './diagnostics/failed-instances.js';
import { InvalidArgumentError, type RevisionRef } from './codedeploy/revision.js';
import type { InstanceFailure } from './codedeploy/wait.js';
import type { EnvironmentConfig } from './config/environment.js';
import type { Deps } from './deps.js';
import { withSuspendedProcesses } from './preflight/auto-scaling.js';
import { ExitCode } from './exit-codes.js';
import { recordLastKnownGood, verifiedBy, type LastKnownGood } from './rollback/last-known-good.js';
import { rollBack, type RollbackOutcome } from './rollback/rollback.js';
import { settleFollowed, type CodeDeployRollback } from './rollback/settle.js';
import { followAndVerify, gatherRequestFor, type FollowResult } from './verify/follow.js';
import { checkBelongsTo, verifyClientsOf } from './verify/gather.js';
import { verdictJson, type VerifyReport } from './verify/report-json.js';
import { verifyDeployment } from './verify/verify.js';

// A release: deploy → follow → verify → roll back → record. `greenlight deploy`, the CircleCI job
// that runs it (deployscripts/create-deployment.ts), the demo and any program using greenlight as a
// library run this one sequence; `wait` is its second half for a deployment started elsewhere. Each
// step tells the logger what it does; the result is the document `--json` prints, with the exit code
// the contract gives it (0 verified, 1 failed, 5 failed, rolled back and the rollback verified).

export interface DeployRequest {
  readonly env: EnvironmentConfig;
  /** A commit (deployed from GitHub, or the S3 bundle CI uploaded for it) or an S3 object. */
  readonly revision: RevisionRef;
  /** Pack this directory (with its appspec.yml), upload it to the environment's S3 location, deploy it. */
  readonly bundleDir?: string;
  /** What relative paths (bundleDir) are relative to. */
  readonly cwd?: string;
  /** The CI run this comes from (buildInfoFromEnv): recorded, and the build-order check's input. */
  readonly build: BuildInfo;
  /** When the group has an active deployment (default `wait`). */
  readonly ifBusy?: BusyMode;
  /** How long `ifBusy: 'wait'` waits for the other deployment (default an hour). */
  readonly busyTimeoutMs?: number;
  /** Deploy even if the revision was already verified, or a newer build was deployed. */
  readonly force?: boolean;
  /** How often to ask CodeDeploy (default 15 s). */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

export interface Deployment {
  readonly started: StartOutcome;
  readonly revision: RevisionLocation;
}

export const DEFAULT_POLL_MS = 15_000;
const DEFAULT_BUSY_TIMEOUT_MS = 3_600_000;

/** Starts a deployment of the revision (or attaches to one of it), safely: see codedeploy/deploy.ts. */
export async function deploy(request: DeployRequest, deps: Deps): Promise<Deployment> {
  const { env, revision: ref } = request;
  const { aws, logger } = deps;
  if (request.bundleDir !== undefined && ref.type !== 'GitHub') {
    throw new InvalidArgumentError(
      '--bundle uploads a new S3 bundle; --revision may name its commit, not an s3:// URL',
    );
  }
  const revision =
    request.bundleDir !== undefined && ref.type === 'GitHub'
      ? await uploadBundle({
          env,
          dir: request.bundleDir,
          commit: ref.commitId,
          s3: await aws.s3(),
          logger,
          cwd: request.cwd ?? '.',
        })
      : await revisionLocation(env, ref, () => aws.s3());
  const codedeploy = await aws.codedeploy();
  const started = await startDeployment(
    {
      env,
      revision,
      build: request.build,
      ifBusy: request.ifBusy ?? 'wait',
      force: Boolean(request.force),
      busyTimeoutMs: request.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
      pollMs: request.pollMs ?? DEFAULT_POLL_MS,
      isVerified: verifiedBy(codedeploy, env),
      ...(request.signal ? { signal: request.signal } : {}),
    },
    {
      codedeploy,
      clock: deps.clock,
      logger,
      beforeCopy: async (groups) =>
        followLatestLaunchTemplate(groups, {
          autoscaling: await aws.autoscaling(),
          ec2: await aws.ec2(),
          logger,
        }),
      fleetBehind: async (groups) =>
        fleetBehindLaunchTemplate(groups, { autoscaling: await aws.autoscaling(), ec2: await aws.ec2() }),
    },
  );
  if (started.kind !== 'already-verified') {
    logger.emit({
      kind: 'step',
      step: `deploy ${revisionLabel(revision)} to ${env.application}/${env.deploymentGroup}`,
      status: 'done',
      detail:
        started.kind === 'created'
          ? `created ${started.deploymentId}`
          : `attached to ${started.deploymentId}: ${started.reason}`,
    });
  }
  return { started, revision };
}

export interface ReleaseRequest extends DeployRequest {
  /** Follow the deployment to its end (default true); false: return once it is created. */
  readonly wait?: boolean;
  /** Verify every instance once CodeDeploy is done (default true); false: CodeDeploy's word only. */
  readonly verify?: boolean;
  /** When an instance or the verification fails, stop and roll back to the last verified revision. */
  readonly rollbackOnFailure?: boolean;
  /** When the deployment waits in Ready, reroute traffic (after verifying the green fleet). */
  readonly continueWhenReady?: boolean;
  /** Stop the deployment when the signal aborts (default: leave it running). */
  readonly stopOnCancel?: boolean;
  /** Give up waiting after this long (default: the environment's, else derived from the group). */
  readonly timeoutMs?: number;
  /**
   * Told the deployment this release follows as soon as it has one (created, or attached to), before
   * any wait: a later step of the same CI job may act on it even when this one fails or is killed.
   */
  readonly onStarted?: (started: {
    readonly deploymentId: string;
    readonly created: boolean;
  }) => Promise<void>;
}

/** greenlight's own rollback after a failed release (`rollbackOnFailure`). */
export interface ReleaseRollback {
  readonly deploymentId: string;
  readonly status: string;
  readonly how: RollbackOutcome['how'];
  readonly revision: string;
  readonly verified: boolean;
  readonly verification: VerifyReport;
}

/** The release as `greenlight deploy --json` reports it. */
export interface ReleaseResult {
  readonly deploymentId: string;
  /** CodeDeploy's last word; absent when the release did not wait. */
  readonly status?: string;
  /** A new deployment, not one attached to or verified before. */
  readonly created: boolean;
  /** Absent when the release did not wait. */
  readonly verified?: boolean;
  readonly failures?: readonly InstanceFailure[];
  readonly verification?: VerifyReport;
  readonly rollback?: CodeDeployRollback | ReleaseRollback | FollowedDeployment['rollback'];
  readonly lastKnownGood?: LastKnownGood;
}

export interface ReleaseOutcome {
  readonly exitCode: number;
  readonly result: ReleaseResult;
}

export async function release(request: ReleaseRequest, deps: Deps): Promise<ReleaseOutcome> {
  // With autoScaling.suspendProcesses, the Auto Scaling processes CodeDeploy names are suspended for
  // the release on the group it copies, and resumed however the release ends.
  return withSuspendedProcesses(request.env, { ...deps, follows: request.wait !== false }, () =>
    releaseOnce(request, deps),
  );
}

async function releaseOnce(request: ReleaseRequest, deps: Deps): Promise<ReleaseOutcome> {
  const { env } = request;
  const { started, revision } = await deploy(request, deps);
  const id = started.deploymentId;
  if (started.kind === 'already-verified') return verifyAgain(request, id, revisionLabel(revision), deps);
  const created = started.kind === 'created';
  await request.onStarted?.({ deploymentId: id, created });
  if (request.wait === false) return { exitCode: ExitCode.Ok, result: { deploymentId: id, created } };

  const pollMs = request.pollMs ?? DEFAULT_POLL_MS;
  const timeout = request.timeoutMs ?? env.timeouts.waitMs;
  const timeoutMs = timeout !== undefined ? { timeoutMs: timeout } : {};
  const signal = request.signal ? { signal: request.signal } : {};
  const codedeploy = await deps.aws.codedeploy();
  // A failed instance's whole scripts.log, when the environment asks for it.
  const diagnose = failedInstanceDiagnosis(env, { ...deps, ...signal });
  const diagnosing = diagnose ? { diagnose } : {};
  if (request.verify === false) {
    const { exitCode, result } = await followDeployment(
      {
        deploymentId: id,
        pollMs,
        ...timeoutMs,
        rollbackOnFailure: Boolean(request.rollbackOnFailure),
        continueWhenReady: Boolean(request.continueWhenReady),
        stopOnCancel: Boolean(request.stopOnCancel),
        ...signal,
      },
      { codedeploy, clock: deps.clock, logger: deps.logger, ...diagnosing },
    );
    return { exitCode, result: { ...result, created, verified: false } };
  }

  const clients = await verifyClientsOf(deps.aws);
  const verifyDeps = { clients, clock: deps.clock, logger: deps.logger, s3: () => deps.aws.s3() };
  const followed = await followAndVerify(
    {
      deploymentId: id,
      env,
      pollMs,
      ...timeoutMs,
      rollbackOnFailure: Boolean(request.rollbackOnFailure),
      continueWhenReady: Boolean(request.continueWhenReady),
      stopOnCancel: Boolean(request.stopOnCancel),
      ...signal,
    },
    { ...verifyDeps, ...diagnosing },
  );
  const result: ReleaseResult = {
    deploymentId: id,
    status: statusOf(followed),
    created,
    ...judged(followed),
  };
  const settled = await settleFollowed(followed, env, { ...verifyDeps, codedeploy });
  // Verified, or rolled back by CodeDeploy onto the last verified revision: settled. A CodeDeploy
  // rollback that landed elsewhere is a failure greenlight's own rollback can still mend.
  const mendable = settled?.exitCode === ExitCode.Failed && followed.rollback !== undefined;
  const settledResult: ReleaseResult = {
    ...result,
    ...(settled?.rollback ? { rollback: settled.rollback } : {}),
    ...(settled?.lastKnownGood ? { lastKnownGood: settled.lastKnownGood } : {}),
  };
  if (settled && !(mendable && request.rollbackOnFailure)) {
    return { exitCode: settled.exitCode, result: settledResult };
  }
  if (!request.rollbackOnFailure) return { exitCode: ExitCode.Failed, result: settledResult };
  const rolled = await rollBack({ env, build: request.build, pollMs, ...timeoutMs, ...signal }, verifyDeps);
  const rollback: ReleaseRollback = {
    deploymentId: rolled.deploymentId,
    status: rolled.status,
    how: rolled.how,
    revision: rolled.revision,
    verified: rolled.verdict.verified,
    verification: verdictJson(rolled.verdict),
  };
  return {
    exitCode: rolled.verdict.verified ? ExitCode.RolledBack : ExitCode.Failed,
    result: {
      ...settledResult,
      rollback,
      ...(rolled.lastKnownGood ? { lastKnownGood: rolled.lastKnownGood } : {}),
    },
  };
}

/** A revision greenlight verified before: no verdict from a memory, the fleet is judged again now. */
async function verifyAgain(
  request: ReleaseRequest,
  id: string,
  label: string,
  deps: Deps,
): Promise<ReleaseOutcome> {
  const { env } = request;
  deps.logger.emit({
    kind: 'step',
    step: `deploy ${label}`,
    status: 'skipped',
    detail: `already deployed in ${id} and verified then; verifying the environment again now`,
  });
  const clients = await verifyClientsOf(deps.aws);
  const verdict = await verifyDeployment(gatherRequestFor(id, env, request.signal), {
    clients,
    clock: deps.clock,
    logger: deps.logger,
  });
  const result: ReleaseResult = {
    deploymentId: id,
    status: verdict.codedeployStatus,
    created: false,
    verified: verdict.verified,
    verification: verdictJson(verdict),
  };
  if (verdict.verified) {
    const lastKnownGood = await recordLastKnownGood(clients.codedeploy, env, verdict, deps.clock);
    return { exitCode: ExitCode.Ok, result: { ...result, lastKnownGood } };
  }
  deps.logger.emit({
    kind: 'message',
    level: 'error',
    text: `${label} was verified in ${id} before, but the environment no longer verifies; deploy it again with --force (greenlight deploy --env ${env.name} --revision ${label} --force)`,
  });
  return { exitCode: ExitCode.Failed, result };
}

function statusOf(followed: FollowResult): string {
  return followed.outcome.deployment.status ?? 'Unknown';
}

/** What greenlight found: verified only by a verdict on the finished deployment, never before traffic. */
function judged(followed: FollowResult): Pick<ReleaseResult, 'verified' | 'failures' | 'verification'> {
  const verdict = followed.verdict ?? followed.beforeTraffic;
  return {
    verified: Boolean(followed.verdict?.verified),
    failures: followed.outcome.failures,
    ...(verdict ? { verification: verdictJson(verdict) } : {}),
  };
}

export interface WaitRequest {
  readonly deploymentId: string;
  /**
   * The environment the deployment must belong to: its target groups and health check are part of
   * the verdict, and a verified result is recorded as its last-known-good. Without it: only what
   * the deployment and its group carry, and nothing is recorded.
   */
  readonly env?: EnvironmentConfig;
  /** Verify once CodeDeploy is done (default true); false: CodeDeploy's word only. */
  readonly verify?: boolean;
  readonly pollMs?: number;
  /** Default: derived from the deployment's own timeouts. */
  readonly timeoutMs?: number;
  /** Stop the deployment with rollback the moment an instance fails. */
  readonly rollbackOnFailure?: boolean;
  readonly continueWhenReady?: boolean;
  readonly stopOnCancel?: boolean;
  readonly signal?: AbortSignal;
}

/** The release's result without `created`: `wait` follows a deployment it did not start. */
export type WaitResult = Omit<ReleaseResult, 'created'>;

/** The second half of a release, for a deployment started anywhere: follow → verify → record. */
export async function wait(
  request: WaitRequest,
  deps: Deps,
): Promise<{ exitCode: number; result: WaitResult }> {
  const { deploymentId, env } = request;
  const pollMs = request.pollMs ?? DEFAULT_POLL_MS;
  const follow = {
    deploymentId,
    pollMs,
    ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
    rollbackOnFailure: Boolean(request.rollbackOnFailure),
    continueWhenReady: Boolean(request.continueWhenReady),
    stopOnCancel: Boolean(request.stopOnCancel),
    ...(request.signal ? { signal: request.signal } : {}),
  };
  const diagnose = env
    ? failedInstanceDiagnosis(env, { ...deps, ...(request.signal ? { signal: request.signal } : {}) })
    : undefined;
  const diagnosing = diagnose ? { diagnose } : {};
  if (request.verify === false) {
    const codedeploy = await deps.aws.codedeploy();
    const { exitCode, result } = await followDeployment(follow, {
      codedeploy,
      clock: deps.clock,
      logger: deps.logger,
      ...diagnosing,
    });
    deps.logger.emit({
      kind: 'message',
      level: 'warn',
      text: `--no-verify: this is CodeDeploy's word only; ${deploymentId} is not verified (greenlight verify ${deploymentId}${env ? ` --env ${env.name}` : ''})`,
    });
    return { exitCode, result: { ...result, verified: false } };
  }
  const clients = await verifyClientsOf(deps.aws);
  // A deployment of another group is refused before the wait, not after it.
  if (env) await checkBelongsTo(clients.codedeploy, deploymentId, env);
  const verifyDeps = { clients, clock: deps.clock, logger: deps.logger };
  const followed = await followAndVerify(
    { ...follow, ...(env ? { env } : {}) },
    { ...verifyDeps, ...diagnosing },
  );
  sayCodeDeployOutcome(deps.logger, followed.outcome.deployment, followed.outcome.failures);
  const result: WaitResult = { deploymentId, status: statusOf(followed), ...judged(followed) };
  if (!env) {
    deps.logger.emit({
      kind: 'message',
      level: 'info',
      text: 'verified without --env: the environment’s target groups and health check were not part of the verdict, and nothing is recorded',
    });
  }
  const settled = await settleFollowed(followed, env, {
    ...verifyDeps,
    codedeploy: clients.codedeploy,
    s3: () => deps.aws.s3(),
  });
  return {
    exitCode: settled?.exitCode ?? ExitCode.Failed,
    result: {
      ...result,
      ...(settled?.rollback ? { rollback: settled.rollback } : {}),
      ...(settled?.lastKnownGood ? { lastKnownGood: settled.lastKnownGood } : {}),
    },
  };
}
