import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { Runner } from '../program.js';

interface PreflightOptions {
  revision?: string;
  bundle?: string;
}

export function registerPreflight(program: Command, run: Runner): void {
  program
    .command('preflight')
    .description(
      'what would make a deployment fail, found before one is created: the group as greenlight.yml says, no alarm already in ALARM, the launch template and the Auto Scaling group CodeDeploy would copy (processes, lifecycle hooks, warm pool, Spot), the revision there, an appspec the agent accepts, the caller allowed what a deployment calls (exit 0: nothing fails; 1: a check failed)',
    )
    .option(
      '--revision <sha|s3://bucket/key>',
      'the revision a deployment would deploy (default: CIRCLE_SHA1, else HEAD)',
    )
    .option('--bundle <dir>', 'the bundle whose appspec.yml the agent would read (default: this checkout)')
    .action(
      run(async (ctx, options: PreflightOptions) => {
        const [{ defaultCommit, resolveRevision }, { preflight, preflightLines }] = await Promise.all([
          import('../../codedeploy/revision.js'),
          import('../../preflight/preflight.js'),
        ]);
        const named = options.revision ? await resolveRevision(options.revision, ctx.cwd) : undefined;
        const env = ctx.environment();
        const revision = named ?? {
          type: 'GitHub' as const,
          commitId: await defaultCommit(ctx.env, ctx.cwd),
        };
        const result = await preflight(
          {
            env,
            revision,
            bundleDir: resolve(ctx.cwd, options.bundle ?? '.'),
            bundleNamed: options.bundle !== undefined,
            cwd: ctx.cwd,
          },
          { aws: ctx.aws() },
        );
        for (const line of preflightLines(result))
          ctx.output.emit({ kind: 'message', level: line.level, text: line.text });
        const failed = result.checks.filter((c) => c.status === 'fail').map((c) => c.name);
        const warned = result.checks.filter((c) => c.status === 'warn').map((c) => c.name);
        ctx.output.emit({
          kind: 'message',
          level: failed.length ? 'error' : 'info',
          text: failed.length
            ? `preflight of ${env.name}: ${failed.length} check${failed.length === 1 ? '' : 's'} failed (${failed.join(', ')}); nothing was deployed`
            : `preflight of ${env.name}: nothing that would make a deployment fail was found${warned.length ? `; to look at: ${warned.join(', ')}` : ''}`,
        });
        ctx.setResult(result);
        return result.exitCode;
      }),
    );
}
