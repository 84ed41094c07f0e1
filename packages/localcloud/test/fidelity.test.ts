// tier: integration
// The fidelity items issue 16's differential test found (test/differential/moto.test.ts runs the
// same calls against moto), through the real SDK v3 clients: S3's us-east-1 re-creation, conditional
// reads and writes, and additional checksums; ELBv2's attribute keys, load balancer placement in real
// subnets, and the provisioning → active state on the cloud's clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as ec2 from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import * as s3 from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { LOAD_BALANCER_PROVISIONING_MS } from '../src/elbv2/model.js';
import { caught, clientConfig, startTestCloud, type TestCloud } from './harness.js';

const WORLD = {
  targetGroups: [{ name: 'web-tg', port: 8000 }],
  loadBalancers: [{ name: 'world-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
  buckets: ['fidelity'],
};

describe('fidelity: S3', () => {
  let t: TestCloud;

  before(async () => {
    t = await startTestCloud({ world: WORLD });
  });
  after(async () => t.close());

  it('re-creating a bucket you own answers 200 in us-east-1 and BucketAlreadyOwnedByYou elsewhere', async () => {
    const again = await t.s3.send(new s3.CreateBucketCommand({ Bucket: 'fidelity' }));
    assert.equal(again.$metadata.httpStatusCode, 200);
    const west = new S3Client({ ...clientConfig(t.lc.url, 'eu-west-1'), forcePathStyle: true });
    try {
      await west.send(
        new s3.CreateBucketCommand({
          Bucket: 'fidelity-eu',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      );
      const error = await caught(() =>
        west.send(
          new s3.CreateBucketCommand({
            Bucket: 'fidelity-eu',
            CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
          }),
        ),
      );
      assert.equal(error.name, 'BucketAlreadyOwnedByYou');
      assert.equal(error.$metadata?.httpStatusCode, 409);
      // Outside us-east-1 a bucket names its region; us-east-1 refuses its own name as a constraint.
      // (The SDK adds its region as the constraint by itself; a bare request shows S3's answer.)
      const unspecified = await fetch(`${t.lc.url}/fidelity-eu-2`, {
        method: 'PUT',
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIDLOCALCLOUD/20240101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0',
        },
      });
      assert.equal(unspecified.status, 400);
      assert.match(
        await unspecified.text(),
        /<Code>IllegalLocationConstraintException<\/Code><Message>The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.<\/Message>/,
      );
      const own = await caught(() =>
        t.s3.send(
          new s3.CreateBucketCommand({
            Bucket: 'fidelity-us',
            CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as s3.BucketLocationConstraint },
          }),
        ),
      );
      assert.deepEqual(
        [own.name, own.message],
        ['InvalidLocationConstraint', 'The specified location-constraint is not valid'],
      );
    } finally {
      west.destroy();
    }
  });

  it('GetObject and HeadObject: If-Match that fails is 412 PreconditionFailed, If-None-Match that matches is 304', async () => {
    const put = await t.s3.send(new s3.PutObjectCommand({ Bucket: 'fidelity', Key: 'a.txt', Body: 'alpha' }));
    const etag = put.ETag!;
    const read = await t.s3.send(
      new s3.GetObjectCommand({ Bucket: 'fidelity', Key: 'a.txt', IfMatch: etag }),
    );
    assert.equal(await read.Body!.transformToString(), 'alpha');
    const failed = await caught(() =>
      t.s3.send(new s3.GetObjectCommand({ Bucket: 'fidelity', Key: 'a.txt', IfMatch: '"0000"' })),
    );
    assert.deepEqual(
      [failed.name, failed.message, failed.$metadata?.httpStatusCode],
      ['PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412],
    );
    assert.equal((failed as unknown as { Condition?: string }).Condition, 'If-Match');
    const headFailed = await caught(() =>
      t.s3.send(new s3.HeadObjectCommand({ Bucket: 'fidelity', Key: 'a.txt', IfMatch: '"0000"' })),
    );
    assert.equal(headFailed.$metadata?.httpStatusCode, 412);
    const notModified = await caught(() =>
      t.s3.send(new s3.GetObjectCommand({ Bucket: 'fidelity', Key: 'a.txt', IfNoneMatch: etag })),
    );
    assert.equal(notModified.$metadata?.httpStatusCode, 304);
    const unmodified = await caught(() =>
      t.s3.send(
        new s3.GetObjectCommand({
          Bucket: 'fidelity',
          Key: 'a.txt',
          IfUnmodifiedSince: new Date(Date.parse('2000-01-01T00:00:00Z')),
        }),
      ),
    );
    assert.equal(unmodified.name, 'PreconditionFailed');
  });

  it('PutObject: If-None-Match * refuses to overwrite, If-Match guards the current ETag', async () => {
    await t.s3.send(
      new s3.PutObjectCommand({ Bucket: 'fidelity', Key: 'once.txt', Body: 'one', IfNoneMatch: '*' }),
    );
    const overwrite = await caught(() =>
      t.s3.send(
        new s3.PutObjectCommand({ Bucket: 'fidelity', Key: 'once.txt', Body: 'two', IfNoneMatch: '*' }),
      ),
    );
    assert.deepEqual([overwrite.name, overwrite.$metadata?.httpStatusCode], ['PreconditionFailed', 412]);
    const stale = await caught(() =>
      t.s3.send(
        new s3.PutObjectCommand({ Bucket: 'fidelity', Key: 'once.txt', Body: 'two', IfMatch: '"0000"' }),
      ),
    );
    assert.equal(stale.name, 'PreconditionFailed');
    const object = await t.s3.send(new s3.GetObjectCommand({ Bucket: 'fidelity', Key: 'once.txt' }));
    assert.equal(await object.Body!.transformToString(), 'one');
  });

  it('keeps the checksum an upload carries and answers it (and a CRC64NVME for uploads without one) when asked', async () => {
    // The check values of "123456789" in each algorithm, as S3 encodes them (base64 of the digest).
    const body = '123456789';
    const expected = {
      CRC32: 'y/Q5Jg==',
      CRC32C: '4waSgw==',
      SHA1: '98O8HYCOBHMq32eZZczDTKeuNEE=',
      SHA256: 'FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=',
    } as const;
    for (const [algorithm, value] of Object.entries(expected)) {
      const put = await t.s3.send(
        new s3.PutObjectCommand({
          Bucket: 'fidelity',
          Key: `sum-${algorithm}`,
          Body: body,
          ChecksumAlgorithm: algorithm as s3.ChecksumAlgorithm,
        }),
      );
      assert.equal(put[`Checksum${algorithm}` as 'ChecksumCRC32'], value, `${algorithm} on PutObject`);
      const got = await t.s3.send(
        new s3.GetObjectCommand({ Bucket: 'fidelity', Key: `sum-${algorithm}`, ChecksumMode: 'ENABLED' }),
      );
      assert.equal(got[`Checksum${algorithm}` as 'ChecksumCRC32'], value, `${algorithm} on GetObject`);
      assert.equal(await got.Body!.transformToString(), body);
    }
    // The SDK (3.729+) sends CRC32 by default; a client that sends none gets S3's CRC64NVME. The SDK
    // verifies the bytes against the checksum it is sent, so a wrong CRC64NVME would fail this read.
    await fetch(`${t.lc.url}/fidelity/plain`, { method: 'PUT', body });
    const plain = await t.s3.send(
      new s3.HeadObjectCommand({ Bucket: 'fidelity', Key: 'plain', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(plain.ChecksumCRC64NVME, 'rosUhgp5mIg=');
    const read = await t.s3.send(
      new s3.GetObjectCommand({ Bucket: 'fidelity', Key: 'plain', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(await read.Body!.transformToString(), body);
    const ranged = await t.s3.send(
      new s3.GetObjectCommand({
        Bucket: 'fidelity',
        Key: 'plain',
        ChecksumMode: 'ENABLED',
        Range: 'bytes=0-2',
      }),
    );
    assert.equal(ranged.ChecksumCRC64NVME, undefined, 'a range has no whole-object checksum');
    // A checksum that does not match the bytes.
    const bad = await fetch(`${t.lc.url}/fidelity/bad`, {
      method: 'PUT',
      body,
      headers: { 'x-amz-checksum-sha256': expected.SHA1, 'x-amz-sdk-checksum-algorithm': 'SHA256' },
    });
    assert.equal(bad.status, 400);
    assert.match(
      await bad.text(),
      /<Code>BadDigest<\/Code><Message>The SHA256 you specified did not match the calculated checksum.<\/Message>/,
    );
  });
});

describe('fidelity: ELBv2', () => {
  let t: TestCloud;
  let subnets: ec2.Subnet[];

  before(async () => {
    t = await startTestCloud({ world: WORLD });
    subnets = (await t.ec2.send(new ec2.DescribeSubnetsCommand({}))).Subnets!;
  });
  after(async () => t.close());

  it('ModifyTargetGroupAttributes refuses a key target groups do not have with ValidationError', async () => {
    const arn = (await t.elbv2.send(new elb.DescribeTargetGroupsCommand({ Names: ['web-tg'] })))
      .TargetGroups![0]!.TargetGroupArn!;
    for (const key of ['no.such.key', 'toString']) {
      const error = await caught(() =>
        t.elbv2.send(
          new elb.ModifyTargetGroupAttributesCommand({
            TargetGroupArn: arn,
            Attributes: [{ Key: key, Value: '1' }],
          }),
        ),
      );
      assert.deepEqual(
        [error.name, error.message],
        ['ValidationError', `Target group attribute key '${key}' is not recognized`],
      );
    }
    const modified = await t.elbv2.send(
      new elb.ModifyTargetGroupAttributesCommand({
        TargetGroupArn: arn,
        Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }],
      }),
    );
    assert.ok(
      modified.Attributes!.some((a) => a.Key === 'load_balancing.cross_zone.enabled' && a.Value === 'true'),
    );
  });

  it('a new load balancer is placed in its subnets’ zones and is provisioning until the cloud’s clock says active', async () => {
    const [first, second] = subnets;
    const created = (
      await t.elbv2.send(
        new elb.CreateLoadBalancerCommand({
          Name: 'new-alb',
          Subnets: [first!.SubnetId!, second!.SubnetId!],
        }),
      )
    ).LoadBalancers![0]!;
    assert.equal(created.State?.Code, 'provisioning');
    assert.equal(created.VpcId, first!.VpcId);
    assert.deepEqual(
      created.AvailabilityZones!.map((z) => [z.ZoneName, z.SubnetId]),
      [
        [first!.AvailabilityZone, first!.SubnetId],
        [second!.AvailabilityZone, second!.SubnetId],
      ],
    );
    const state = async () =>
      (await t.elbv2.send(new elb.DescribeLoadBalancersCommand({ Names: ['new-alb'] }))).LoadBalancers![0]!
        .State?.Code;
    await t.time!.advance(LOAD_BALANCER_PROVISIONING_MS - 1000);
    assert.equal(await state(), 'provisioning');
    await t.time!.advance(1000);
    assert.equal(await state(), 'active');
    // The world's balancer was there before the test began.
    const world = (await t.elbv2.send(new elb.DescribeLoadBalancersCommand({ Names: ['world-alb'] })))
      .LoadBalancers![0]!;
    assert.equal(world.State?.Code, 'active');
    assert.ok(world.AvailabilityZones!.every((z) => /^us-east-1[a-f]$/.test(z.ZoneName!)));
  });

  it('refuses a target group in a VPC EC2 does not have', async () => {
    const error = await caught(() =>
      t.elbv2.send(
        new elb.CreateTargetGroupCommand({ Name: 'lost-tg', Port: 80, Protocol: 'HTTP', VpcId: 'vpc-1' }),
      ),
    );
    assert.deepEqual([error.name, error.message], ['ValidationError', "The VPC ID 'vpc-1' is not found"]);
  });

  it('refuses unknown subnets and fewer than two zones as ELBv2 does', async () => {
    const unknown = await caught(() =>
      t.elbv2.send(
        new elb.CreateLoadBalancerCommand({
          Name: 'bad-alb',
          Subnets: [subnets[0]!.SubnetId!, 'subnet-0123456789abcdef0'],
        }),
      ),
    );
    assert.deepEqual(
      [unknown.name, unknown.message],
      ['SubnetNotFoundException', "The subnet ID 'subnet-0123456789abcdef0' is not valid"],
    );
    const one = await caught(() =>
      t.elbv2.send(new elb.CreateLoadBalancerCommand({ Name: 'bad-alb', Subnets: [subnets[0]!.SubnetId!] })),
    );
    assert.deepEqual(
      [one.name, one.message],
      ['ValidationError', 'At least two subnets in two different Availability Zones must be specified'],
    );
  });
});
