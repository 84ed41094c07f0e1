// tier: e2e
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { after, before, describe, it } from 'node:test';
import { uploadBundle } from '../../src/codedeploy/bundle.js';
import { devEnvironment, devWorld, startCloud, type TestCloud } from '../support/cloud.js';

const commit = 'c0ffee'.padEnd(40, '0');
const quiet = { emit: () => undefined };

async function bundleDir(root: string, appspec: string): Promise<string> {
  const dir = await mkdtemp(join(root, 'bundle-'));
  await mkdir(join(dir, 'scripts'));
  await writeFile(join(dir, 'appspec.yml'), appspec);
  await writeFile(join(dir, 'scripts', 'start.sh'), '#!/bin/bash\nset -euo pipefail\necho started\n');
  await chmod(join(dir, 'scripts', 'start.sh'), 0o755);
  return dir;
}

const goodAppspec = [
  'version: 0.0',
  'os: linux',
  'hooks:',
  '  ApplicationStart:',
  '    - location: scripts/start.sh',
  '      timeout: 60',
  '',
].join('\n');

describe('deploy --bundle: lint, pack, upload, pin', () => {
  let cloud: TestCloud;
  let root: string;
  before(async () => {
    cloud = await startCloud({ world: devWorld(1) });
    root = await mkdtemp(join(tmpdir(), 'greenlight-bundles-'));
  });
  after(async () => {
    await cloud.close();
    await rm(root, { recursive: true, force: true });
  });

  for (const bundleType of ['zip', 'tgz'] as const) {
    it(`a ${bundleType} bundle with a REVISION file is uploaded under <prefix><commit> and pinned to its ETag`, async () => {
      const env = devEnvironment({
        revision: { s3: { bucket: 'web-revisions', prefix: 'web/', bundleType } },
      });
      const dir = await bundleDir(root, goodAppspec);
      const s3 = await cloud.aws.s3();
      const location = await uploadBundle({ env, dir, commit, s3, logger: quiet, cwd: root });
      assert.equal(location.s3Location?.key, `web/${commit}.${bundleType}`);
      assert.equal(location.s3Location?.bundleType, bundleType);
      assert.match(location.s3Location?.eTag ?? '', /^[0-9a-f]{32}$/);
      const object = await s3.send(
        new GetObjectCommand({ Bucket: 'web-revisions', Key: `web/${commit}.${bundleType}` }),
      );
      const file = join(root, `downloaded.${bundleType}`);
      await writeFile(file, Buffer.from(await object.Body!.transformToByteArray()));
      const listing =
        bundleType === 'zip'
          ? execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' })
          : execFileSync('tar', ['-tzf', file], { encoding: 'utf8' });
      assert.match(listing, /appspec\.yml/);
      assert.match(listing, /scripts\/start\.sh/);
      assert.match(listing, /REVISION/);
      const revision =
        bundleType === 'zip'
          ? execFileSync('unzip', ['-p', file, 'REVISION'], { encoding: 'utf8' })
          : execFileSync('tar', ['-xzOf', file, 'REVISION'], { encoding: 'utf8' });
      assert.equal(revision.trim(), commit);
    });
  }

  it('an invalid appspec is refused with exit 2 before anything is uploaded', async () => {
    const env = devEnvironment({ revision: { s3: { bucket: 'web-revisions', prefix: 'bad/' } } });
    const dir = await bundleDir(root, goodAppspec.replace('version: 0.0', 'version: "0.0"'));
    const s3 = await cloud.aws.s3();
    await assert.rejects(uploadBundle({ env, dir, commit, s3, logger: quiet, cwd: root }), (e: unknown) => {
      assert.equal((e as { exitCode?: number }).exitCode, 2);
      assert.match((e as Error).message, /version/);
      return true;
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'web-revisions', Prefix: 'bad/' }));
    assert.equal(listed.KeyCount ?? 0, 0);
  });

  it('--bundle with a GitHub environment says what to change', async () => {
    const dir = await bundleDir(root, goodAppspec);
    await assert.rejects(
      uploadBundle({
        env: devEnvironment(),
        dir,
        commit,
        s3: await cloud.aws.s3(),
        logger: quiet,
        cwd: root,
      }),
      /--bundle uploads to S3, but environment dev deploys from GitHub/,
    );
  });
});
