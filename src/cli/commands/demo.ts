import { Option, type Command } from 'commander';
import { packageRoot } from '../package-root.js';
import type { Runner } from '../program.js';
import { parsePositiveNumberOption } from './arguments.js';

interface DemoFlags {
  agent: 'real' | 'synthetic';
  instances: number;
  keep?: boolean;
  timeScale: number;
  reports: string;
}

export function registerDemo(program: Command, run: Runner): void {
  program
    .command('demo')
    .description(
      'rehearse a whole blue/green release of the example app on the local cloud: v1, v2, and a broken v3 that CodeDeploy calls Succeeded and greenlight rolls back (npm start)',
    )
    .option('--instances <n>', 'instances in the fleet', parsePositiveNumberOption, 4)
    .option('--keep', 'keep the local cloud running afterwards, to point the CLI or the AWS CLI at it')
    .option('--time-scale <n>', 'divide AWS durations by N', parsePositiveNumberOption, 120)
    .addOption(
      new Option('--agent <kind>', 'real: instances run the hooks in sandboxes; synthetic: simulated events')
        .choices(['real', 'synthetic'])
        .default('real'),
    )
    .option('--reports <dir>', 'where the verification reports go', 'reports/demo')
    .action(
      run(async (ctx, flags: DemoFlags) => {
        // Imported here: only the demo pays for loading the local cloud.
        const { runDemo } = await import('../../demo/story.js');
        const result = await runDemo({
          root: packageRoot(),
          instances: Math.round(flags.instances),
          keep: Boolean(flags.keep),
          timeScale: flags.timeScale,
          agent: flags.agent,
          reportsDir: flags.reports,
          logger: ctx.output,
          stderr: process.stderr,
          env: ctx.env,
          signal: ctx.signal,
        });
        ctx.setResult(result);
        return result.exitCode;
      }),
    );
}
