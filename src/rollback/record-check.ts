import {
  GetDeploymentCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AwsOperationError, classifyAwsError } from '../aws/errors.js';
import { revisionLabel } from '../codedeploy/deploy.js';
import { revisionTag, type GroupRef } from '../codedeploy/group-tags.js';

// A record greenlight keeps on the deployment group (the last-known-good, the last gate pass) is a
// claim, and tags can be written by anyone who may tag the group. Before a record decides what is
// deployed or what `status` calls verified, the claim is checked against CodeDeploy and S3: the
// deployment exists, belongs to this application and group, Succeeded, deployed the revision the
// record names, and that revision can still be deployed.

/** What a record claims: a deployment of the group and its revision as the tag spells it. */
export interface RecordClaim {
  readonly deploymentId: string;
  readonly revision: string;
}

export type RecordCheck =
  | { readonly ok: true; readonly deployment: DeploymentInfo; readonly revision: RevisionLocation }
  | { readonly ok: false; readonly reason: string };

export interface RecordCheckDeps {
  readonly codedeploy: CodeDeployClient;
  /** Checks that an S3 revision still exists; without it an S3 revision fails the check. */
  readonly s3?: () => Promise<S3Client>;
}

/** A record as read and checked: absent, failing a check (with the reason), or good. */
export type CheckedRecord<R extends RecordClaim> =
  | { readonly kind: 'none' }
  | { readonly kind: 'rejected'; readonly record: R; readonly reason: string }
  | {
      readonly kind: 'checked';
      readonly record: R;
      readonly deployment: DeploymentInfo;
      readonly revision: RevisionLocation;
    };

/** Reads a record with `read`, then checks it. */
export async function readChecked<R extends RecordClaim>(
  read: () => Promise<R | undefined>,
  group: GroupRef,
  deps: RecordCheckDeps,
): Promise<CheckedRecord<R>> {
  const record = await read();
  if (!record) return { kind: 'none' };
  const check = await checkRecord(record, group, deps);
  return check.ok
    ? { kind: 'checked', record, deployment: check.deployment, revision: check.revision }
    : { kind: 'rejected', record, reason: check.reason };
}

const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;

export async function checkRecord(
  claim: RecordClaim,
  group: GroupRef,
  deps: RecordCheckDeps,
): Promise<RecordCheck> {
  const id = claim.deploymentId;
  const refuse = (reason: string): RecordCheck => ({ ok: false, reason });
  if (!DEPLOYMENT_ID.test(id)) return refuse(`${JSON.stringify(id)} is not a CodeDeploy deployment id`);
  const deployment = await getDeployment(deps.codedeploy, id);
  if (!deployment) return refuse(`CodeDeploy does not know deployment ${id}`);
  const owner = `${deployment.applicationName ?? '?'}/${deployment.deploymentGroupName ?? '?'}`;
  const ours = `${group.application}/${group.deploymentGroup}`;
  if (
    deployment.applicationName !== group.application ||
    deployment.deploymentGroupName !== group.deploymentGroup
  )
    return refuse(`${id} is a deployment of ${owner}, not of ${ours}`);
  if (deployment.status !== 'Succeeded')
    return refuse(`${id} is ${deployment.status ?? 'of unknown status'}, not Succeeded`);
  const revision = deployment.revision;
  if (!revision) return refuse(`CodeDeploy reports no revision for ${id}`);
  const deployed = revisionTag(revisionLabel(revision));
  if (deployed !== claim.revision)
    return refuse(
      `the record says ${id} deployed ${JSON.stringify(claim.revision)}, but it deployed ${revisionLabel(revision)}`,
    );
  const gone = await revisionGone(revision, deps);
  if (gone) return refuse(`${id} deployed ${revisionLabel(revision)}, which ${gone}`);
  return { ok: true, deployment, revision };
}

async function getDeployment(codedeploy: CodeDeployClient, id: string): Promise<DeploymentInfo | undefined> {
  try {
    return (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  } catch (error) {
    if (classifyAwsError(error) === 'not-found') return undefined;
    throw new AwsOperationError('GetDeployment', id, error);
  }
}

/**
 * Why the revision can no longer be deployed, or undefined while it can. A GitHub revision is
 * registered with the application by the CreateDeployment that used it, and CodeDeploy has no call
 * that unregisters one: a Succeeded deployment of this application (checked above) is that proof.
 * An S3 bundle can be deleted or overwritten, so it is looked at: HeadObject of the version the
 * deployment pinned, and its ETag against the one it pinned.
 */
async function revisionGone(revision: RevisionLocation, deps: RecordCheckDeps): Promise<string | undefined> {
  if (revision.revisionType === 'GitHub') return undefined;
  if (revision.revisionType !== 'S3')
    return `is a ${revision.revisionType ?? 'typeless'} revision, not one greenlight deploys to EC2`;
  const s3 = revision.s3Location;
  const url = `s3://${s3?.bucket ?? '?'}/${s3?.key ?? '?'}`;
  if (!s3?.bucket || !s3.key) return 'names no bucket and key';
  if (!deps.s3) return 'greenlight could not check (this command was given no S3 client)';
  const client = await deps.s3();
  let etag: string | undefined;
  try {
    const head = await client.send(
      new HeadObjectCommand({
        Bucket: s3.bucket,
        Key: s3.key,
        ...(s3.version ? { VersionId: s3.version } : {}),
      }),
    );
    etag = head.ETag?.replace(/"/g, '');
  } catch (error) {
    if (classifyAwsError(error) === 'not-found')
      return `no longer exists (HeadObject ${url}${s3.version ? ` version ${s3.version}` : ''}: not found)`;
    throw new AwsOperationError('HeadObject', url, error);
  }
  const pinned = s3.eTag?.replace(/"/g, '');
  if (pinned && etag && pinned !== etag)
    return `has changed since (${url} has ETag ${etag} now, the deployment pinned ${pinned})`;
  return undefined;
}
