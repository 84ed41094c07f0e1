import type { EnvironmentConfig } from '../config/environment.js';
import type { Deps } from '../deps.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { recordLastKnownGood, type LastKnownGood } from '../rollback/last-known-good.js';
import { gatherRequestFor } from './follow.js';
import { verifyClientsOf } from './gather.js';
import { findRelease } from './release.js';
import { checkReportPaths, writeReportFiles, type ReportFiles } from './report-files.js';
import { verdictJson, type VerifyReport } from './report-json.js';
import type { Verdict } from './verdict.js';
import { verifyDeployment } from './verify.js';

// `greenlight verify` as one operation: a deployment, or the environment's release, judged against
// the environment (facts → rules → verdict), its reports written, and a verified result recorded as
// the environment's last-known-good.

export interface VerifyReleaseRequest {
  /** The deployment to judge; default: the environment's release (verify/release.ts). */
  readonly deploymentId?: string;
  /**
   * The environment the deployment must belong to, whose target groups, health check and alarms are
   * part of the verdict; without it only what the deployment and its group carry, and nothing is
   * recorded.
   */
  readonly env?: EnvironmentConfig;
  /** Record a verified result as the last-known-good (default true; needs `env`). */
  readonly record?: boolean;
  /** JUnit and Markdown reports to write, checked before the first AWS call. */
  readonly reports?: ReportFiles;
  /** What relative report paths are relative to. */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
}

/** The verdict as `greenlight verify --json` reports it. */
export type VerifyReleaseResult = VerifyReport & { lastKnownGood?: LastKnownGood };

export interface VerifiedRelease {
  /** 0 verified, 1 not. */
  readonly exitCode: number;
  readonly verdict: Verdict;
  readonly result: VerifyReleaseResult;
}

export async function verifyRelease(request: VerifyReleaseRequest, deps: Deps): Promise<VerifiedRelease> {
  const { env, reports = {} } = request;
  const cwd = request.cwd ?? '.';
  if (!request.deploymentId && !env) {
    throw new UsageError('verify needs a deployment id or an environment (to verify its release)');
  }
  // Everything the caller asked for is checked before the first AWS call.
  await checkReportPaths(reports, cwd);
  const clients = await verifyClientsOf(deps.aws);
  const id = request.deploymentId ?? (await releaseOf(env as EnvironmentConfig, clients.codedeploy, deps));
  const verdict = await verifyDeployment(gatherRequestFor(id, env, request.signal), {
    clients,
    clock: deps.clock,
    logger: deps.logger,
  });
  await writeReportFiles(verdict, reports, cwd, deps.logger);
  const exitCode = verdict.verified ? ExitCode.Ok : ExitCode.Failed;
  const result: VerifyReleaseResult = verdictJson(verdict);
  if (!verdict.verified || request.record === false) return { exitCode, verdict, result };
  if (!env) {
    deps.logger.emit({
      kind: 'message',
      level: 'info',
      text: `not recorded as the last-known-good: without --env the environment's target groups and health check were not part of this verdict`,
    });
    return { exitCode, verdict, result };
  }
  // gatherFacts refused a deployment of another group, so the record goes where it belongs.
  const lastKnownGood = await recordLastKnownGood(clients.codedeploy, env, verdict, deps.clock);
  return { exitCode, verdict, result: { ...result, lastKnownGood } };
}

/** `verify --env`: the environment's release, chosen on purpose and said why. */
async function releaseOf(
  env: EnvironmentConfig,
  codedeploy: Parameters<typeof findRelease>[0],
  deps: Deps,
): Promise<string> {
  const release = await findRelease(codedeploy, env);
  if (!release) {
    throw new UsageError(
      `${env.application}/${env.deploymentGroup} has no deployment a person or pipeline created; deploy first (greenlight deploy --env ${env.name})`,
    );
  }
  deps.logger.emit({ kind: 'message', level: 'info', text: release.why });
  return release.deploymentId;
}
