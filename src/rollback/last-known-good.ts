import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { Clock } from '../clock.js';
import { readGroupTags, revisionTag, tagGroup, type GroupRef } from '../codedeploy/group-tags.js';
import { readChecked, type CheckedRecord, type RecordCheckDeps } from './record-check.js';

export { revisionTag, tagValue, type GroupRef } from '../codedeploy/group-tags.js';

// The last-known-good record: the last deployment greenlight verified, kept as three tags on the
// deployment group itself. Every CI job that can deploy can read it, it needs no store of its own,
// and it lives and dies with the group. Three tags: CodeDeploy allows 50 per resource and other
// tooling needs room. Values stay within 256 characters and the characters AWS tags accept; the
// deployment id is the exact record (GetDeployment gives its full revision, S3 version and ETag
// included), the revision tag is for people reading the console.

export const LKG_TAGS = {
  deployment: 'greenlight:lkg-deployment',
  revision: 'greenlight:lkg-revision',
  verifiedAt: 'greenlight:lkg-verified-at',
} as const;

export interface LastKnownGood {
  readonly deploymentId: string;
  readonly revision: string;
  readonly verifiedAt: string;
}

export async function readLastKnownGood(
  codedeploy: CodeDeployClient,
  group: GroupRef,
): Promise<LastKnownGood | undefined> {
  const tags = await readGroupTags(codedeploy, group);
  const deploymentId = tags.get(LKG_TAGS.deployment);
  if (!deploymentId) return undefined;
  return {
    deploymentId,
    revision: tags.get(LKG_TAGS.revision) ?? '',
    verifiedAt: tags.get(LKG_TAGS.verifiedAt) ?? '',
  };
}

/**
 * The last-known-good record, checked against the group, application and revision it claims (see
 * record-check.ts). Whatever decides from the record — a rollback, `status`, the gate — reads it so.
 */
export function readCheckedLastKnownGood(
  group: GroupRef,
  deps: RecordCheckDeps,
): Promise<CheckedRecord<LastKnownGood>> {
  return readChecked(() => readLastKnownGood(deps.codedeploy, group), group, deps);
}

export async function recordLastKnownGood(
  codedeploy: CodeDeployClient,
  group: GroupRef,
  verified: { readonly deploymentId: string; readonly revision: string; readonly verified?: boolean },
  clock: Clock,
): Promise<LastKnownGood> {
  // Only a verdict reached in this run is a record; a verdict that failed is never one.
  if (verified.verified === false)
    throw new Error(`refusing to record ${verified.deploymentId} as last-known-good: it did not verify`);
  const record: LastKnownGood = {
    deploymentId: verified.deploymentId,
    revision: revisionTag(verified.revision),
    verifiedAt: new Date(clock.now()).toISOString(),
  };
  await tagGroup(codedeploy, group, {
    [LKG_TAGS.deployment]: record.deploymentId,
    [LKG_TAGS.revision]: record.revision,
    [LKG_TAGS.verifiedAt]: record.verifiedAt,
  });
  return record;
}

/** `startDeployment`'s `isVerified`: was this deployment the one greenlight last verified? */
export function verifiedBy(
  codedeploy: CodeDeployClient,
  group: GroupRef,
): (deploymentId: string) => Promise<boolean> {
  return async (deploymentId) => (await readLastKnownGood(codedeploy, group))?.deploymentId === deploymentId;
}
