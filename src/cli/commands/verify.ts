import type { Command } from 'commander';
import { UsageError, NotImplementedError } from '../errors.js';
import type { Runner } from '../program.js';
import { parseDeploymentIdArgument } from './arguments.js';

export function registerVerify(program: Command, run: Runner): void {
  program
    .command('verify')
    .description(
      'verify every instance of a deployment (targets, lifecycle events, capacity, target health, served version, alarms) instead of trusting CodeDeploy’s status',
    )
    .argument(
      '[deployment-id]',
      'the deployment to verify (default: the environment’s latest)',
      parseDeploymentIdArgument,
    )
    .option('--junit <file>', 'write a JUnit XML report (one test case per instance and rule)')
    .option('--markdown <file>', 'write a Markdown summary')
    .action(
      run((ctx, deploymentId: string | undefined) => {
        if (!deploymentId && !ctx.options.env) {
          throw new UsageError(
            'verify needs a deployment id or --env NAME (to verify its latest deployment)',
          );
        }
        if (!deploymentId) ctx.environment();
        throw new NotImplementedError('verify');
      }),
    );
}
