import type { BuildInfo } from '../codedeploy/deploy.js';
import { formatDuration } from '../config/duration.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { Deps } from '../deps.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import type { Logger } from '../log/events.js';
import { formatElapsed } from '../log/format.js';
import type { LastKnownGood } from '../rollback/last-known-good.js';
import { verifyClientsOf } from '../verify/gather.js';
import { writeReport, type ReportFiles } from '../verify/report-files.js';
import { verdictJson, type VerifyReport } from '../verify/report-json.js';
import { findCandidate } from './candidate.js';
import { describeProblems, describeTargetHealth } from './checks.js';
import { runGate, type GateOutcome } from './gate.js';
import { recordPassedGate, type PassedGate } from './passed-gate.js';
import { gateJson } from './report-json.js';
import { gateJunit } from './report-junit.js';
import { gateMarkdown } from './report-markdown.js';
import { rollBackFailedGate } from './roll-back.js';
import { describeSmoke, environmentUrl, smokeVariables } from './smoke.js';

// `greenlight gate` as one operation: the release greenlight verified is baked (gate.ts), a pass is
// recorded on the group, and a failure is rolled back to the revision that last passed the gate when
// asked. Cancelled by the signal, nothing is promoted (exit 130, or 143 for SIGTERM).

export interface GateReleaseRequest {
  readonly env: EnvironmentConfig;
  /** How long to watch (default: the environment's bake). */
  readonly bakeMs?: number;
  /** How often to look (shortened so a bake gets at least MIN_LOOKS looks). */
  readonly pollMs: number;
  /** Alarms already in ALARM as the bake begins that must not fail the gate until they are OK. */
  readonly ignoreAlarms?: readonly string[];
  /** The team's smoke tests, run against the environment's URL while it bakes. */
  readonly smoke?: {
    readonly command: string;
    /** The tests' whole environment, to which GREENLIGHT_URL and friends are added. */
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly timeoutMs: number;
  };
  /** Bake the release even though greenlight did not verify it (a pass is then not recorded). */
  readonly force?: boolean;
  /** Bake only a release of this revision (the pipeline's commit); any other is refused. */
  readonly revision?: string;
  /** On failure, roll back to the revision that last passed the gate. */
  readonly rollbackOnFailure?: boolean;
  /** The CI run this comes from (buildInfoFromEnv), recorded on a rollback's redeploy. */
  readonly build: BuildInfo;
  readonly reports?: ReportFiles;
  /** What relative report paths and the smoke tests' working directory are relative to. */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
}

/** The gate as `greenlight gate --json` reports it. */
export type GateReleaseResult = ReturnType<typeof gateJson> & {
  readonly verified: boolean;
  readonly passedGate?: PassedGate;
  readonly rollback?:
    | { readonly refused: string }
    | {
        readonly to: PassedGate;
        readonly how: string;
        readonly deploymentId: string;
        readonly revision: string;
        readonly status: string;
        readonly verified: boolean;
        readonly verification: VerifyReport;
        readonly lastKnownGood?: LastKnownGood;
      };
};

