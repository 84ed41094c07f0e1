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

/** 7 to 39 hex digits: an abbreviated commit, as `git log --oneline` and GitHub show them. */
const shortCommit = /^[0-9a-fA-F]{7,39}$/;

/** Runs git in `cwd`; resolves to its stdout, or undefined when git fails or is missing. */
async function git(args: readonly string[], cwd: string): Promise<string | undefined> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('git', [...args], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
      resolve(error ? undefined : stdout),
    );
  });
}

/**
 * `--revision` as the person typed it: a full commit, an s3:// URL, or a short commit that the
 * checkout at `cwd` resolves to its full 40-hex id (CodeDeploy's GitHub revisions take only full ids).
 */
export async function resolveRevision(text: string, cwd: string): Promise<RevisionRef> {
  const value = text.trim();
  if (!shortCommit.test(value) || /^[0-9a-fA-F]{40}$/.test(value)) return parseRevision(text);
  const full = (await git(['rev-parse', '--verify', '--quiet', `${value}^{commit}`], cwd))?.trim();
  if (full && /^[0-9a-f]{40}$/.test(full)) return { type: 'GitHub', commitId: full };
  const inCheckout = (await git(['rev-parse', '--is-inside-work-tree'], cwd))?.trim() === 'true';
  throw new InvalidArgumentError(
    `revision ${JSON.stringify(text)} is a short commit id, and CodeDeploy's GitHub revisions need the full 40-character one: ` +
      (inCheckout
        ? `the git checkout at ${cwd} has no commit ${value} (or more than one starts with it); pass the full id (git rev-parse ${value})`
        : `${cwd} is not a git checkout to look it up in; pass the full id`),
  );
}

/** What `git` can say about whether a commit is in the GitHub repository a deployment will fetch. */
export type PushedCheck =
  | { readonly status: 'pushed'; readonly remote: string; readonly branch: string }
  | { readonly status: 'not-pushed'; readonly remote: string; readonly message: string }
  | { readonly status: 'unknown'; readonly message: string };

/** `owner/repo` from a GitHub remote URL (https, ssh or scp-like), lower case; undefined otherwise. */
export function githubRepositoryOf(url: string): string | undefined {
  const match = /github\.com[:/]+([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/i.exec(url.trim());
  return match ? `${match[1]}/${match[2]}`.toLowerCase() : undefined;
}

/**
 * Whether `commit` is on a branch of the remote whose URL is GitHub's `repository`, as far as the
 * checkout's remote-tracking branches know (`git branch -r --contains`; a `git fetch` makes them
 * current). CodeDeploy downloads GitHub revisions from GitHub, so a commit that was never pushed
 * fails DownloadBundle on every instance.
 */
export async function checkCommitPushed(
  commit: string,
  repository: string,
  cwd: string,
): Promise<PushedCheck> {
  const remotes = await git(['remote', '-v'], cwd);
  if (remotes === undefined) {
    return {
      status: 'unknown',
      message: `${cwd} is not a git checkout, so greenlight cannot tell whether ${commit.slice(0, 12)} is pushed to ${repository}`,
    };
  }
  const wanted = repository.toLowerCase();
  const names = [
    ...new Set(
      remotes
        .split('\n')
        .map((line) => line.split(/\s+/))
        .filter(([, url]) => url !== undefined && githubRepositoryOf(url) === wanted)
        .map(([name]) => name ?? ''),
    ),
  ].filter((name) => name !== '');
  if (names.length === 0) {
    return {
      status: 'unknown',
      message: `no git remote of ${cwd} points at github.com/${repository} (greenlight.yml's revision), so greenlight cannot tell whether ${commit.slice(0, 12)} is pushed there`,
    };
  }
  const branches = (await git(['branch', '-r', '--contains', commit], cwd)) ?? '';
  for (const line of branches.split('\n')) {
    const branch = line.trim().replace(/^\*\s*/, '');
    const remote = names.find((name) => branch.startsWith(`${name}/`));
    if (remote && !branch.includes(' -> ')) return { status: 'pushed', remote, branch };
  }
  const remote = names[0] ?? '';
  return {
    status: 'not-pushed',
    remote,
    message:
      `commit ${commit.slice(0, 12)} (HEAD) is on no branch of ${remote} (github.com/${repository}) that this checkout knows of ` +
      `(git branch -r --contains ${commit.slice(0, 12)}): CodeDeploy would fail DownloadBundle on every instance. ` +
      `Push it (git push ${remote} HEAD) and deploy again, or git fetch ${remote} if it was pushed elsewhere`,
  };
}
