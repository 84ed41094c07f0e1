import type { Command } from 'commander';
import { resolveRevision } from '../../codedeploy/revision.js';
import type { Runner } from '../program.js';
import { htmlOption, withReports } from '../report-option.js';
import { commandPollMs, durationOption, pollOption } from './arguments.js';

export interface RollbackOptions {
  to?: string;
  ifRelease?: string;
  poll?: number;
  timeout?: number;
  junit?: string;
  markdown?: string;
  html?: string;
}

export function registerRollback(program: Command, run: Runner): void {
  program
    .command('rollback')
    .description(
      'return the environment to its last verified revision (checked first) and verify it there: exit 5 when it verifies, 1 when it does not or there is no revision it may trust',
    )
    .option('--to <sha|s3://bucket/key>', 'roll back to this revision instead of the last verified one')
    .option(
      '--if-release <deployment-id>',
      "roll back only while this deployment is the environment's release (a CI job's own, from deploy --id-file); when another has replaced it, do nothing (exit 0)",
    )
    .addOption(pollOption())
    .addOption(durationOption('--timeout <duration>', 'give up waiting after this long'))
    .option('--junit <file>', 'write the rollback’s verification as JUnit XML')
    .option('--markdown <file>', 'write the rollback’s verification as Markdown')
    .addOption(htmlOption())
    .action(
      run(
        withReports('rollback', async (ctx, options: RollbackOptions) => {
          const to = options.to ? await resolveRevision(options.to, ctx.cwd) : undefined;
          const env = ctx.environment();
          const [{ buildInfoFromEnv }, { rollBackRelease }, { stillTheRelease }] = await Promise.all([
            import('../../codedeploy/deploy.js'),
            import('../../rollback/roll-back-release.js'),
            import('../../rollback/if-release.js'),
          ]);
          if (options.ifRelease !== undefined) {
            const still = await stillTheRelease(env, options.ifRelease, await ctx.aws().codedeploy());
            if (!still.ok) {
              ctx.output.emit({ kind: 'message', level: 'info', text: still.message });
              ctx.setResult({ rolledBack: false, reason: still.message });
              return 0;
            }
          }
          const { exitCode, result } = await rollBackRelease(
            {
              env,
              ...(to ? { to } : {}),
              build: buildInfoFromEnv(ctx.env),
              pollMs: commandPollMs(options.poll, ctx),
              ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
              reports: options,
              cwd: ctx.cwd,
              signal: ctx.signal,
            },
            { aws: ctx.aws(), clock: ctx.clock, logger: ctx.output },
          );
          ctx.setResult(result);
          return exitCode;
        }),
      ),
    );
}
