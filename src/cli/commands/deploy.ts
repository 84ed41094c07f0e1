import { Option, type Command } from 'commander';
import { parseRevision } from '../../codedeploy/revision.js';
import { NotImplementedError } from '../errors.js';
import type { Runner } from '../program.js';
import { parseDurationOption } from './arguments.js';

export interface DeployOptions {
  revision?: string;
  bundle?: string;
  wait: boolean;
  verify: boolean;
  rollbackOnFailure?: boolean;
  ifBusy: 'wait' | 'attach' | 'fail';
  force?: boolean;
  continue?: boolean;
  stopOnCancel?: boolean;
  timeout?: number;
}

export function registerDeploy(program: Command, run: Runner): void {
  program
    .command('deploy')
    .description(
      'create a deployment of a revision (no duplicates, no collisions, no older build over a newer one), wait for it and verify every instance',
    )
    .option(
      '--revision <sha|s3://bucket/key>',
      'Git commit (default: CIRCLE_SHA1, then git rev-parse HEAD) or S3 bundle',
    )
    .option(
      '--bundle <dir>',
      'pack DIR (with its appspec.yml), upload it to the environment’s S3 location and deploy it',
    )
    .option('--no-wait', 'create the deployment and return its id')
    .option('--no-verify', 'do not verify the instances after CodeDeploy finishes (not recommended)')
    .option(
      '--rollback-on-failure',
      'when an instance fails or verification fails, stop and roll back to the last verified revision',
    )
    .addOption(
      new Option(
        '--if-busy <mode>',
        'when the group has an active deployment: wait for it, attach to it, or fail',
      )
        .choices(['wait', 'attach', 'fail'])
        .default('wait'),
    )
    .option('--force', 'deploy even if this revision was already verified, or a newer build was deployed')
    .option(
      '--continue',
      'when the deployment waits in Ready, reroute traffic (after verifying the green fleet)',
    )
    .option(
      '--stop-on-cancel',
      'stop the deployment when greenlight is interrupted (default: leave it running)',
    )
    .option(
      '--timeout <duration>',
      'give up waiting after this long (default: derived from the group)',
      parseDurationOption,
    )
    .action(
      run((ctx, options: DeployOptions) => {
        if (options.revision) parseRevision(options.revision);
        ctx.environment();
        throw new NotImplementedError('deploy');
      }),
    );
}
