import type { Command } from 'commander';
import { NotImplementedError } from '../errors.js';
import type { Runner } from '../program.js';

export function registerAppspec(program: Command, run: Runner): void {
  const appspec = program.command('appspec').description('work with appspec.yml');
  appspec
    .command('lint')
    .description('check an appspec.yml (and the scripts it names) the way the CodeDeploy agent would')
    .argument('[path]', 'appspec.yml, or the bundle directory holding it', 'appspec.yml')
    .action(
      run(() => {
        throw new NotImplementedError('appspec lint');
      }),
    );
}
