import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { UsageError } from '../../exit-codes.js';
import type { Runner } from '../program.js';
import { parsePortOption } from './arguments.js';

interface InitOptions {
  fromGroup: { application: string; deploymentGroup: string };
  revision?: string;
  healthPath?: string;
  healthPort?: number;
  force?: boolean;
  dryRun?: boolean;
}

function parseGroupOption(value: string): { application: string; deploymentGroup: string } {
  const match = /^([\w.+-]{1,100})\/([\w.+-]{1,100})$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected APPLICATION/GROUP, e.g. web/web-dev');
  return { application: match[1] as string, deploymentGroup: match[2] as string };
}

export function registerInit(program: Command, run: Runner): void {
  program
    .command('init')
    .description(
      'write the environment of greenlight.yml that describes a live deployment group (--from-group), checked by the plan `group plan` would make: written only when that plan is "up to date"',
    )
    .requiredOption(
      '--from-group <application/group>',
      'the deployment group to read (its ASG, target groups, alarms, deployment config, rollback, tags)',
      parseGroupOption,
    )
    .option(
      '--revision <github:owner/repo|s3://bucket/prefix>',
      "where revisions come from (default: the group's last deployment)",
    )
    .option('--health-path <path>', 'the path each instance answers on (default /healthcheck)')
    .option('--health-port <port>', 'the port the app listens on (default 80)', parsePortOption)
    .option(
      '--force',
      'replace an environment of the same name; write even when group apply would change the group',
    )
    .option('--dry-run', 'print greenlight.yml as it would be, write nothing')
    .action(
      run(async (ctx, options: InitOptions) => {
        const env = ctx.options.env;
        if (!env)
          throw new UsageError(
            'init --from-group needs --env NAME: the environment to write into greenlight.yml',
          );
        if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(env))
          throw new UsageError(
            `--env ${JSON.stringify(env)}: an environment name is letters, digits, _ and -`,
          );
        if (options.healthPath !== undefined && !options.healthPath.startsWith('/'))
          throw new UsageError(`--health-path ${options.healthPath}: a path starts with /`);
        const [{ initFromGroup }, { revisionFlag }] = await Promise.all([
          import('../../init/init-from-group.js'),
          import('../../init/from-group.js'),
        ]);
        if (options.revision !== undefined) revisionFlag(options.revision);
        const region = ctx.options.region ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
        const { exitCode, result } = await initFromGroup(
          {
            ...options.fromGroup,
            env,
            configPath: resolve(ctx.cwd, ctx.options.config),
            force: Boolean(options.force),
            dryRun: Boolean(options.dryRun),
            ...(region ? { region } : {}),
            ...(options.revision !== undefined ? { revision: options.revision } : {}),
            ...(options.healthPath !== undefined ? { healthPath: options.healthPath } : {}),
            ...(options.healthPort !== undefined ? { healthPort: options.healthPort } : {}),
          },
          { aws: ctx.aws(), logger: ctx.output },
        );
        if (options.dryRun && !ctx.options.json) ctx.print(result.text);
        ctx.setResult(result);
        return exitCode;
      }),
    );
}
