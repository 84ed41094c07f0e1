import type { Command } from 'commander';
import { systemClock } from '../../clock.js';
import { environmentStatus } from '../../rollback/status.js';
import type { Runner } from '../program.js';

export function registerStatus(program: Command, run: Runner): void {
  program
    .command('status')
    .description(
      'what is deployed in an environment, whether it was verified, and the last-known-good revision',
    )
    .action(
      run(async (ctx) => {
        const env = ctx.environment();
        const codedeploy = await ctx.aws().codedeploy();
        const status = await environmentStatus(env, codedeploy, systemClock);
        for (const line of status.lines) ctx.output.emit({ kind: 'message', level: 'info', text: line });
        ctx.setResult(status.data);
        return 0;
      }),
    );
}
