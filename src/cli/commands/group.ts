import type { Command } from 'commander';
import { NotImplementedError } from '../errors.js';
import type { Runner } from '../program.js';

export function registerGroup(program: Command, run: Runner): void {
  const group = program
    .command('group')
    .description('create and reconcile the CodeDeploy application and deployment group from greenlight.yml');
  group
    .command('plan')
    .description(
      'show how the deployment group differs from greenlight.yml ("create" if it does not exist) and list orphaned CodeDeploy_<group>_* Auto Scaling groups',
    )
    .action(
      run((ctx) => {
        ctx.environment();
        throw new NotImplementedError('group plan');
      }),
    );
  group
    .command('apply')
    .description(
      'create the application and deployment group if missing, update only what differs; a second apply changes nothing',
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option(
      '--clean-orphans',
      'delete CodeDeploy_<group>_* Auto Scaling groups no deployment owns (never the current one)',
    )
    .action(
      run((ctx) => {
        ctx.environment();
        throw new NotImplementedError('group apply');
      }),
    );
}
