import type { Command } from 'commander';
import type { Runner } from '../program.js';
import { htmlOption, withReports } from '../report-option.js';
import { commandPollMs, durationOption, parseDeploymentIdArgument, pollOption } from './arguments.js';

interface WaitOptions {
  timeout?: number;
  poll?: number;
  rollbackOnFailure?: boolean;
  continue?: boolean;
  stopOnCancel?: boolean;
  verify: boolean;
  html?: string;
}

export function registerWait(program: Command, run: Runner): void {
  program
    .command('wait')
    .description(
      'follow a deployment to its end from any machine, reporting each failed instance with its event, script and log tail, then verify it as deploy does',
    )
    .argument('<deployment-id>', 'the deployment to follow (d-XXXXXXXXX)', parseDeploymentIdArgument)
    .addOption(
      durationOption(
        '--timeout <duration>',
        'give up after this long (default: derived from the deployment)',
      ),
    )
    .addOption(pollOption())
    .option('--rollback-on-failure', 'the moment an instance fails, stop the deployment with rollback')
    .option('--continue', 'when the deployment waits in Ready, reroute traffic')
    .option('--no-verify', 'only follow: CodeDeploy’s word, not verified (not recommended)')
    .option(
      '--stop-on-cancel',
      'stop the deployment when greenlight is interrupted (default: leave it running)',
    )
    .addOption(htmlOption())
    .action(
      run(
        withReports('wait', async (ctx, deploymentId: string, options: WaitOptions) => {
          const env = ctx.options.env || ctx.env.GREENLIGHT_ENV ? ctx.environment() : undefined;
          const { wait } = await import('../../release.js');
          const { exitCode, result } = await wait(
            {
              deploymentId,
              ...(env ? { env } : {}),
              verify: options.verify,
              pollMs: commandPollMs(options.poll, ctx),
              ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
              rollbackOnFailure: Boolean(options.rollbackOnFailure),
              continueWhenReady: Boolean(options.continue),
              stopOnCancel: Boolean(options.stopOnCancel),
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
