import {
  GetDeploymentGroupCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  type CodeDeployClient,
} from '@aws-sdk/client-codedeploy';
import { awsCall } from '../aws/errors.js';

// Tags on a deployment group: the ones greenlight.yml asks for, and the records greenlight keeps
// there (the last-known-good, the last deployment that passed the gate).

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
  return groupArnFrom(role, await codedeploy.config.region(), group);
}

/**
 * The group's ARN in the service role's partition and account (`aws`, `aws-cn`, `aws-us-gov`: the
 * group lives where its role does).
 */
export function groupArnFrom(roleArn: string, region: string, group: GroupRef): string {
  const [, partition = 'aws', account = ''] = /^arn:(aws[a-z-]*):iam::(\d{12}):/.exec(roleArn) ?? [];
  return `arn:${partition}:codedeploy:${region}:${account}:deploymentgroup:${group.application}/${group.deploymentGroup}`;
}

/** Every tag on the group, key to value, through all pages. */
export async function readGroupTags(
  codedeploy: CodeDeployClient,
  group: GroupRef,
): Promise<ReadonlyMap<string, string>> {
  const arn = await deploymentGroupArn(codedeploy, group);
  const tags = new Map<string, string>();
  // The CodeDeploy client has no paginator for ListTagsForResource.
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
  return tags;
}

/** Sets these tags on the group in one call; its other tags stay as they are. */
export async function tagGroup(
  codedeploy: CodeDeployClient,
  group: GroupRef,
  tags: Readonly<Record<string, string>>,
): Promise<void> {
  const arn = await deploymentGroupArn(codedeploy, group);
  await awsCall('TagResource', arn, () =>
    codedeploy.send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    ),
  );
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
