import type { Command } from 'commander';
import { NotImplementedError } from '../errors.js';
import type { Runner } from '../program.js';
import { collect } from './arguments.js';

export function registerHooks(program: Command, run: Runner): void {
  const hooks = program.command('hooks').description('run lifecycle hooks locally');
  hooks
    .command('run')
    .description(
      'run the appspec’s hooks for one instance in a local-cloud sandbox, as the CodeDeploy agent would',
    )
    .option('--event <name>', 'run only this lifecycle event (repeatable)', collect, [])
    .option('--bundle <dir>', 'the revision to run', '.')
    .action(
      run(() => {
        throw new NotImplementedError('hooks run');
      }),
    );
}
