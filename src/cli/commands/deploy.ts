import { Option, type Command } from 'commander';
import { systemClock } from '../../clock.js';
import { buildInfoFromEnv, revisionLabel, startDeployment, type BusyMode } from '../../codedeploy/deploy.js';
import { uploadBundle } from '../../codedeploy/bundle.js';
import { revisionLocation } from '../../codedeploy/revision-location.js';
import { defaultCommit, parseRevision, type RevisionRef } from '../../codedeploy/revision.js';
import { recordLastKnownGood, verifiedBy } from '../../rollback/last-known-good.js';
import { rollBack } from '../../rollback/rollback.js';
import { followAndVerify, gatherRequestFor } from '../../verify/follow.js';
import { verifyClientsOf } from '../../verify/gather.js';
import { verdictJson } from '../../verify/report-json.js';
import { verifyDeployment } from '../../verify/verify.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Runner } from '../program.js';
import { parseDurationOption } from './arguments.js';
import { settleFollowed } from './settle.js';
import { follow, type FollowOptions } from './wait.js';

export interface DeployOptions extends FollowOptions {
  revision?: string;
  bundle?: string;
  wait: boolean;
  verify: boolean;
  ifBusy: BusyMode;
  force?: boolean;
  busyTimeout: number;
}

export function registerDeploy(program: Command, run: Runner): void {
  program
    .command('deploy')
    .description(
      'create a deployment of a revision (no duplicates, no collisions, no older build over a newer one), follow it and verify every instance',
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
        'when the group has an active deployment: wait for it, attach to it (same revision only), or fail',
      )
        .choices(['wait', 'attach', 'fail'])
        .default('wait'),
    )
    .option(
      '--busy-timeout <duration>',
      'how long --if-busy wait waits for the other deployment',
      parseDurationOption,
      3_600_000,
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
    .option('--poll <duration>', 'how often to ask CodeDeploy', parseDurationOption, 15_000)
    .action(
      run(async (ctx, options: DeployOptions) => {
        // Everything the person typed is checked before the first AWS call.
        if (options.bundle && options.revision?.startsWith('s3://')) {
          throw new UsageError(
            '--bundle uploads a new S3 bundle; --revision may name its commit, not an s3:// URL',
          );
        }
        const named = options.revision ? parseRevision(options.revision) : undefined;
        const env = ctx.environment(options.timeout !== undefined ? { waitTimeoutMs: options.timeout } : {});
        const ref: RevisionRef = named ?? { type: 'GitHub', commitId: await defaultCommit(ctx.env, ctx.cwd) };
        const aws = ctx.aws();
        const revision =
          options.bundle && ref.type === 'GitHub'
            ? await uploadBundle({
                env,
                dir: options.bundle,
                commit: ref.commitId,
                s3: await aws.s3(),
                logger: ctx.output,
                cwd: ctx.cwd,
              })
            : await revisionLocation(env, ref, () => aws.s3());
        const codedeploy = await aws.codedeploy();
        const started = await startDeployment(
          {
            env,
            revision,
            build: buildInfoFromEnv(ctx.env),
            ifBusy: options.ifBusy,
            force: Boolean(options.force),
            busyTimeoutMs: options.busyTimeout,
            pollMs: options.poll,
            isVerified: verifiedBy(codedeploy, env),
            signal: ctx.signal,
          },
          { codedeploy, clock: systemClock, logger: ctx.output },
        );
        const id = started.deploymentId;
        const label = revisionLabel(revision);
        if (started.kind === 'already-verified') {
          // No verdict from a memory: the record says it verified once; the fleet is judged again now.
          ctx.output.emit({
            kind: 'step',
            step: `deploy ${label}`,
            status: 'skipped',
            detail: `already deployed in ${id} and verified then; verifying the environment again now`,
          });
          const clients = await verifyClientsOf(aws);
          const verdict = await verifyDeployment(gatherRequestFor(id, env, ctx.signal), {
            clients,
            clock: systemClock,
            logger: ctx.output,
          });
          const result: Record<string, unknown> = {
            deploymentId: id,
            status: verdict.codedeployStatus,
            created: false,
            verified: verdict.verified,
            verification: verdictJson(verdict),
          };
          if (verdict.verified) {
            result.lastKnownGood = await recordLastKnownGood(codedeploy, env, verdict, systemClock);
          } else {
            ctx.output.emit({
              kind: 'message',
              level: 'error',
              text: `${label} was verified in ${id} before, but the environment no longer verifies; deploy it again with --force (greenlight deploy --env ${env.name} --revision ${label} --force)`,
            });
          }
          ctx.setResult(result);
          return verdict.verified ? ExitCode.Ok : ExitCode.Failed;
        }
        ctx.output.emit({
          kind: 'step',
          step: `deploy ${label} to ${env.application}/${env.deploymentGroup}`,
          status: 'done',
          detail: started.kind === 'created' ? `created ${id}` : `attached to ${id}: ${started.reason}`,
        });
        if (!options.wait) {
          ctx.setResult({ deploymentId: id, created: started.kind === 'created' });
          return 0;
        }
        const timeout = options.timeout ?? env.timeouts.waitMs;
        if (!options.verify) {
          const { exitCode, result } = await follow(ctx, id, {
            ...options,
            ...(timeout !== undefined ? { timeout } : {}),
          });
          ctx.setResult({ ...result, created: started.kind === 'created', verified: false });
          return exitCode;
        }
        const clients = await verifyClientsOf(aws);
        const deps = { clients, clock: systemClock, logger: ctx.output, s3: () => aws.s3() };
        const followed = await followAndVerify(
          {
            deploymentId: id,
            env,
            pollMs: options.poll,
            ...(timeout !== undefined ? { timeoutMs: timeout } : {}),
            rollbackOnFailure: Boolean(options.rollbackOnFailure),
            continueWhenReady: Boolean(options.continue),
            stopOnCancel: Boolean(options.stopOnCancel),
            signal: ctx.signal,
          },
          deps,
        );
        const verdict = followed.verdict ?? followed.beforeTraffic;
        const result: Record<string, unknown> = {
          deploymentId: id,
          status: followed.outcome.deployment.status ?? 'Unknown',
          created: started.kind === 'created',
          verified: Boolean(followed.verdict?.verified),
          failures: followed.outcome.failures,
          ...(verdict ? { verification: verdictJson(verdict) } : {}),
        };
        const settled = await settleFollowed(followed, env, result, {
          codedeploy,
          s3: () => aws.s3(),
          logger: ctx.output,
        });
        // Verified, or rolled back by CodeDeploy onto the last verified revision: settled. A CodeDeploy
        // rollback that landed elsewhere is a failure greenlight's own rollback can still mend.
        const mendable = settled?.exitCode === ExitCode.Failed && followed.rollback !== undefined;
        if (settled && !(mendable && options.rollbackOnFailure)) {
          ctx.setResult(settled.result);
          return settled.exitCode;
        }
        if (options.rollbackOnFailure) {
          const rolled = await rollBack(
            {
              env,
              build: buildInfoFromEnv(ctx.env),
              pollMs: options.poll,
              ...(timeout !== undefined ? { timeoutMs: timeout } : {}),
              signal: ctx.signal,
            },
            deps,
          );
          result.rollback = {
            deploymentId: rolled.deploymentId,
            status: rolled.status,
            how: rolled.how,
            revision: rolled.revision,
            verified: rolled.verdict.verified,
            verification: verdictJson(rolled.verdict),
          };
          if (rolled.lastKnownGood) result.lastKnownGood = rolled.lastKnownGood;
          ctx.setResult(result);
          return rolled.verdict.verified ? ExitCode.RolledBack : ExitCode.Failed;
        }
        ctx.setResult(result);
        return ExitCode.Failed;
      }),
    );
}
