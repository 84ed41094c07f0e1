import type { Command } from 'commander';
import type { GroupPlan } from '../../codedeploy/group.js';
import type { Logger } from '../../log/events.js';
import type { Runner } from '../program.js';

/** The plan as a person reads it (codedeploy/plan-lines.ts), one message per line. */
async function printPlan(plan: GroupPlan, logger: Logger, cleanOrphans: boolean): Promise<void> {
  const { planLines } = await import('../../codedeploy/plan-lines.js');
  for (const text of planLines(plan, cleanOrphans)) logger.emit({ kind: 'message', level: 'info', text });
}

export function registerGroup(program: Command, run: Runner): void {
  const group = program
    .command('group')
    .description('create and reconcile the CodeDeploy application and deployment group from greenlight.yml');
  group
    .command('plan')
    .description(
      'show how the deployment group differs from greenlight.yml ("create" if it does not exist), check that what it refers to exists (ASG, target groups, alarms, deployment config; exit 2 if not) and list orphaned CodeDeploy_<group>_* Auto Scaling groups',
    )
    .action(
      run(async (ctx) => {
        const env = ctx.environment();
        const { GroupReferencesError, groupClientsOf, missingReferences, planGroup } =
          await import('../../codedeploy/group.js');
        const plan = await planGroup(env, await groupClientsOf(ctx.aws()));
        await printPlan(plan, ctx.output, false);
        ctx.setResult(plan);
        // A plan that cannot be applied is an error of the configuration (or of the stack): exit 2.
        const missing = missingReferences(plan);
        if (missing.length > 0)
          throw new GroupReferencesError(missing, `${env.application}/${env.deploymentGroup}`);
        return 0;
      }),
    );
  group
    .command('apply')
    .description(
      'create the application and deployment group if missing, update only what differs; a second apply changes nothing, and nothing is changed when the group refers to what does not exist',
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option(
      '--clean-orphans',
      'delete CodeDeploy_<group>_* Auto Scaling groups no deployment owns (never the current one)',
    )
    .action(
      run(async (ctx, options: { dryRun?: boolean; cleanOrphans?: boolean }) => {
        const env = ctx.environment();
        const { GroupReferencesError, applyGroup, groupClientsOf, missingReferences } =
          await import('../../codedeploy/group.js');
        const result = await applyGroup(env, await groupClientsOf(ctx.aws()), ctx.output, {
          dryRun: Boolean(options.dryRun),
          cleanOrphans: Boolean(options.cleanOrphans),
        });
        if (options.dryRun) {
          await printPlan(result.plan, ctx.output, Boolean(options.cleanOrphans));
          ctx.output.emit({ kind: 'message', level: 'info', text: 'dry run: nothing was changed' });
          const missing = missingReferences(result.plan);
          ctx.setResult(result);
          if (missing.length > 0)
            throw new GroupReferencesError(missing, `${env.application}/${env.deploymentGroup}`);
        }
        ctx.setResult(result);
        return 0;
      }),
    );
}
