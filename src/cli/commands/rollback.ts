import type { Command } from 'commander';
import { parseRevision } from '../../codedeploy/revision.js';
import { NotImplementedError } from '../errors.js';
import type { Runner } from '../program.js';

export function registerRollback(program: Command, run: Runner): void {
  program
    .command('rollback')
    .description(
      'stop the active deployment with rollback, or redeploy the last verified revision; then verify the result',
    )
    .option('--to <sha|s3://bucket/key>', 'roll back to this revision instead of the last verified one')
    .action(
      run((ctx, options: { to?: string }) => {
        if (options.to) parseRevision(options.to);
        ctx.environment();
        throw new NotImplementedError('rollback');
      }),
    );
}