export async function gateRelease(
  request: GateReleaseRequest,
  deps: Deps,
): Promise<{ exitCode: number; outcome: GateOutcome; result: GateReleaseResult }> {
  const { env, smoke } = request;
  const { logger } = deps;
  const cwd = request.cwd ?? '.';
  const url = environmentUrl(env.health);
  if (smoke !== undefined && smoke.command.trim() === '') throw new UsageError('--smoke needs a command');
  if (smoke && !url) {
    throw new UsageError(
      `--smoke runs against the environment's URL, and ${env.name} has none: set health.url for it in greenlight.yml (or GREENLIGHT_HEALTH_URL)`,
    );
  }
  const clients = await verifyClientsOf(deps.aws);
  const s3 = () => deps.aws.s3();
  const candidate = await findCandidate(env, clients.codedeploy, {
    force: Boolean(request.force),
    s3,
    ...(request.revision !== undefined ? { revision: request.revision } : {}),
  });
  if (!candidate.verified) {
    logger.emit({
      kind: 'message',
      level: 'warn',
      text: `--force: baking ${candidate.deploymentId} (${candidate.revision}, ${candidate.status}), which greenlight has not verified; a pass will not be recorded`,
    });
  }
  const gateDeps = { clients, clock: deps.clock, logger, s3 };
  const outcome = await runGate(
    {
      env,
      candidate,
      bakeMs: request.bakeMs ?? env.bakeMs,
      pollMs: request.pollMs,
      ignoreAlarms: request.ignoreAlarms ?? [],
      ...(smoke && url
        ? {
            smoke: {
              command: smoke.command,
              env: {
                ...smoke.env,
                ...smokeVariables({
                  environment: env.name,
                  url,
                  ...(env.health.url ? { healthUrl: env.health.url } : {}),
                  version: candidate.expectedVersion ?? candidate.revision,
                  revision: candidate.revision,
                  deploymentId: candidate.deploymentId,
                }),
              },
              cwd,
              timeoutMs: smoke.timeoutMs,
            },
          }
        : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
    gateDeps,
  );
  await writeReports(outcome, request.reports ?? {}, cwd, logger);
  const result = { ...gateJson(outcome), verified: candidate.verified };
  const ended = (exitCode: number, more: Partial<GateReleaseResult> = {}) => ({
    exitCode,
    outcome,
    result: { ...result, ...more },
  });

  if (outcome.result === 'cancelled') {
    logger.emit({
      kind: 'message',
      level: 'warn',
      text: `gate cancelled by ${outcome.cancelledBy ?? 'a signal'} after ${formatElapsed(outcome.watchedMs)} of the ${formatDuration(outcome.bakeMs)} bake: nothing was promoted`,
    });
    return ended(outcome.cancelledBy === 'SIGTERM' ? 143 : ExitCode.Interrupted);
  }

  if (outcome.result === 'passed') {
    for (const line of passedLines(outcome)) logger.emit({ kind: 'message', level: 'info', text: line });
    if (!candidate.verified) return ended(ExitCode.Ok);
    const passedGate = await recordPassedGate(clients.codedeploy, env, candidate, deps.clock);
    return ended(ExitCode.Ok, { passedGate });
  }

  logger.emit({
    kind: 'message',
    level: 'error',
    text: `gate failed for ${candidate.deploymentId} (${candidate.revision}) in ${env.name} after ${formatElapsed(outcome.watchedMs)} of the ${formatDuration(outcome.bakeMs)} bake: ${describeProblems(outcome.problems)}; nothing was promoted`,
  });
  if (!request.rollbackOnFailure) return ended(ExitCode.Failed);
  const rolled = await rollBackFailedGate(
    {
      env,
      candidate,
      build: request.build,
      pollMs: request.pollMs,
      ...(env.timeouts.waitMs !== undefined ? { timeoutMs: env.timeouts.waitMs } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
    gateDeps,
  );
  if (rolled.kind === 'refused') {
    logger.emit({ kind: 'message', level: 'error', text: `not rolled back: ${rolled.reason}` });
    return ended(ExitCode.Failed, { rollback: { refused: rolled.reason } });
  }
  const r = rolled.outcome;
  logger.emit({
    kind: 'message',
    level: r.verdict.verified ? 'info' : 'error',
    text: r.verdict.verified
      ? `rolled back to ${r.revision} in ${r.deploymentId}, verified`
      : `the rollback to ${r.revision} in ${r.deploymentId} did not verify`,
  });
  return ended(r.verdict.verified ? ExitCode.RolledBack : ExitCode.Failed, {
    rollback: {
      to: rolled.to,
      how: r.how,
      deploymentId: r.deploymentId,
      revision: r.revision,
      status: r.status,
      verified: r.verdict.verified,
      verification: verdictJson(r.verdict),
      ...(r.lastKnownGood ? { lastKnownGood: r.lastKnownGood } : {}),
    },
  });
}

function passedLines(o: GateOutcome): string[] {
  const w = o.watched;
  const lines = [
    `gate passed: ${o.deploymentId} (${o.revision}) baked in ${o.environment} for ${formatElapsed(o.watchedMs)} (bake ${formatDuration(o.bakeMs)}, ${o.looks} looks every ${formatDuration(o.pollMs)})`,
    `  alarms:         ${w.alarms.length > 0 ? w.alarms.join(', ') : 'none (the group and gate.alarms name none)'}`,
  ];
  if (w.alarms.length > 0) lines.push(`  alarm history:  ${w.alarmHistory}`);
  if (w.excusedAlarms.length > 0)
    lines.push(`  let through:    ${w.excusedAlarms.join(', ')} (--ignore-alarms)`);
  lines.push(`  target health:  ${describeTargetHealth(w)}`, `  served version: ${w.servedVersion}`);
  if (o.smoke) lines.push(`  smoke tests:    ${describeSmoke(o.smoke)} (${o.smoke.command})`);
  return lines;
}

async function writeReports(
  outcome: GateOutcome,
  files: ReportFiles,
  cwd: string,
  logger: Logger,
): Promise<void> {
  if (files.junit) await writeReport(files.junit, gateJunit(outcome), 'JUnit', cwd, logger);
  if (files.markdown) await writeReport(files.markdown, gateMarkdown(outcome), 'Markdown', cwd, logger);
}
