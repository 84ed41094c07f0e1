import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { BusyMode } from '../../codedeploy/deploy.js';
import {
  checkCommitPushed,
  defaultCommit,
  resolveRevision,
  type RevisionRef,
} from '../../codedeploy/revision.js';
import { UsageError } from '../errors.js';
import type { Runner } from '../program.js';
import { htmlOption, withReports } from '../report-option.js';
import { commandPollMs, durationOption, pollOption } from './arguments.js';

export interface DeployOptions {
  revision?: string;
  bundle?: string;
  wait: boolean;
  skipPreflight?: boolean;
  verify: boolean;
  ifBusy: BusyMode;
  force?: boolean;
  busyTimeout: number;
  timeout?: number;
  poll?: number;
  rollbackOnFailure?: boolean;
  continue?: boolean;
  stopOnCancel?: boolean;
  idFile?: string;
  html?: string;
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
    .addOption(
      durationOption(
        '--busy-timeout <duration>',
        'how long --if-busy wait waits for the other deployment',
        3_600_000,
      ),
    )
    .option('--force', 'deploy even if this revision was already verified, or a newer build was deployed')
    .option(
      '--skip-preflight',
      'create the deployment without the preflight checks first (greenlight preflight; said in the log)',
    )
    .option(
      '--continue',
      'when the deployment waits in Ready, reroute traffic (after verifying the green fleet)',
    )
    .option(
      '--stop-on-cancel',
      'stop the deployment when greenlight is interrupted (default: leave it running)',
    )
    .addOption(
      durationOption(
        '--timeout <duration>',
        'give up waiting after this long (default: derived from the group)',
      ),
    )
    .option(
      '--id-file <file>',
      "write the deployment's id to FILE as soon as there is one (a later step of the job, e.g. rollback --if-release, acts on it)",
    )
    .addOption(pollOption())
    .addOption(htmlOption())
    .action(
      run(
        withReports('deploy', async (ctx, options: DeployOptions) => {
          // Everything the person typed is checked before the first AWS call.
          if (options.bundle && options.revision?.startsWith('s3://')) {
            throw new UsageError(
              '--bundle uploads a new S3 bundle; --revision may name its commit, not an s3:// URL',
            );
          }
          // A short commit is resolved to its full id by the checkout's git (CodeDeploy needs all 40).
          const named = options.revision ? await resolveRevision(options.revision, ctx.cwd) : undefined;
          const env = ctx.environment(
            options.timeout !== undefined ? { waitTimeoutMs: options.timeout } : {},
          );
          const [{ buildInfoFromEnv }, { release }] = await Promise.all([
            import('../../codedeploy/deploy.js'),
            import('../../release.js'),
          ]);
          const revision: RevisionRef = named ?? {
            type: 'GitHub',
            commitId: await defaultCommit(ctx.env, ctx.cwd),
          };
          // HEAD deployed from GitHub must be there, or every green instance fails DownloadBundle. (An S3
          // source is checked by HeadObject before the deployment is created; CI's CIRCLE_SHA1 was pushed.)
          if (!named && !ctx.env.CIRCLE_SHA1 && options.bundle === undefined && revision.type === 'GitHub') {
            if (env.revision.kind === 'github') {
              const pushed = await checkCommitPushed(revision.commitId, env.revision.repository, ctx.cwd);
              if (pushed.status === 'not-pushed') throw new UsageError(pushed.message);
              if (pushed.status === 'unknown') {
                ctx.output.emit({
                  kind: 'message',
                  level: 'warn',
                  text: `${pushed.message}; if it is not, every instance fails DownloadBundle`,
                });
              }
            }
          }
          // What would make the deployment fail, found before it is created (greenlight preflight).
          if (options.skipPreflight) {
            ctx.output.emit({
              kind: 'message',
              level: 'warn',
              text: 'preflight skipped (--skip-preflight): nothing was checked before the deployment',
            });
          } else {
            const { preflight, preflightLines } = await import('../../preflight/preflight.js');
            const checked = await preflight(
              {
                env,
                revision,
                bundleDir: resolve(ctx.cwd, options.bundle ?? '.'),
                bundleNamed: options.bundle !== undefined,
                uploads: options.bundle !== undefined,
                githubUnchecked: ctx.env.CIRCLE_SHA1
                  ? 'CircleCI built it from the GitHub repository (CIRCLE_SHA1)'
                  : named
                    ? 'named with --revision; CodeDeploy fetches it from GitHub'
                    : 'HEAD, checked above',
                cwd: ctx.cwd,
              },
              { aws: ctx.aws() },
            );
            const failed = checked.checks.filter((c) => c.status === 'fail');
            for (const line of preflightLines(checked))
              if (failed.length > 0 || line.level !== 'info')
                ctx.output.emit({ kind: 'message', level: line.level, text: line.text });
            if (failed.length > 0) {
              ctx.output.emit({
                kind: 'message',
                level: 'error',
                text: `preflight: ${failed.map((c) => c.name).join(', ')} failed; no deployment was created (--skip-preflight to deploy anyway)`,
              });
              ctx.setResult({ preflight: checked });
              return checked.exitCode;
            }
            ctx.output.emit({
              kind: 'message',
              level: 'info',
              text: `preflight: ${checked.checks.filter((c) => c.status === 'pass').length} checks passed${warnedAbout(checked.checks)} (${checked.checks
                .filter((c) => c.status === 'skip')
                .map((c) => c.name)
                .join(', ')} not checked)`,
            });
          }
          const { exitCode, result } = await release(
            {
              env,
              revision,
              ...(options.bundle !== undefined ? { bundleDir: options.bundle } : {}),
              cwd: ctx.cwd,
              build: buildInfoFromEnv(ctx.env),
              ifBusy: options.ifBusy,
              busyTimeoutMs: options.busyTimeout,
              force: Boolean(options.force),
              pollMs: commandPollMs(options.poll, ctx),
              wait: options.wait,
              verify: options.verify,
              rollbackOnFailure: Boolean(options.rollbackOnFailure),
              continueWhenReady: Boolean(options.continue),
              stopOnCancel: Boolean(options.stopOnCancel),
              ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
              ...(options.idFile !== undefined
                ? { onStarted: writeIdFile(resolve(ctx.cwd, options.idFile)) }
                : {}),
              signal: ctx.signal,
            },
            { aws: ctx.aws(), clock: ctx.clock, logger: ctx.output },
          );
          ctx.setResult(result);
          return exitCode;
        }),
      ),
    );
}

/** Writes the deployment's id, and a line break, to `file` (its directory made if missing). */
function writeIdFile(file: string) {
  return async ({ deploymentId }: { deploymentId: string }): Promise<void> => {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${deploymentId}\n`);
  };
}

/** `, 1 to look at (warm-pool)`: the warnings preflight printed above, named again in its summary. */
function warnedAbout(checks: readonly { name: string; status: string }[]): string {
  const warned = checks.filter((c) => c.status === 'warn').map((c) => c.name);
  return warned.length ? `, ${warned.length} to look at (${warned.join(', ')})` : '';
}
