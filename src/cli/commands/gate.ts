import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import type { Runner } from '../program.js';
import { htmlOption, withReports } from '../report-option.js';
import { collect, commandPollMs, durationOption, pollOption } from './arguments.js';

export interface GateOptions {
  bake?: number;
  poll?: number;
  rollbackOnFailure?: boolean;
  ignoreAlarms?: string[];
  smoke?: string;
  smokeTimeout: number;
  force?: boolean;
  revision?: string;
  junit?: string;
  markdown?: string;
  html?: string;
}

export function registerGate(program: Command, run: Runner): void {
  program
    .command('gate')
    .description(
      'bake a verified deployment: watch alarms (their whole history since the bake began), target health and the served version, fail the moment one goes bad',
    )
    .addOption(
      durationOption(
        '--bake <duration>',
        'how long to watch, e.g. 10m (default: GREENLIGHT_BAKE, then the environment’s bake)',
      ),
    )
    .addOption(pollOption('how often to look (at least 4 looks per bake)'))
    .option(
      '--rollback-on-failure',
      'when the gate fails, roll back to the revision that last passed the gate (exit 5 when that verifies)',
    )
    .option(
      '--ignore-alarms <name>',
      'an alarm already in ALARM as the bake begins that must not fail the gate until it is OK (repeatable)',
      collect,
    )
    .option(
      '--smoke <command>',
      'run this shell command (your API or integration tests) against the environment as part of the gate; it gets GREENLIGHT_URL, GREENLIGHT_ENV, GREENLIGHT_VERSION',
    )
    .addOption(
      durationOption('--smoke-timeout <duration>', 'stop the smoke tests and fail after this long', 600_000),
    )
    .option('--force', 'bake the last deployment even though greenlight did not verify it')
    .option(
      '--revision <sha|s3://bucket/key>',
      "bake only a release of this revision (a pipeline passes its own commit, $CIRCLE_SHA1): when another deployment replaced it, the gate refuses (exit 1) instead of baking someone else's",
    )
    .option('--junit <file>', 'write the gate as JUnit XML')
    .option('--markdown <file>', 'write the gate as Markdown')
    .addOption(htmlOption())
    .action(run(withReports('gate', (ctx, options: GateOptions) => gate(ctx, options))));
}

async function gate(ctx: CommandContext, options: GateOptions): Promise<number> {
  const env = ctx.environment(options.bake !== undefined ? { bakeMs: options.bake } : {});
  const [{ buildInfoFromEnv }, { gateRelease }] = await Promise.all([
    import('../../codedeploy/deploy.js'),
    import('../../gate/gate-release.js'),
  ]);
  const { exitCode, result } = await gateRelease(
    {
      env,
      pollMs: commandPollMs(options.poll, ctx),
      ignoreAlarms: options.ignoreAlarms ?? [],
      ...(options.smoke !== undefined
        ? { smoke: { command: options.smoke, env: ctx.env, timeoutMs: options.smokeTimeout } }
        : {}),
      force: Boolean(options.force),
      ...(options.revision ? { revision: options.revision } : {}),
      rollbackOnFailure: Boolean(options.rollbackOnFailure),
      build: buildInfoFromEnv(ctx.env),
      reports: options,
      cwd: ctx.cwd,
      signal: ctx.signal,
    },
    { aws: ctx.aws(), clock: ctx.clock, logger: ctx.output },
  );
  ctx.setResult(result);
  return exitCode;
}
