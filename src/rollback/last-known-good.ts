import {
  GetDeploymentGroupCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  type CodeDeployClient,
} from '@aws-sdk/client-codedeploy';
import { awsCall } from '../aws/errors.js';
import type { Clock } from '../clock.js';

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

export interface GroupRef {
  readonly application: string;
  readonly deploymentGroup: string;
  /** Gives the account id of the group's ARN; read from the group when absent. */
  readonly serviceRoleArn?: string;
}

const name = (g: GroupRef) => `${g.application}/${g.deploymentGroup}`;

/** CodeDeploy returns no ARN for a group; it is built from the region and the service role's account. */
export async function deploymentGroupArn(codedeploy: CodeDeployClient, group: GroupRef): Promise<string> {
  let role = group.serviceRoleArn;
  if (!role) {
    const out = await awsCall('GetDeploymentGroup', name(group), () =>
      codedeploy.send(
        new GetDeploymentGroupCommand({
          applicationName: group.application,
          deploymentGroupName: group.deploymentGroup,
        }),
      ),
    );
    role = out.deploymentGroupInfo?.serviceRoleArn ?? '';
  }
  const region = await codedeploy.config.region();
  const account = /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(role)?.[1] ?? '';
  return `arn:aws:codedeploy:${region}:${account}:deploymentgroup:${group.application}/${group.deploymentGroup}`;
}

/** A tag value AWS accepts: at most 256 of letters, digits, spaces and `_ . : / = + - @`. */
export function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, '_').slice(0, 256);
}

/** `s3://bucket/key?versionId=v#etag` has characters tags refuse; spelled with `=` instead. */
export function revisionTag(label: string): string {
  const m = /^(s3:\/\/[^?#]+)(?:\?versionId=([^#]*))?(?:#(.*))?$/.exec(label);
  if (!m) return tagValue(label);
  return tagValue(
    [m[1], m[2] ? `version=${m[2]}` : '', m[3] ? `etag=${m[3]}` : ''].filter(Boolean).join(' '),
  );
}

export async function readLastKnownGood(
  codedeploy: CodeDeployClient,
  group: GroupRef,
): Promise<LastKnownGood | undefined> {
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
  const deploymentId = tags.get(LKG_TAGS.deployment);
  if (!deploymentId) return undefined;
  return {
    deploymentId,
    revision: tags.get(LKG_TAGS.revision) ?? '',
    verifiedAt: tags.get(LKG_TAGS.verifiedAt) ?? '',
  };
}

export async function recordLastKnownGood(
  codedeploy: CodeDeployClient,
  group: GroupRef,
  verified: { readonly deploymentId: string; readonly revision: string },
  clock: Clock,
): Promise<LastKnownGood> {
  const arn = await deploymentGroupArn(codedeploy, group);
  const record: LastKnownGood = {
    deploymentId: verified.deploymentId,
    revision: revisionTag(verified.revision),
    verifiedAt: new Date(clock.now()).toISOString(),
  };
  await awsCall('TagResource', arn, () =>
    codedeploy.send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: [
          { Key: LKG_TAGS.deployment, Value: record.deploymentId },
          { Key: LKG_TAGS.revision, Value: record.revision },
          { Key: LKG_TAGS.verifiedAt, Value: record.verifiedAt },
        ],
      }),
    ),
  );
  return record;
}

/** `startDeployment`'s `isVerified`: was this deployment the one greenlight last verified? */
export function verifiedBy(
  codedeploy: CodeDeployClient,
  group: GroupRef,
): (deploymentId: string) => Promise<boolean> {
  return async (deploymentId) => (await readLastKnownGood(codedeploy, group))?.deploymentId === deploymentId;
}
