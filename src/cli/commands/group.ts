import type { Command } from 'commander';
import type { GroupPlan, ReferenceCheck } from '../../codedeploy/group.js';
import type { FieldChange } from '../../codedeploy/group-spec.js';
import type { Logger } from '../../log/events.js';
import type { Runner } from '../program.js';

const MARK: Record<ReferenceCheck['status'], string> = {
  exists: '✓',
  missing: '✗',
  'created by apply': '+',
  'not checked': '?',
};

function referenceLine(check: ReferenceCheck): string {
  const detail =
    check.status === 'exists'
      ? ''
      : check.status === 'missing'
        ? ': does not exist'
        : `: ${check.status}${check.note ? ` (${check.note})` : ''}`;
  return `  ${MARK[check.status]} ${check.kind} ${check.name}${detail}`;
}

function show(value: FieldChange['current']): string {
  return Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
}

/** The plan as a person reads it: one line per resource, one indented line per changed field. */
export function printPlan(plan: GroupPlan, logger: Logger, cleanOrphans: boolean): void {
  const say = (text: string) => logger.emit({ kind: 'message', level: 'info', text });
  say(`application ${plan.application.name}: ${plan.application.action === 'create' ? 'create' : 'exists'}`);
  if (plan.deploymentConfig) {
    const c = plan.deploymentConfig;
    say(
      `deployment config ${c.name}: ${c.action === 'create' ? 'create' : 'exists'} (minimum healthy hosts ${c.minimumHealthyHosts.type} ${c.minimumHealthyHosts.value})`,
    );
  }
  const group = `${plan.desired.applicationName}/${plan.desired.deploymentGroupName}`;
  if (plan.group.action === 'create') say(`deployment group ${group}: create`);
  else if (plan.group.action === 'none') say(`deployment group ${group}: up to date`);
  else {
    say(`deployment group ${group}: update ${plan.group.changes.length} field(s)`);
    for (const change of plan.group.changes)
      say(`  ~ ${change.field}: ${show(change.current)} → ${show(change.desired)}`);
  }
  say('the group refers to:');
  for (const check of plan.references) say(referenceLine(check));
  const tags = Object.entries(plan.tagsToSet);
  if (tags.length > 0) say(`tags to set: ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (plan.orphans.length > 0) {
    say(
      `orphaned Auto Scaling groups (no deployment owns them): ${plan.orphans.join(', ')}` +
        (cleanOrphans ? '' : ' — delete them with: greenlight group apply --clean-orphans'),
    );
  }
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
        printPlan(plan, ctx.output, false);
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
          printPlan(result.plan, ctx.output, Boolean(options.cleanOrphans));
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
