// tier: unit
// The guard of the AWS CLI tests: the implemented set is what the server serves, and the coverage
// check fails, naming the operation, when the CLI or the server's counts miss one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SigningName } from '../../src/service.js';
import { AwsCli } from './aws-cli.js';
import { assertCliCoverage, implementedOperations, requestedOperations } from './coverage.js';

function countsOf(operations: ReadonlyMap<SigningName, ReadonlySet<string>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [service, names] of operations) for (const name of names) counts[`${service}:${name}`] = 1;
  return counts;
}

describe('AWS CLI coverage', () => {
  it('knows every service, and S3 by what its router names', () => {
    const implemented = implementedOperations();
    assert.deepEqual([...implemented.keys()].sort(), [
      'autoscaling',
      'cloudformation',
      'codedeploy',
      'ec2',
      'elasticloadbalancing',
      'iam',
      'monitoring',
      's3',
      'ssm',
      'sts',
    ]);
    assert.deepEqual([...(implemented.get('s3') ?? [])].sort(), [
      'CreateBucket',
      'DeleteBucket',
      'DeleteObject',
      'GetBucketLocation',
      'GetBucketVersioning',
      'GetObject',
      'HeadBucket',
      'HeadObject',
      'ListBuckets',
      'ListObjects',
      'ListObjectsV2',
      'PutBucketVersioning',
      'PutObject',
    ]);
    assert.ok(implemented.get('monitoring')?.has('SetAlarmState'));
    assert.ok(implemented.get('codedeploy')?.has('ContinueDeployment'));
  });

  it('passes when the CLI answered, and the server counted, every implemented operation', () => {
    const implemented = implementedOperations();
    assertCliCoverage(['ec2', 's3'], { answered: implemented, requestCounts: countsOf(implemented) });
  });

  it('fails naming an operation the CLI never answered', () => {
    const implemented = implementedOperations();
    const answered = new Map(implemented);
    answered.set(
      'ec2',
      new Set([...(implemented.get('ec2') ?? [])].filter((o) => o !== 'TerminateInstances')),
    );
    assert.throws(
      () => assertCliCoverage(['ec2'], { answered, requestCounts: countsOf(implemented) }),
      (error: unknown) => {
        assert.ok(error instanceof assert.AssertionError);
        assert.match(error.message, /^ec2: the AWS CLI must answer every implemented operation/);
        assert.ok(!(error.actual as string[]).includes('TerminateInstances'));
        assert.ok((error.expected as string[]).includes('TerminateInstances'));
        return true;
      },
    );
  });

  it('fails when the server counted an operation it does not implement, or missed one', () => {
    const implemented = implementedOperations();
    const counts = { ...countsOf(implemented), 's3:MultipartUpload': 1 };
    assert.throws(
      () => assertCliCoverage(['s3'], { answered: implemented, requestCounts: counts }),
      /s3: the operations the server counted/,
    );
    const missing = countsOf(implemented);
    delete missing['codedeploy:StopDeployment'];
    assert.throws(
      () => assertCliCoverage(['codedeploy'], { answered: implemented, requestCounts: missing }),
      /codedeploy: the operations the server counted/,
    );
  });

  it('reads the server counts per service', () => {
    const requested = requestedOperations({ 's3:PutObject': 2, 's3:GetObject': 1, 'ec2:DescribeTags': 4 });
    assert.deepEqual([...(requested.get('s3') ?? [])].sort(), ['GetObject', 'PutObject']);
    assert.deepEqual([...(requested.get('ec2') ?? [])], ['DescribeTags']);
  });

  it("names a command's operation from botocore's model, and refuses a command the model lacks", () => {
    const cli = new AwsCli({ endpoint: 'http://127.0.0.1:1', concurrency: 1, home: '/nonexistent' });
    assert.equal(cli.operationOf('s3api', 'list-objects-v2'), 'ListObjectsV2');
    assert.equal(cli.operationOf('deploy', 'batch-get-deployment-targets'), 'BatchGetDeploymentTargets');
    assert.equal(
      cli.operationOf('elbv2', 'describe-target-group-attributes'),
      'DescribeTargetGroupAttributes',
    );
    assert.throws(() => cli.operationOf('deploy', 'push'), /aws deploy push is not an operation/);
  });
});
