import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RevisionLocation } from '@aws-sdk/client-codedeploy';
import { AwsOperationError, classifyAwsError } from '../aws/errors.js';
import type { EnvironmentConfig } from '../config/environment.js';
import { bundleTypeOf, InvalidArgumentError, type RevisionRef } from './revision.js';

/**
 * The CodeDeploy revision for what `--revision` named. A commit deploys from GitHub (or, when the
 * environment's revisions live in S3, the bundle CI uploaded for that commit); an S3 bundle is pinned
 * to the version and ETag it has now, so what is deployed cannot change under the deployment.
 */
export async function revisionLocation(
  env: EnvironmentConfig,
  ref: RevisionRef,
  s3: () => Promise<S3Client>,
): Promise<RevisionLocation> {
  if (ref.type === 'GitHub') {
    if (env.revision.kind === 'github') {
      return {
        revisionType: 'GitHub',
        gitHubLocation: { repository: env.revision.repository, commitId: ref.commitId },
      };
    }
    const key = `${env.revision.prefix}${ref.commitId}.${env.revision.bundleType}`;
    return pinS3(await s3(), { bucket: env.revision.bucket, key }, env.revision.bundleType);
  }
  const bundleType = bundleTypeOf(ref.key);
  if (!bundleType) {
    throw new InvalidArgumentError(
      `s3://${ref.bucket}/${ref.key}: the key must end in .zip, .tar, .tgz or .tar.gz`,
    );
  }
  return pinS3(await s3(), ref, bundleType);
}

async function pinS3(
  s3: S3Client,
  ref: { bucket: string; key: string; version?: string },
  bundleType: 'zip' | 'tar' | 'tgz',
): Promise<RevisionLocation> {
  const url = `s3://${ref.bucket}/${ref.key}`;
  try {
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        ...(ref.version ? { VersionId: ref.version } : {}),
      }),
    );
    return {
      revisionType: 'S3',
      s3Location: {
        bucket: ref.bucket,
        key: ref.key,
        bundleType,
        ...(head.VersionId && head.VersionId !== 'null' ? { version: head.VersionId } : {}),
        ...(head.ETag ? { eTag: head.ETag.replace(/"/g, '') } : {}),
      },
    };
  } catch (error) {
    if (classifyAwsError(error) === 'not-found') {
      throw new InvalidArgumentError(
        `${url} does not exist; upload the bundle first (greenlight deploy --bundle DIR does)`,
      );
    }
    throw new AwsOperationError('HeadObject', url, error);
  }
}
