import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../../clock.js';
import { buildInfoFromEnv } from '../../codedeploy/deploy.js';
import { formatDuration } from '../../config/duration.js';
import { findCandidate } from '../../gate/candidate.js';
import { describeProblems } from '../../gate/checks.js';
import { runGate, type GateOutcome } from '../../gate/gate.js';
import { recordPassedGate } from '../../gate/passed-gate.js';
import { gateJson } from '../../gate/report-json.js';
import { gateJunit } from '../../gate/report-junit.js';
import { gateMarkdown } from '../../gate/report-markdown.js';
import { rollBackFailedGate } from '../../gate/roll-back.js';
import { describeSmoke, environmentUrl, smokeVariables } from '../../gate/smoke.js';
import { formatElapsed } from '../../log/format.js';
import { verifyClientsOf } from '../../verify/gather.js';
import { verdictJson } from '../../verify/report-json.js';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Runner } from '../program.js';
import { collect, parseDurationOption } from './arguments.js';

export interface GateOptions {
  bake?: number;
  poll: number;
  rollbackOnFailure?: boolean;
  ignoreAlarms: string[];
  smoke?: string;
  smokeTimeout: number;
  force?: boolean;
  junit?: string;
  markdown?: string;
}

export function registerGate(program: Command, run: Runner): void {
  program
    .command('gate')
    .description(
      'bake a verified deployment: watch alarms (their whole history since the bake began), target health and the served version, fail the moment one goes bad',
    )
    .option(
      '--bake <duration>',
      'how long to watch, e.g. 10m (default: GREENLIGHT_BAKE, then the environment’s bake)',
      parseDurationOption,
    )
    .option('--poll <duration>', 'how often to look (at least 4 looks per bake)', parseDurationOption, 15_000)
    .option(
      '--rollback-on-failure',
      'when the gate fails, roll back to the revision that last passed the gate (exit 5 when that verifies)',
    )
    .option(
      '--ignore-alarms <name>',
      'an alarm already in ALARM as the bake begins that must not fail the gate until it is OK (repeatable)',
      collect,
      [],
    )
    .option(
      '--smoke <command>',
      'run this shell command (your API or integration tests) against the environment as part of the gate; it gets GREENLIGHT_URL, GREENLIGHT_ENV, GREENLIGHT_VERSION',
    )
    .option(
      '--smoke-timeout <duration>',
      'stop the smoke tests and fail after this long',
      parseDurationOption,
      600_000,
    )
    .option('--force', 'bake the last deployment even though greenlight did not verify it')
    .option('--junit <file>', 'write the gate as JUnit XML')
    .option('--markdown <file>', 'write the gate as Markdown')
    .action(run((ctx, options: GateOptions) => gate(ctx, options)));
}

