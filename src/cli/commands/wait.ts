import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import type { Command } from 'commander';
import { systemClock } from '../../clock.js';
import { checkBelongsTo, verifyClientsOf } from '../../verify/gather.js';
import { followAndVerify } from '../../verify/follow.js';
import { verdictJson } from '../../verify/report-json.js';
import { ExitCode } from '../errors.js';
import { settleFollowed } from './settle.js';
import { waitForDeployment, type InstanceFailure, type WaitOutcome } from '../../codedeploy/wait.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../program.js';
import { parseDeploymentIdArgument, parseDurationOption } from './arguments.js';

export interface FollowOptions {
  timeout?: number;
  poll: number;
  rollbackOnFailure?: boolean;
  continue?: boolean;
  stopOnCancel?: boolean;
}

interface WaitOptions extends FollowOptions {
  verify: boolean;
}

export interface FollowResult {
  deploymentId: string;
  status: string;
  failures: readonly InstanceFailure[];
  rollback?: { deploymentId: string; status: string };
}

/**
 * Follows a deployment to its end (and, when it was stopped with rollback, the rollback deployment
 * too), reporting failed instances as they happen. Exit code 1 when CodeDeploy failed or any
 * instance failed, whatever CodeDeploy's final word.
 */
export async function follow(
  ctx: CommandContext,
  deploymentId: string,
  options: FollowOptions,
): Promise<{ exitCode: number; result: FollowResult; outcome: WaitOutcome }> {
  const codedeploy = await ctx.aws().codedeploy();
  const deps = { codedeploy, clock: systemClock, logger: ctx.output };
  const outcome = await waitForDeployment(
    {
      deploymentId,
      ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
      pollMs: options.poll,
      rollbackOnFailure: Boolean(options.rollbackOnFailure),
      stopOnCancel: Boolean(options.stopOnCancel),
      ...(options.continue ? { onReady: () => Promise.resolve(true) } : {}),
      signal: ctx.signal,
    },
    deps,
  );
  const status = outcome.deployment.status ?? 'Unknown';
  const result: FollowResult = { deploymentId, status, failures: outcome.failures };
  if (outcome.kind === 'rolled-back' && outcome.rollbackDeploymentId) {
    const rollback = await waitForDeployment(
      { deploymentId: outcome.rollbackDeploymentId, pollMs: options.poll, signal: ctx.signal },
      deps,
    );
    result.rollback = {
      deploymentId: outcome.rollbackDeploymentId,
      status: rollback.deployment.status ?? 'Unknown',
    };
  }
  summarize(ctx, outcome.deployment, outcome.failures);
  const ok = status === 'Succeeded' && outcome.failures.length === 0;
  return { exitCode: ok ? 0 : 1, result, outcome };
}

function summarize(
  ctx: CommandContext,
  deployment: DeploymentInfo,
  failures: readonly InstanceFailure[],
): void {
  const status = deployment.status ?? 'Unknown';
  const o = deployment.deploymentOverview;
  const total = [o?.Pending, o?.InProgress, o?.Succeeded, o?.Failed, o?.Skipped, o?.Ready].reduce<number>(
    (sum, n) => sum + (n ?? 0),
    0,
  );
  if (failures.length > 0) {
    ctx.output.emit({
      kind: 'message',
      level: 'error',
      text: `CodeDeploy: ${status} — greenlight: FAILED, ${failures.length} of ${total} instances failed (${failures
        .map((f) => `${f.instanceId} ${f.lifecycleEvent}`)
        .join(', ')})`,
    });
  } else {
    ctx.output.emit({
      kind: 'message',
      level: status === 'Succeeded' ? 'info' : 'error',
      text: `CodeDeploy: ${status}`,
    });
  }
}

export function registerWait(program: Command, run: Runner): void {
  program
    .command('wait')
    .description(
      'follow a deployment to its end from any machine, reporting each failed instance with its event, script and log tail, then verify it as deploy does',
    )
    .argument('<deployment-id>', 'the deployment to follow (d-XXXXXXXXX)', parseDeploymentIdArgument)
    .option(
      '--timeout <duration>',
      'give up after this long (default: derived from the deployment)',
      parseDurationOption,
    )
    .option('--poll <duration>', 'how often to ask CodeDeploy', parseDurationOption, 15_000)
    .option('--rollback-on-failure', 'the moment an instance fails, stop the deployment with rollback')
    .option('--continue', 'when the deployment waits in Ready, reroute traffic')
    .option('--no-verify', 'only follow: CodeDeploy’s word, not verified (not recommended)')
    .option(
      '--stop-on-cancel',
      'stop the deployment when greenlight is interrupted (default: leave it running)',
    )
    .action(
      run(async (ctx, deploymentId: string, options: WaitOptions) => {
        const env = ctx.options.env || ctx.env.GREENLIGHT_ENV ? ctx.environment() : undefined;
        if (!options.verify) {
          const { exitCode, result } = await follow(ctx, deploymentId, options);
          ctx.output.emit({
            kind: 'message',
            level: 'warn',
            text: `--no-verify: this is CodeDeploy's word only; ${deploymentId} is not verified (greenlight verify ${deploymentId}${env ? ` --env ${env.name}` : ''})`,
          });
          ctx.setResult({ ...result, verified: false });
          return exitCode;
        }
        const aws = ctx.aws();
        const clients = await verifyClientsOf(aws);
        // A deployment of another group is refused before the wait, not after it.
        if (env) await checkBelongsTo(clients.codedeploy, deploymentId, env);
        const followed = await followAndVerify(
          {
            deploymentId,
            ...(env ? { env } : {}),
            pollMs: options.poll,
            ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
            rollbackOnFailure: Boolean(options.rollbackOnFailure),
            continueWhenReady: Boolean(options.continue),
            stopOnCancel: Boolean(options.stopOnCancel),
            signal: ctx.signal,
          },
          { clients, clock: systemClock, logger: ctx.output },
        );
        summarize(ctx, followed.outcome.deployment, followed.outcome.failures);
        const verdict = followed.verdict ?? followed.beforeTraffic;
        const result: Record<string, unknown> = {
          deploymentId,
          status: followed.outcome.deployment.status ?? 'Unknown',
          verified: Boolean(followed.verdict?.verified),
          failures: followed.outcome.failures,
          ...(verdict ? { verification: verdictJson(verdict) } : {}),
        };
        if (!env) {
          ctx.output.emit({
            kind: 'message',
            level: 'info',
            text: 'verified without --env: the environment’s target groups and health check were not part of the verdict, and nothing is recorded',
          });
        }
        const settled = await settleFollowed(followed, env, result, {
          codedeploy: clients.codedeploy,
          s3: () => aws.s3(),
          logger: ctx.output,
        });
        ctx.setResult(settled?.result ?? result);
        return settled?.exitCode ?? ExitCode.Failed;
      }),
    );
}
