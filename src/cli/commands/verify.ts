import { GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import type { Command } from 'commander';
import { awsCall } from '../../aws/errors.js';
import { systemClock } from '../../clock.js';
import { recordLastKnownGood } from '../../rollback/last-known-good.js';
import { gatherRequestFor } from '../../verify/follow.js';
import { verifyClientsOf } from '../../verify/gather.js';
import { writeReportFiles } from '../../verify/report-files.js';
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
      'the deployment to verify (default: the environment’s latest)',
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
        const clients = await verifyClientsOf(ctx.aws());
        const id = deploymentId ?? (await latestDeployment(ctx));
        const verdict = await verifyDeployment(gatherRequestFor(id, env), {
          clients,
          clock: systemClock,
          logger: ctx.output,
        });
        await writeReportFiles(verdict, options, ctx.cwd, ctx.output);
        const report: Record<string, unknown> = { ...verdictJson(verdict) };
        ctx.setResult(report);
        if (verdict.verified && options.record) {
          await recordLastKnownGood(
            clients.codedeploy,
            {
              application: verdict.application,
              deploymentGroup: verdict.deploymentGroup,
              ...(env && env.deploymentGroup === verdict.deploymentGroup
                ? { serviceRoleArn: env.serviceRoleArn }
                : {}),
            },
            verdict,
            systemClock,
          );
        }
        return verdict.verified ? ExitCode.Ok : ExitCode.Failed;
      }),
    );
}

async function latestDeployment(ctx: CommandContext): Promise<string> {
  const env = ctx.environment();
  const codedeploy = await ctx.aws().codedeploy();
  const group = `${env.application}/${env.deploymentGroup}`;
  const out = await awsCall('GetDeploymentGroup', group, () =>
    codedeploy.send(
      new GetDeploymentGroupCommand({
        applicationName: env.application,
        deploymentGroupName: env.deploymentGroup,
      }),
    ),
  );
  const id = out.deploymentGroupInfo?.lastAttemptedDeployment?.deploymentId;
  if (!id)
    throw new UsageError(
      `${group} has no deployment to verify yet; deploy first (greenlight deploy --env ${env.name})`,
    );
  return id;
}
