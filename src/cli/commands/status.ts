import type { Command } from 'commander';
import { NotImplementedError } from '../errors.js';
import type { Runner } from '../program.js';

export function registerStatus(program: Command, run: Runner): void {
  program
    .command('status')
    .description(
      'what is deployed in an environment, whether it was verified, and the last-known-good revision',
    )
    .action(
      run((ctx) => {
        ctx.environment();
        throw new NotImplementedError('status');
      }),
    );
}
