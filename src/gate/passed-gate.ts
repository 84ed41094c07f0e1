import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { Clock } from '../clock.js';
import { readGroupTags, revisionTag, tagGroup, tagValue, type GroupRef } from '../codedeploy/group-tags.js';
import { readChecked, type CheckedRecord, type RecordCheckDeps } from '../rollback/record-check.js';

// The last deployment that passed the gate, kept as tags on the deployment group next to the
// last-known-good record. The gate needs its own record because by the time a bake fails, the
// last-known-good is the very deployment that failed it (the gate only bakes verified deployments);
// rolling back means going to the revision that last survived a whole bake.

export const PASSED_GATE_TAGS = {
  deployment: 'greenlight:gate-passed-deployment',
  revision: 'greenlight:gate-passed-revision',
  passedAt: 'greenlight:gate-passed-at',
} as const;

export interface PassedGate {
  readonly deploymentId: string;
  readonly revision: string;
  readonly passedAt: string;
}

export async function readPassedGate(
  codedeploy: CodeDeployClient,
  group: GroupRef,
): Promise<PassedGate | undefined> {
  const tags = await readGroupTags(codedeploy, group);
  const deploymentId = tags.get(PASSED_GATE_TAGS.deployment);
  if (!deploymentId) return undefined;
  return {
    deploymentId,
    revision: tags.get(PASSED_GATE_TAGS.revision) ?? '',
    passedAt: tags.get(PASSED_GATE_TAGS.passedAt) ?? '',
  };
}

/** The passed-gate record, checked against the group, application and revision it claims. */
export function readCheckedPassedGate(
  group: GroupRef,
  deps: RecordCheckDeps,
): Promise<CheckedRecord<PassedGate>> {
  return readChecked(() => readPassedGate(deps.codedeploy, group), group, deps);
}

export async function recordPassedGate(
  codedeploy: CodeDeployClient,
  group: GroupRef,
  passed: { readonly deploymentId: string; readonly revision: string },
  clock: Clock,
): Promise<PassedGate> {
  const record: PassedGate = {
    deploymentId: tagValue(passed.deploymentId),
    revision: revisionTag(passed.revision),
    passedAt: new Date(clock.now()).toISOString(),
  };
  await tagGroup(codedeploy, group, {
    [PASSED_GATE_TAGS.deployment]: record.deploymentId,
    [PASSED_GATE_TAGS.revision]: record.revision,
    [PASSED_GATE_TAGS.passedAt]: record.passedAt,
  });
  return record;
}
