import type { Command } from 'commander';
import type { Runner } from '../program.js';

export function registerStatus(program: Command, run: Runner): void {
  program
    .command('status')
    .description(
      'what is deployed in an environment, whether greenlight verified it, and the last-known-good revision (checked, not just remembered)',
    )
    .action(
      run(async (ctx) => {
        const env = ctx.environment();
        const { environmentStatus } = await import('../../rollback/status.js');
        const aws = ctx.aws();
        const status = await environmentStatus(
          env,
          { codedeploy: await aws.codedeploy(), s3: () => aws.s3() },
          ctx.clock,
        );
        for (const line of status.lines) ctx.output.emit({ kind: 'message', level: 'info', text: line });
        ctx.setResult(status.data);
        return 0;
      }),
    );
}
