import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Runner } from '../program.js';
import { collect } from './arguments.js';

export interface SamDeployOptions {
  template: string;
  parameter?: string[];
  roleArn?: string;
  s3Bucket?: string;
  dryRun?: boolean;
}

export function registerSam(program: Command, run: Runner): void {
  const sam = program.command('sam').description('deploy sam-template.yaml with the sam CLI');
  sam
    .command('deploy')
    .description(
      'deploy sam-template.yaml as the stack <application>-<env>: ApplicationName and Environment come from greenlight.yml, which must name the resources the template makes; exit 0 deployed or already up to date, 1 sam failed',
    )
    .option('--template <file>', 'the SAM template', 'sam-template.yaml')
    .option('--parameter <Key=Value>', 'a template parameter (repeat for each)', collect)
    .option('--role-arn <arn>', 'the role CloudFormation assumes to change the stack (empty: none)')
    .option('--s3-bucket <name>', 'where sam uploads artifacts (empty: none)')
    .option('--dry-run', 'create the change set without executing it')
    .action(
      run(async (ctx, options: SamDeployOptions) => {
        const [{ deployEnvironmentStack }, { parseStackParameters }] = await Promise.all([
          import('../../sam/environment-deploy.js'),
          import('../../sam/stack.js'),
        ]);
        const parameters = parseStackParameters(options.parameter ?? []);
        const result = await deployEnvironmentStack(
          {
            environment: ctx.environment(),
            templateFile: resolve(ctx.cwd, options.template),
            parameters,
            // CI passes an unset context variable as an empty value: that means "none".
            ...(options.roleArn ? { roleArn: options.roleArn } : {}),
            ...(options.s3Bucket ? { s3Bucket: options.s3Bucket } : {}),
            dryRun: Boolean(options.dryRun),
          },
          { logger: ctx.output, env: ctx.env, cwd: ctx.cwd, signal: ctx.signal },
        );
        ctx.setResult(result);
        return 0;
      }),
    );
}
