// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleTypeOf, parseDeploymentId, parseRevision } from '../../src/codedeploy/revision.js';

describe('parseRevision', () => {
  it('a 40-hex commit is a GitHub revision (upper case folded)', () => {
    const sha = 'A'.repeat(8) + '0123456789abcdef0123456789abcdef';
    assert.deepEqual(parseRevision(sha), { type: 'GitHub', commitId: sha.toLowerCase() });
  });

  it('s3 URLs, with and without a version', () => {
    assert.deepEqual(parseRevision('s3://web-revisions/web/abc.tgz'), {
      type: 'S3',
      bucket: 'web-revisions',
      key: 'web/abc.tgz',
    });
    assert.deepEqual(parseRevision('s3://web-revisions/web/abc.zip?versionId=3sL4kqtJlcpXroDTDmJ'), {
      type: 'S3',
      bucket: 'web-revisions',
      key: 'web/abc.zip',
      version: '3sL4kqtJlcpXroDTDmJ',
    });
  });

  const bad: [string, RegExp][] = [
    ['abc123', /neither a full 40-character commit id/],
    ['0123456789abcdef0123456789abcdef0123456', /neither/],
    ['s3://', /not a valid S3 bucket name/],
    ['s3://Bad_Bucket/key.zip', /not a valid S3 bucket name/],
    ['s3://bucket', /expected s3:\/\/bucket\/key/],
    ['s3://bucket/dir/', /expected s3:\/\/bucket\/key/],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)} with exit code 2`, () => {
      assert.throws(
        () => parseRevision(input),
        (e: unknown) =>
          e instanceof Error && message.test(e.message) && (e as { exitCode?: number }).exitCode === 2,
      );
    });
  }
});

describe('bundleTypeOf', () => {
  it('maps extensions to CodeDeploy bundle types', () => {
    assert.equal(bundleTypeOf('a/b.zip'), 'zip');
    assert.equal(bundleTypeOf('a/b.tar'), 'tar');
    assert.equal(bundleTypeOf('a/b.tar.gz'), 'tgz');
    assert.equal(bundleTypeOf('a/b.tgz'), 'tgz');
    assert.equal(bundleTypeOf('a/b.rar'), undefined);
  });
});

describe('parseDeploymentId', () => {
  it('accepts d- and nine upper-case alphanumerics', () =>
    assert.equal(parseDeploymentId('d-A1B2C3D4E'), 'd-A1B2C3D4E'));
  for (const bad of ['d-a1b2c3d4e', 'A1B2C3D4E', 'd-A1B2C3D4', 'd-A1B2C3D4E5', '']) {
    it(`rejects ${JSON.stringify(bad)}`, () =>
      assert.throws(() => parseDeploymentId(bad), /not a CodeDeploy deployment id/));
  }
});
