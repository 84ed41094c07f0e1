import type { GroupPlan, ReferenceCheck } from './group.js';
import { showSpecValue } from './group-spec.js';

// `group plan` and `group apply --dry-run` as a person reads them.

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

/** The plan as a person reads it: one line per resource, one indented line per changed field. */
export function planLines(plan: GroupPlan, cleanOrphans: boolean): string[] {
  const lines: string[] = [];
  const say = (text: string) => lines.push(text);
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
      say(`  ~ ${change.field}: ${showSpecValue(change.current)} → ${showSpecValue(change.desired)}`);
  }
  for (const warning of plan.warnings) say(`! ${warning}`);
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
  return lines;
}
