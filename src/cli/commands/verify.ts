import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { Command } from 'commander';
import { systemClock } from '../../clock.js';
import { recordLastKnownGood } from '../../rollback/last-known-good.js';
import { gatherRequestFor } from '../../verify/follow.js';
import { verifyClientsOf } from '../../verify/gather.js';
import { findRelease } from '../../verify/release.js';
import { checkReportPaths, writeReportFiles } from '../../verify/report-files.js';
import { verdictJson } from '../../verify/report-json.js';
import { verifyDeployment } from '../../verify/verify.js';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Runner } from '../program.js';
import { parseDeploymentIdArgument } from './arguments.js';

export interface VerifyOptions {
  junit?: string;
  markdown?: string;
  record: boolean;
}

export function registerVerify(program: Command, run: Runner): void {
  program
    .command('verify')
    .description(
      'verify every instance of a deployment (targets, lifecycle events, capacity, target health, served version, alarms) instead of trusting CodeDeploy’s status',
    )
    .argument(
      '[deployment-id]',
      'the deployment to verify (default: the environment’s release, the newest deployment a person or pipeline created)',
      parseDeploymentIdArgument,
    )
    .option('--junit <file>', 'write a JUnit XML report (one test case per instance and rule)')
    .option('--markdown <file>', 'write a Markdown summary')
    .option('--no-record', 'do not record a verified deployment as the last-known-good')
    .action(
      run(async (ctx, deploymentId: string | undefined, options: VerifyOptions) => {
        if (!deploymentId && !ctx.options.env && !ctx.env.GREENLIGHT_ENV) {
          throw new UsageError(
            'verify needs a deployment id or --env NAME (to verify its latest deployment)',
          );
        }
        const env = ctx.options.env || ctx.env.GREENLIGHT_ENV ? ctx.environment() : undefined;
        // Everything the person typed is checked before the first AWS call.
        await checkReportPaths(options, ctx.cwd);
        const clients = await verifyClientsOf(ctx.aws());
        const id = deploymentId ?? (await releaseOf(ctx, clients.codedeploy));
        const verdict = await verifyDeployment(gatherRequestFor(id, env, ctx.signal), {
          clients,
          clock: systemClock,
          logger: ctx.output,
        });
        await writeReportFiles(verdict, options, ctx.cwd, ctx.output);
        const report: Record<string, unknown> = { ...verdictJson(verdict) };
        ctx.setResult(report);
        if (verdict.verified && options.record) {
          if (env) {
            // gatherFacts refused a deployment of another group, so the record goes where it belongs.
            report.lastKnownGood = await recordLastKnownGood(clients.codedeploy, env, verdict, systemClock);
          } else {
            ctx.output.emit({
              kind: 'message',
              level: 'info',
              text: `not recorded as the last-known-good: without --env the environment's target groups and health check were not part of this verdict`,
            });
          }
        }
        return verdict.verified ? ExitCode.Ok : ExitCode.Failed;
      }),
    );
}

/** `verify --env`: the environment's release, chosen on purpose and said why. */
async function releaseOf(ctx: CommandContext, codedeploy: CodeDeployClient): Promise<string> {
  const env = ctx.environment();
  const release = await findRelease(codedeploy, env);
  if (!release) {
    throw new UsageError(
      `${env.application}/${env.deploymentGroup} has no deployment a person or pipeline created; deploy first (greenlight deploy --env ${env.name})`,
    );
  }
  ctx.output.emit({ kind: 'message', level: 'info', text: release.why });
  return release.deploymentId;
}
