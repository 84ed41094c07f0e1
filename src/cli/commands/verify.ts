import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Runner } from '../program.js';
import { htmlOption, withReports } from '../report-option.js';
import { parseDeploymentIdArgument } from './arguments.js';

export interface VerifyOptions {
  junit?: string;
  markdown?: string;
  html?: string;
  record: boolean;
}

export function registerVerify(program: Command, run: Runner): void {
  program
    .command('verify')
    .description(
      'verify every instance of a deployment (targets, lifecycle events, capacity, target health, served version, alarms) instead of trusting CodeDeploy’s status',
    )
    .argument(
      '[deployment-id]',
      'the deployment to verify (default: the environment’s release, the newest deployment a person or pipeline created)',
      parseDeploymentIdArgument,
    )
    .option('--junit <file>', 'write a JUnit XML report (one test case per instance and rule)')
    .option('--markdown <file>', 'write a Markdown summary')
    .option('--no-record', 'do not record a verified deployment as the last-known-good')
    .addOption(htmlOption())
    .action(
      run(
        withReports('verify', async (ctx, deploymentId: string | undefined, options: VerifyOptions) => {
          if (!deploymentId && !ctx.options.env && !ctx.env.GREENLIGHT_ENV) {
            throw new UsageError(
              'verify needs a deployment id or --env NAME (to verify its latest deployment)',
            );
          }
          const env = ctx.options.env || ctx.env.GREENLIGHT_ENV ? ctx.environment() : undefined;
          const { verifyRelease } = await import('../../verify/verify-release.js');
          const { exitCode, result } = await verifyRelease(
            {
              ...(deploymentId ? { deploymentId } : {}),
              ...(env ? { env } : {}),
              record: options.record,
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
