import {
  ListTagsForResourceCommand,
  TagResourceCommand,
  type CodeDeployClient,
} from '@aws-sdk/client-codedeploy';
import { awsCall } from '../aws/errors.js';
import type { Clock } from '../clock.js';
import { deploymentGroupArn, revisionTag, tagValue, type GroupRef } from '../rollback/last-known-good.js';

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
  const arn = await deploymentGroupArn(codedeploy, group);
  const tags = new Map<string, string>();
  let token: string | undefined;
  do {
    const out = await awsCall('ListTagsForResource', arn, () =>
      codedeploy.send(
        new ListTagsForResourceCommand({ ResourceArn: arn, ...(token ? { NextToken: token } : {}) }),
      ),
    );
    for (const t of out.Tags ?? []) if (t.Key) tags.set(t.Key, t.Value ?? '');
    token = out.NextToken;
  } while (token);
  const deploymentId = tags.get(PASSED_GATE_TAGS.deployment);
  if (!deploymentId) return undefined;
  return {
    deploymentId,
    revision: tags.get(PASSED_GATE_TAGS.revision) ?? '',
    passedAt: tags.get(PASSED_GATE_TAGS.passedAt) ?? '',
  };
}

export async function recordPassedGate(
  codedeploy: CodeDeployClient,
  group: GroupRef,
  passed: { readonly deploymentId: string; readonly revision: string },
  clock: Clock,
): Promise<PassedGate> {
  const arn = await deploymentGroupArn(codedeploy, group);
  const record: PassedGate = {
    deploymentId: tagValue(passed.deploymentId),
    revision: revisionTag(passed.revision),
    passedAt: new Date(clock.now()).toISOString(),
  };
  await awsCall('TagResource', arn, () =>
    codedeploy.send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: [
          { Key: PASSED_GATE_TAGS.deployment, Value: record.deploymentId },
          { Key: PASSED_GATE_TAGS.revision, Value: record.revision },
          { Key: PASSED_GATE_TAGS.passedAt, Value: record.passedAt },
        ],
      }),
    ),
  );
  return record;
}
