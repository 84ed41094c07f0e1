// greenlight as a library: the operations behind every `greenlight` command, as typed functions.
//
// Each operation takes a request and its dependencies — `{ aws, clock, logger }` (Deps) — and
// returns its result with the exit code the command line would end with. Nothing here reads
// process.env, changes it, or exits the process: the environment, the clients and the clock are
// what the caller hands in, and errors are thrown (with an `exitCode` where the contract gives one).
//
//   import { createAwsClients, loadEnvironment, Output, parseRevision, release, systemClock } from 'greenlight';
//   const env = loadEnvironment({ config: 'greenlight.yml', name: 'dev' });
//   const aws = createAwsClients({ region: env.region }, process.env);
//   const logger = new Output({ stdout: process.stdout, stderr: process.stderr, human: 'plain', json: 'off' });
//   const { exitCode, result } = await release(
//     { env, revision: parseRevision(sha), build: {}, rollbackOnFailure: true },
//     { aws, clock: systemClock, logger },
//   );
//   logger.close();
//   aws.destroy();
import { lintAppSpecPath, type BundleLint } from './appspec/bundle.js';
import {
  applyGroup as applyDeploymentGroup,
  groupClientsOf,
  planGroup as planDeploymentGroup,
  type ApplyResult,
  type GroupPlan,
} from './codedeploy/group.js';
import type { EnvironmentConfig } from './config/environment.js';
import { resolveEnvironment } from './config/environment.js';
import { loadConfig } from './config/load.js';
import type { Overrides } from './config/overrides.js';
import type { Deps } from './deps.js';
import { environmentStatus, type EnvironmentStatus } from './rollback/status.js';

// --- The release and its steps --------------------------------------------------------------------
export {
  release,
  deploy,
  wait,
  DEFAULT_POLL_MS,
  type ReleaseRequest,
  type ReleaseResult,
  type ReleaseOutcome,
  type ReleaseRollback,
  type DeployRequest,
  type Deployment,
  type WaitRequest,
  type WaitResult,
} from './release.js';
export {
  verifyRelease as verify,
  type VerifyReleaseRequest as VerifyRequest,
  type VerifyReleaseResult as VerifyResult,
  type VerifiedRelease,
} from './verify/verify-release.js';
export {
  preflight,
  type PreflightCheck,
  type PreflightRequest,
  type PreflightResult,
} from './preflight/preflight.js';
export {
  rollBackRelease as rollback,
  type RollBackReleaseRequest as RollbackRequest,
  type RollBackReleaseResult as RollbackResult,
} from './rollback/roll-back-release.js';
export {
  gateRelease as gate,
  type GateReleaseRequest as GateRequest,
  type GateReleaseResult as GateResult,
} from './gate/gate-release.js';
export type { CodeDeployRollback } from './rollback/settle.js';
export type { RollbackOutcome } from './rollback/rollback.js';
export type { GateOutcome } from './gate/gate.js';
export type { LastKnownGood } from './rollback/last-known-good.js';
export type { StartOutcome, BuildInfo, BusyMode } from './codedeploy/deploy.js';
export { buildInfoFromEnv } from './codedeploy/deploy.js';
export type { InstanceFailure } from './codedeploy/wait.js';
export type { ScriptsLog, ScriptsLogStatus } from './diagnostics/scripts-log.js';
export type { FollowedDeployment } from './codedeploy/follow.js';

// --- What the operations are handed -----------------------------------------------------------------
export type { Deps, AwsClientSource } from './deps.js';
export { createAwsClients, type AwsClients, type AwsClientOptions } from './aws/clients.js';
export { systemClock, type Clock } from './clock.js';
export { silentLogger, type Logger, type LogEvent, type Level } from './log/events.js';
export { Output, type OutputOptions, type HumanMode, type JsonMode } from './log/output.js';
export { formatEvent } from './log/format.js';

// --- Inputs: configuration and revisions ------------------------------------------------------------
export type { EnvironmentConfig, Config } from './config/environment.js';
export type { Overrides } from './config/overrides.js';
export { ConfigError } from './config/errors.js';
export { loadConfig } from './config/load.js';
export { resolveEnvironment } from './config/environment.js';
export { parseRevision, parseDeploymentId, type RevisionRef } from './codedeploy/revision.js';

// --- Verdicts and reports --------------------------------------------------------------------------
export type { Verdict, InstanceRow, RuleResult } from './verify/verdict.js';
export { verdictJson, SCHEMA_ID as VERIFY_REPORT_SCHEMA, type VerifyReport } from './verify/report-json.js';
export { verdictJunit } from './verify/report-junit.js';
export { verdictMarkdown } from './verify/report-markdown.js';
export { verdictTable } from './verify/report-table.js';
export { htmlReport, type HtmlReportInput, type ReportCommand } from './report/html.js';
export type { Timeline, TimelineLane, TimelineEvent } from './verify/timeline.js';
export type { GateReport } from './gate/report-json.js';

// --- Outcomes --------------------------------------------------------------------------------------
export { ExitCode, UsageError, exitCodeOf, type ExitCodeValue } from './exit-codes.js';
export { greenlightVersion as version } from './version.js';

/** One environment of a greenlight.yml, validated, with overrides (flags, variables) applied. */
export function loadEnvironment(request: {
  /** Path of greenlight.yml. */
  readonly config: string;
  /** Its text, when the caller already has it (otherwise the file is read). */
  readonly text?: string;
  readonly name: string;
  readonly overrides?: Overrides;
}): EnvironmentConfig {
  const config = loadConfig({
    path: request.config,
    ...(request.text !== undefined ? { text: request.text } : {}),
  });
  return resolveEnvironment(config, request.name, request.overrides);
}

/** `greenlight group plan`: how the deployment group differs from greenlight.yml; changes nothing. */
export async function planGroup(
  request: { readonly env: EnvironmentConfig },
  deps: Pick<Deps, 'aws'>,
): Promise<GroupPlan> {
  return planDeploymentGroup(request.env, await groupClientsOf(deps.aws));
}

/** `greenlight group apply`: creates what is missing and updates only what differs. */
export async function applyGroup(
  request: { readonly env: EnvironmentConfig; readonly dryRun?: boolean; readonly cleanOrphans?: boolean },
  deps: Pick<Deps, 'aws' | 'logger'>,
): Promise<ApplyResult> {
  return applyDeploymentGroup(request.env, await groupClientsOf(deps.aws), deps.logger, {
    dryRun: Boolean(request.dryRun),
    cleanOrphans: Boolean(request.cleanOrphans),
  });
}

/** `greenlight status`: what is deployed, whether greenlight verified it, the last-known-good (checked). */
export async function status(
  request: { readonly env: EnvironmentConfig },
  deps: Pick<Deps, 'aws' | 'clock'>,
): Promise<{ data: EnvironmentStatus; lines: string[] }> {
  return environmentStatus(
    request.env,
    { codedeploy: await deps.aws.codedeploy(), s3: () => deps.aws.s3() },
    deps.clock,
  );
}

/**
 * `greenlight appspec lint`: every problem of an appspec.yml (or the bundle directory holding it) and
 * the scripts it names, as the CodeDeploy agent would see them. Errors mean the agent rejects it.
 */
export function lintAppSpec(request: { readonly path: string; readonly cwd: string }): Promise<BundleLint> {
  return lintAppSpecPath(request.path, { cwd: request.cwd });
}

export type { GroupPlan, ApplyResult, EnvironmentStatus, BundleLint };
export type { AppSpecProblem } from './appspec/appspec.js';
export { formatProblem } from './appspec/appspec.js';
