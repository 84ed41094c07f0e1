import type { BuildInfo } from '../codedeploy/deploy.js';
import { revisionLocation } from '../codedeploy/revision-location.js';
import type { RevisionRef } from '../codedeploy/revision.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { Deps } from '../deps.js';
import { ExitCode } from '../exit-codes.js';
import { verifyClientsOf } from '../verify/gather.js';
import { writeReportFiles, type ReportFiles } from '../verify/report-files.js';
import { verdictJson, type VerifyReport } from '../verify/report-json.js';
import type { LastKnownGood } from './last-known-good.js';
import { rollBack, type RollbackOutcome } from './rollback.js';

// `greenlight rollback` as one operation: the environment back on its last verified revision (or
// the one `to` names), verified there, its reports written, and the outcome said in one line.

export interface RollBackReleaseRequest {
  readonly env: EnvironmentConfig;
  /** Roll back to this revision instead of the last verified one. */
  readonly to?: RevisionRef;
  /** The CI run this comes from (buildInfoFromEnv), recorded on a redeploy. */
  readonly build: BuildInfo;
  readonly pollMs: number;
  readonly timeoutMs?: number;
  /** JUnit and Markdown reports of the rollback's verification. */
  readonly reports?: ReportFiles;
  /** What relative report paths are relative to. */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
}

/** The rollback as `greenlight rollback --json` reports it. */
export interface RollBackReleaseResult {
  readonly how: RollbackOutcome['how'];
  readonly stoppedDeploymentId?: string;
  readonly deploymentId: string;
  readonly revision: string;
  readonly status: string;
  readonly verified: boolean;
  readonly verification: VerifyReport;
  readonly lastKnownGood?: LastKnownGood;
}

const HOW: Record<RollbackOutcome['how'], string> = {
  stopped: ' (CodeDeploy’s rollback of the stopped deployment)',
  redeployed: '',
  attached: ' (a deployment of it that was already running)',
  'in-place': ' (the environment already served it; nothing was redeployed)',
};

/** Exit 5 when the rollback verified, 1 when it did not (rollBack refuses with 1 when it has nowhere to go). */
export async function rollBackRelease(
  request: RollBackReleaseRequest,
  deps: Deps,
): Promise<{ exitCode: number; outcome: RollbackOutcome; result: RollBackReleaseResult }> {
  const { env } = request;
  const { aws, logger } = deps;
  const to = request.to ? await revisionLocation(env, request.to, () => aws.s3()) : undefined;
  const clients = await verifyClientsOf(aws);
  const outcome = await rollBack(
    {
      env,
      ...(to ? { to } : {}),
      build: request.build,
      pollMs: request.pollMs,
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
    { clients, clock: deps.clock, logger, s3: () => aws.s3() },
  );
  await writeReportFiles(outcome.verdict, request.reports ?? {}, request.cwd ?? '.', logger);
  const verified = outcome.verdict.verified;
  logger.emit({
    kind: 'message',
    level: verified ? 'info' : 'error',
    text: verified
      ? `rolled back to ${outcome.revision} in ${outcome.deploymentId}, verified${HOW[outcome.how]}`
      : `the rollback to ${outcome.revision} in ${outcome.deploymentId} did not verify; nothing was recorded`,
  });
  return {
    exitCode: verified ? ExitCode.RolledBack : ExitCode.Failed,
    outcome,
    result: {
      how: outcome.how,
      ...(outcome.stoppedDeploymentId ? { stoppedDeploymentId: outcome.stoppedDeploymentId } : {}),
      deploymentId: outcome.deploymentId,
      revision: outcome.revision,
      status: outcome.status,
      verified,
      verification: verdictJson(outcome.verdict),
      ...(outcome.lastKnownGood ? { lastKnownGood: outcome.lastKnownGood } : {}),
    },
  };
}
