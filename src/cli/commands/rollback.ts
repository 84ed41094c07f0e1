import type { Command } from 'commander';
import { systemClock } from '../../clock.js';
import { buildInfoFromEnv } from '../../codedeploy/deploy.js';
import { revisionLocation } from '../../codedeploy/revision-location.js';
import { parseRevision } from '../../codedeploy/revision.js';
import { rollBack, type RollbackOutcome } from '../../rollback/rollback.js';
import { verifyClientsOf } from '../../verify/gather.js';
import { writeReportFiles } from '../../verify/report-files.js';
import { verdictJson } from '../../verify/report-json.js';
import { ExitCode } from '../errors.js';
import type { Runner } from '../program.js';
import { parseDurationOption } from './arguments.js';

export interface RollbackOptions {
  to?: string;
  poll: number;
  timeout?: number;
  junit?: string;
  markdown?: string;
}

const HOW: Record<RollbackOutcome['how'], string> = {
  stopped: ' (CodeDeploy’s rollback of the stopped deployment)',
  redeployed: '',
  attached: ' (a deployment of it that was already running)',
  'in-place': ' (the environment already served it; nothing was redeployed)',
};

export function registerRollback(program: Command, run: Runner): void {
  program
    .command('rollback')
    .description(
      'return the environment to its last verified revision (checked first) and verify it there: exit 5 when it verifies, 1 when it does not or there is no revision it may trust',
    )
    .option('--to <sha|s3://bucket/key>', 'roll back to this revision instead of the last verified one')
    .option('--poll <duration>', 'how often to ask CodeDeploy', parseDurationOption, 15_000)
    .option('--timeout <duration>', 'give up waiting after this long', parseDurationOption)
    .option('--junit <file>', 'write the rollback’s verification as JUnit XML')
    .option('--markdown <file>', 'write the rollback’s verification as Markdown')
    .action(
      run(async (ctx, options: RollbackOptions) => {
        const ref = options.to ? parseRevision(options.to) : undefined;
        const env = ctx.environment();
        const aws = ctx.aws();
        const to = ref ? await revisionLocation(env, ref, () => aws.s3()) : undefined;
        const clients = await verifyClientsOf(aws);
        const outcome = await rollBack(
          {
            env,
            ...(to ? { to } : {}),
            build: buildInfoFromEnv(ctx.env),
            pollMs: options.poll,
            ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
            signal: ctx.signal,
          },
          { clients, clock: systemClock, logger: ctx.output, s3: () => aws.s3() },
        );
        await writeReportFiles(outcome.verdict, options, ctx.cwd, ctx.output);
        ctx.output.emit({
          kind: 'message',
          level: outcome.verdict.verified ? 'info' : 'error',
          text: outcome.verdict.verified
            ? `rolled back to ${outcome.revision} in ${outcome.deploymentId}, verified${HOW[outcome.how]}`
            : `the rollback to ${outcome.revision} in ${outcome.deploymentId} did not verify; nothing was recorded`,
        });
        ctx.setResult({
          how: outcome.how,
          ...(outcome.stoppedDeploymentId ? { stoppedDeploymentId: outcome.stoppedDeploymentId } : {}),
          deploymentId: outcome.deploymentId,
          revision: outcome.revision,
          status: outcome.status,
          verified: outcome.verdict.verified,
          verification: verdictJson(outcome.verdict),
          ...(outcome.lastKnownGood ? { lastKnownGood: outcome.lastKnownGood } : {}),
        });
        return outcome.verdict.verified ? ExitCode.RolledBack : ExitCode.Failed;
      }),
    );
}
