// What `--revision` may name: a Git commit (deployed from GitHub) or an S3 bundle.

export type RevisionRef =
  { type: 'GitHub'; commitId: string } | { type: 'S3'; bucket: string; key: string; version?: string };

export class InvalidArgumentError extends Error {
  readonly exitCode = 2;
}

const commit = /^[0-9a-f]{40}$/;
// Bucket names per S3's rules: 3–63 characters, lower case, digits, dots and hyphens.
const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseRevision(text: string): RevisionRef {
  const value = text.trim();
  if (value.startsWith('s3://')) {
    const rest = value.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    let key = slash < 0 ? '' : rest.slice(slash + 1);
    let version: string | undefined;
    const q = key.indexOf('?versionId=');
    if (q >= 0) {
      version = key.slice(q + '?versionId='.length);
      key = key.slice(0, q);
    }
    if (!bucketName.test(bucket)) {
      throw new InvalidArgumentError(
        `revision ${JSON.stringify(text)}: "${bucket}" is not a valid S3 bucket name`,
      );
    }
    if (!key || key.endsWith('/')) {
      throw new InvalidArgumentError(
        `revision ${JSON.stringify(text)}: expected s3://bucket/key naming a bundle (.zip, .tar or .tgz)`,
      );
    }
    return version ? { type: 'S3', bucket, key, version } : { type: 'S3', bucket, key };
  }
  if (commit.test(value)) return { type: 'GitHub', commitId: value };
  if (/^[0-9a-fA-F]{40}$/.test(value)) return { type: 'GitHub', commitId: value.toLowerCase() };
  throw new InvalidArgumentError(
    `revision ${JSON.stringify(text)} is neither a full 40-character commit id nor an s3://bucket/key URL`,
  );
}

/** S3 bundle type from the key's extension, as CodeDeploy names it. */
export function bundleTypeOf(key: string): 'zip' | 'tar' | 'tgz' | undefined {
  if (key.endsWith('.zip')) return 'zip';
  if (key.endsWith('.tar')) return 'tar';
  if (key.endsWith('.tgz') || key.endsWith('.tar.gz')) return 'tgz';
  return undefined;
}

const deploymentId = /^d-[A-Z0-9]{9}$/;

export function parseDeploymentId(text: string): string {
  const value = text.trim();
  if (!deploymentId.test(value)) {
    throw new InvalidArgumentError(
      `${JSON.stringify(text)} is not a CodeDeploy deployment id (expected d- and 9 upper-case letters or digits, e.g. d-A1B2C3D4E)`,
    );
  }
  return value;
}

/** The commit to deploy when none is named: CircleCI's, else the checkout's HEAD. */
export async function defaultCommit(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<string> {
  if (env.CIRCLE_SHA1) return parseRevisionCommit(env.CIRCLE_SHA1, 'CIRCLE_SHA1');
  const { execFile } = await import('node:child_process');
  const head = await new Promise<string>((resolve, reject) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd }, (error, stdout) => {
      if (error) {
        reject(
          new InvalidArgumentError(
            `no revision given and none found: pass --revision SHA|s3://bucket/key, set CIRCLE_SHA1, or run in a git checkout (git rev-parse HEAD failed in ${cwd})`,
          ),
        );
      } else resolve(stdout.trim());
    });
  });
  return parseRevisionCommit(head, 'git rev-parse HEAD');
}

function parseRevisionCommit(value: string, source: string): string {
  const ref = parseRevision(value);
  if (ref.type !== 'GitHub')
    throw new InvalidArgumentError(`${source} is not a commit id: ${JSON.stringify(value)}`);
  return ref.commitId;
}
