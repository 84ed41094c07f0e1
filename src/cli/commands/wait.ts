import type { Command } from 'commander';
import { NotImplementedError } from '../errors.js';
import type { Runner } from '../program.js';
import { parseDeploymentIdArgument, parseDurationOption } from './arguments.js';

export function registerWait(program: Command, run: Runner): void {
  program
    .command('wait')
    .description(
      'follow a deployment to its end from any machine, failing fast with the failing instance, event, script and log tail',
    )
    .argument('<deployment-id>', 'the deployment to follow (d-XXXXXXXXX)', parseDeploymentIdArgument)
    .option(
      '--timeout <duration>',
      'give up after this long (default: derived from the group)',
      parseDurationOption,
    )
    .option('--rollback-on-failure', 'the moment an instance fails, stop the deployment with rollback')
    .option('--continue', 'when the deployment waits in Ready, reroute traffic')
    .option(
      '--stop-on-cancel',
      'stop the deployment when greenlight is interrupted (default: leave it running)',
    )
    .action(
      run(() => {
        throw new NotImplementedError('wait');
      }),
    );
}
