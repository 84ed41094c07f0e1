// Where the real agent gets a revision's bytes: an S3 bundle from the local S3, or a GitHub revision
// from the local git repository the world maps `owner/repo` to, exported at the commit with
// `git archive` (a tar, as GitHub's tarball would be unpacked by the agent).
import { spawn } from 'node:child_process';
import type { Revision } from '../codedeploy/agent.js';
import type { S3Port } from '../ports.js';

export class BundleError extends Error {}

export interface BundleSources {
  readonly s3: S3Port;
  /** `owner/repo` → path of a local git repository (the world's `github:`). */
  readonly github: (repository: string) => string | undefined;
}

export async function fetchBundle(revision: Revision, sources: BundleSources): Promise<Buffer> {
  if (revision.revisionType === 'S3') {
    const { bucket, key, version, eTag } = revision.s3Location;
    const object = sources.s3.getObject(bucket, key, version);
    if (!object) throw new BundleError('The specified key does not exist.');
    if (eTag !== undefined && object.etag.replace(/"/g, '') !== eTag.replace(/"/g, '')) {
      throw new BundleError(
        `The bundle s3://${bucket}/${key} has ETag ${object.etag}, not the deployment's ${eTag}.`,
      );
    }
    return object.body;
  }
  const { repository, commitId } = revision.gitHubLocation;
  const path = sources.github(repository);
  if (path === undefined) {
    throw new BundleError(
      `No local git repository is mapped to GitHub repository ${repository}; add it under github: in the local cloud's world.`,
    );
  }
  return gitArchive(path, commitId);
}

function gitArchive(repository: string, commitId: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repository, 'archive', '--format=tar', commitId], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', (error) => reject(new BundleError(`git could not run: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new BundleError(`GitHub revision ${commitId} could not be exported: ${err.trim()}`));
    });
  });
}

/** The BUNDLE_* variables the agent sets for the deployment's revision (spec §6.3). */
export function bundleEnvironment(revision: Revision): Record<string, string> {
  if (revision.revisionType === 'GitHub') return { BUNDLE_COMMIT: revision.gitHubLocation.commitId };
  const { bucket, key, version, eTag } = revision.s3Location;
  // A missing version or ETag is nil in the agent, which unsets the variable.
  return {
    BUNDLE_BUCKET: bucket,
    BUNDLE_KEY: key,
    ...(version !== undefined ? { BUNDLE_VERSION: version } : {}),
    ...(eTag !== undefined ? { BUNDLE_ETAG: eTag } : {}),
  };
}
