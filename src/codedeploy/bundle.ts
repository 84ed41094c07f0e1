import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RevisionLocation } from '@aws-sdk/client-codedeploy';
import { AppSpecError, formatProblem, hasErrors } from '../appspec/appspec.js';
import { lintBundle } from '../appspec/bundle.js';
import { awsCall } from '../aws/errors.js';
import type { BundleType, EnvironmentConfig } from '../config/environment.js';
import type { Logger } from '../log/events.js';
import { InvalidArgumentError } from './revision.js';

// `greenlight deploy --bundle DIR`: lint the bundle as the agent would read it, pack it with a
// REVISION file naming the commit (the app reports it as its version; S3 revisions carry no commit
// id of their own), upload it to the environment's revision bucket and pin the version and ETag
// S3 gave it. zip and tar are the system's own tools, called without a shell.

const run = promisify(execFile);

const extension: Record<BundleType, string> = { zip: 'zip', tar: 'tar', tgz: 'tgz' };

export async function packBundle(
  dir: string,
  bundleType: BundleType,
  commit: string,
  out: string,
): Promise<void> {
  const stage = await mkdtemp(join(tmpdir(), 'greenlight-bundle-'));
  try {
    await writeFile(join(stage, 'REVISION'), `${commit}\n`);
    if (bundleType === 'zip') {
      // -X: no extra attributes, -y: keep symlinks as links, as the agent unpacks them.
      await run('zip', ['-q', '-r', '-X', '-y', out, '.'], { cwd: dir });
      await run('zip', ['-q', '-j', '-X', out, join(stage, 'REVISION')]);
    } else {
      const z = bundleType === 'tgz' ? ['-z'] : [];
      await run('tar', [
        '-c',
        ...z,
        '-f',
        out,
        '--owner=0',
        '--group=0',
        '-C',
        dir,
        '.',
        '-C',
        stage,
        'REVISION',
      ]);
    }
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

export async function uploadBundle(options: {
  env: EnvironmentConfig;
  dir: string;
  commit: string;
  s3: S3Client;
  logger: Logger;
  cwd: string;
}): Promise<RevisionLocation> {
  const { env, commit } = options;
  if (env.revision.kind !== 's3') {
    throw new InvalidArgumentError(
      `--bundle uploads to S3, but environment ${env.name} deploys from GitHub (${env.revision.repository}); set revision: {s3: {bucket, prefix}} in greenlight.yml`,
    );
  }
  const dir = resolve(options.cwd, options.dir);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new InvalidArgumentError(`--bundle ${options.dir}: not a directory`);
  const problems = await lintBundle(dir);
  for (const p of problems.filter((x) => x.severity === 'warning')) {
    options.logger.emit({ kind: 'message', level: 'warn', text: formatProblem(p) });
  }
  if (hasErrors(problems))
    throw new AppSpecError(
      join(options.dir, 'appspec.yml'),
      problems.filter((x) => x.severity === 'error'),
    );

  const { bucket, prefix, bundleType } = env.revision;
  const key = `${prefix}${commit}.${extension[bundleType]}`;
  const work = await mkdtemp(join(tmpdir(), 'greenlight-pack-'));
  try {
    const file = join(work, `bundle.${extension[bundleType]}`);
    await packBundle(dir, bundleType, commit, file);
    const body = await readFile(file);
    const put = await awsCall('PutObject', `s3://${bucket}/${key}`, () =>
      options.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })),
    );
    options.logger.emit({
      kind: 'step',
      step: `upload bundle s3://${bucket}/${key}`,
      status: 'done',
      detail: `${body.length} bytes${put.VersionId ? `, version ${put.VersionId}` : ''}`,
    });
    return {
      revisionType: 'S3',
      s3Location: {
        bucket,
        key,
        bundleType,
        ...(put.VersionId && put.VersionId !== 'null' ? { version: put.VersionId } : {}),
        ...(put.ETag ? { eTag: put.ETag.replace(/"/g, '') } : {}),
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