async function gate(ctx: CommandContext, options: GateOptions): Promise<number> {
  const env = ctx.environment(options.bake !== undefined ? { bakeMs: options.bake } : {});
  const url = environmentUrl(env.health);
  if (options.smoke !== undefined && options.smoke.trim() === '')
    throw new UsageError('--smoke needs a command');
  if (options.smoke && !url) {
    throw new UsageError(
      `--smoke runs against the environment's URL, and ${env.name} has none: set health.url for it in greenlight.yml (or GREENLIGHT_HEALTH_URL)`,
    );
  }
  const clients = await verifyClientsOf(ctx.aws());
  const s3 = () => ctx.aws().s3();
  const candidate = await findCandidate(env, clients.codedeploy, { force: Boolean(options.force), s3 });
  if (!candidate.verified) {
    ctx.output.emit({
      kind: 'message',
      level: 'warn',
      text: `--force: baking ${candidate.deploymentId} (${candidate.revision}, ${candidate.status}), which greenlight has not verified; a pass will not be recorded`,
    });
  }
  const deps = { clients, clock: systemClock, logger: ctx.output, s3 };
  const outcome = await runGate(
    {
      env,
      candidate,
      bakeMs: env.bakeMs,
      pollMs: options.poll,
      ignoreAlarms: options.ignoreAlarms,
      ...(options.smoke && url
        ? {
            smoke: {
              command: options.smoke,
              env: {
                ...ctx.env,
                ...smokeVariables({
                  environment: env.name,
                  url,
                  ...(env.health.url ? { healthUrl: env.health.url } : {}),
                  version: candidate.expectedVersion ?? candidate.revision,
                  revision: candidate.revision,
                  deploymentId: candidate.deploymentId,
                }),
              },
              cwd: ctx.cwd,
              timeoutMs: options.smokeTimeout,
            },
          }
        : {}),
      signal: ctx.signal,
    },
    deps,
  );
  await writeReports(outcome, options, ctx);
  const result: Record<string, unknown> = { ...gateJson(outcome), verified: candidate.verified };

  if (outcome.result === 'cancelled') {
    ctx.output.emit({
      kind: 'message',
      level: 'warn',
      text: `gate cancelled by ${outcome.cancelledBy ?? 'a signal'} after ${formatElapsed(outcome.watchedMs)} of the ${formatDuration(outcome.bakeMs)} bake: nothing was promoted`,
    });
    ctx.setResult(result);
    return outcome.cancelledBy === 'SIGTERM' ? 143 : ExitCode.Interrupted;
  }

  if (outcome.result === 'passed') {
    for (const line of passedLines(outcome)) ctx.output.emit({ kind: 'message', level: 'info', text: line });
    if (candidate.verified) {
      result.passedGate = await recordPassedGate(clients.codedeploy, env, candidate, systemClock);
    }
    ctx.setResult(result);
    return ExitCode.Ok;
  }

  ctx.output.emit({
    kind: 'message',
    level: 'error',
    text: `gate failed for ${candidate.deploymentId} (${candidate.revision}) in ${env.name} after ${formatElapsed(outcome.watchedMs)} of the ${formatDuration(outcome.bakeMs)} bake: ${describeProblems(outcome.problems)}; nothing was promoted`,
  });
  if (!options.rollbackOnFailure) {
    ctx.setResult(result);
    return ExitCode.Failed;
  }
  const rolled = await rollBackFailedGate(
    {
      env,
      candidate,
      build: buildInfoFromEnv(ctx.env),
      pollMs: options.poll,
      ...(env.timeouts.waitMs !== undefined ? { timeoutMs: env.timeouts.waitMs } : {}),
      signal: ctx.signal,
    },
    deps,
  );
  if (rolled.kind === 'refused') {
    ctx.output.emit({ kind: 'message', level: 'error', text: `not rolled back: ${rolled.reason}` });
    result.rollback = { refused: rolled.reason };
    ctx.setResult(result);
    return ExitCode.Failed;
  }
  const r = rolled.outcome;
  result.rollback = {
    to: rolled.to,
    how: r.how,
    deploymentId: r.deploymentId,
    revision: r.revision,
    status: r.status,
    verified: r.verdict.verified,
    verification: verdictJson(r.verdict),
    ...(r.lastKnownGood ? { lastKnownGood: r.lastKnownGood } : {}),
  };
  ctx.output.emit({
    kind: 'message',
    level: r.verdict.verified ? 'info' : 'error',
    text: r.verdict.verified
      ? `rolled back to ${r.revision} in ${r.deploymentId}, verified`
      : `the rollback to ${r.revision} in ${r.deploymentId} did not verify`,
  });
  ctx.setResult(result);
  return r.verdict.verified ? ExitCode.RolledBack : ExitCode.Failed;
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
  lines.push(
    `  target health:  ${w.instances.length} green instances in ${w.targetGroups.join(', ') || 'no target group'}`,
    `  served version: ${w.servedVersion}`,
  );
  if (o.smoke) lines.push(`  smoke tests:    ${describeSmoke(o.smoke)} (${o.smoke.command})`);
  return lines;
}

async function writeReports(outcome: GateOutcome, options: GateOptions, ctx: CommandContext): Promise<void> {
  const write = async (file: string, content: string, what: string) => {
    const path = resolve(ctx.cwd, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    ctx.output.emit({ kind: 'step', step: `write the ${what} report`, status: 'done', detail: path });
  };
  if (options.junit) await write(options.junit, gateJunit(outcome), 'JUnit');
  if (options.markdown) await write(options.markdown, gateMarkdown(outcome), 'Markdown');
}
