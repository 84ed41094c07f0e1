// tier: e2e
// A differential test: the same boto3 calls (boto3_calls.py: S3, EC2's network, images, launch
// templates and instances, ELBv2) against moto, another emulator, and against the local cloud; their
// answers' success, status, error codes, chosen values and shapes compared. Where the two differ, the
// difference was judged against botocore's model and AWS's documentation and is listed in KNOWN below
// with the reason; anything else fails, as does a listed difference that no longer occurs. moto is a
// second opinion, not the reference: where it is wrong, the list says why.
//
// It needs boto3 and moto (`python3 -m moto.server`); without them it skips, saying so.
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestCloud, type TestCloud } from '../harness.js';
import { motoUnavailable, startMoto } from './moto-server.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'boto3_calls.py');

interface CallResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
  readonly values: Record<string, unknown>;
  /** Every key path of the answer (lists as `[]`). */
  readonly keys: string[];
}
type Results = Record<string, CallResult>;

interface KnownDifference {
  readonly call: string;
  /** `error` (ok, status and error code), `value <path>`, or `missing <key path>` (a key moto answers and the local cloud does not, with everything under it). */
  readonly what: string;
  readonly reason: string;
}

/** Every difference between moto and the local cloud, judged. */
const KNOWN: readonly KnownDifference[] = [
  {
    call: 'ec2.DeleteSecurityGroup (default)',
    what: 'error',
    reason:
      'moto is wrong: a default security group cannot be deleted; EC2 answers CannotDelete ("the specified group … name: "default" cannot be deleted by a user", AWS docs: Default security groups for your VPCs)',
  },
  {
    call: 'elbv2.ModifyTargetGroupAttributes (unknown key)',
    what: 'error',
    reason:
      'moto is wrong: it stores any key; ELBv2 refuses a key target groups do not have with ValidationError ("Target group attribute key \'…\' is not recognized")',
  },
  {
    call: 'elbv2.ModifyTargetGroupAttributes (unknown key)',
    what: 'missing Attributes',
    reason: 'follows from the refusal above: the local cloud answers an error, not the attributes',
  },
  {
    call: 'elbv2.CreateLoadBalancer (no such subnet)',
    what: 'error',
    reason:
      "moto is wrong: it passes EC2's InvalidSubnetID.NotFound through; botocore's ELBv2 model lists SubnetNotFoundException (code SubnetNotFound) for CreateLoadBalancer, and that is what ELBv2 answers",
  },
  {
    call: 'elbv2.CreateLoadBalancer',
    what: 'value LoadBalancers[].Scheme',
    reason:
      'moto is wrong: it leaves Scheme out when the request does; ELBv2 defaults it to internet-facing and says so (CreateLoadBalancer docs: "The default is an Internet-facing load balancer")',
  },
  {
    call: 'ec2.DescribeInstances (MetadataOptions)',
    what: 'value Reservations[].Instances[].MetadataOptions.HttpTokens',
    reason:
      'moto is wrong: it ignores the launch template\'s MetadataOptions (HttpTokens "required"); EC2 launches with the template\'s IMDS settings',
  },
  {
    call: 'ec2.DescribeInstances (MetadataOptions)',
    what: 'value Reservations[].Instances[].MetadataOptions.HttpPutResponseHopLimit',
    reason: "moto is wrong, as above: the template's hop limit is 2",
  },
  {
    call: 'ec2.DescribeInstances (MetadataOptions)',
    what: 'missing Reservations[].Instances[].PublicIpAddress',
    reason:
      'a deliberate limit: instances live on loopback addresses and have no public address (README, known limits), although the default subnets map one on launch',
  },
  {
    call: 'ec2.DescribeInstances (MetadataOptions)',
    what: 'missing Reservations[].Instances[].NetworkInterfaces[].Association',
    reason: 'follows from the public address above: Association describes it',
  },
  {
    call: 'ec2.DescribeInstances (MetadataOptions)',
    what: 'missing Reservations[].Instances[].NetworkInterfaces[].PrivateIpAddresses[].Association',
    reason: 'follows from the public address above',
  },
  {
    call: 'ec2.DescribeInstances (MetadataOptions)',
    what: 'missing Reservations[].Instances[].StateReason',
    reason:
      'moto is wrong: EC2 gives a StateReason to instances that are pending, stopped or terminated by something, not to a running instance (the local cloud sets one on termination)',
  },
  {
    call: 'ec2.DescribeInstances (MetadataOptions)',
    what: 'missing Reservations[].Instances[].SriovNetSupport',
    reason:
      'moto is wrong for this instance type: SriovNetSupport is Intel 82599 enhanced networking; a t3 uses ENA (EnaSupport true) and EC2 leaves SriovNetSupport out',
  },
  {
    call: 'ec2.DescribeInstances (malformed id)',
    what: 'error',
    reason:
      'moto is wrong: EC2 tells a malformed instance id (InvalidInstanceID.Malformed, \'Invalid id: "web-1"\') from one that does not exist',
  },
  {
    call: 'elbv2.RegisterTargets (no such instance)',
    what: 'error',
    reason:
      'moto is wrong: it registers an instance that does not exist; ELBv2 answers InvalidTarget (botocore lists InvalidTargetException for RegisterTargets)',
  },
  {
    call: 'ec2.CreateSecurityGroup',
    what: 'missing SecurityGroupArn',
    reason:
      "the local cloud renders responses from the botocore model of Debian's AWS CLI 2.9 (its vendored models), which predates SecurityGroupArn (2024); AWS answers it",
  },
  {
    call: 'ec2.DescribeSecurityGroups (by id)',
    what: 'missing SecurityGroups[].SecurityGroupArn',
    reason: 'as for CreateSecurityGroup: not in the vendored model',
  },
  {
    call: 'ec2.DescribeSecurityGroups (default)',
    what: 'missing SecurityGroups[].SecurityGroupArn',
    reason: 'as for CreateSecurityGroup: not in the vendored model',
  },
  {
    call: 'ec2.DescribeImages (Amazon Linux 2023)',
    what: 'missing Images[].BootMode',
    reason:
      "Amazon Linux 2023's BootMode is uefi-preferred, a value the vendored model's enum lacks (the contract test would refuse it), so the local cloud leaves it out",
  },
  ...[
    'ec2.CreateLaunchTemplate|LaunchTemplate.Tags',
    'ec2.DescribeImages (Amazon Linux 2023)|Images[].Tags',
    'ec2.DescribeSecurityGroups (by id)|SecurityGroups[].Tags',
    'ec2.DescribeSecurityGroups (default)|SecurityGroups[].Tags',
    'ec2.DescribeSubnets (default-for-az)|Subnets[].Tags',
    'ec2.DescribeVpcs (is-default)|Vpcs[].Tags',
    'ec2.DescribeVpcs (is-default)|Vpcs[].Ipv6CidrBlockAssociationSet',
  ].map((entry) => {
    const [call = '', key = ''] = entry.split('|');
    return {
      call,
      what: `missing ${key}`,
      reason:
        'moto renders an empty tag set (or IPv6 association set) as an empty list; EC2 leaves the element out for a resource without tags (or IPv6 blocks), as `aws ec2 describe-vpcs` on a default VPC shows',
    };
  }),
];

function differences(moto: Results, local: Results): { call: string; what: string; detail: string }[] {
  const found: { call: string; what: string; detail: string }[] = [];
  for (const [call, theirs] of Object.entries(moto)) {
    const ours = local[call];
    if (!ours) {
      found.push({ call, what: 'missing call', detail: 'the local cloud run did not reach it' });
      continue;
    }
    if (theirs.ok !== ours.ok || theirs.status !== ours.status || theirs.error !== ours.error) {
      found.push({
        call,
        what: 'error',
        detail: `moto ${theirs.status} ${theirs.error ?? 'ok'}, local cloud ${ours.status} ${ours.error ?? 'ok'}`,
      });
    }
    for (const path of new Set([...Object.keys(theirs.values), ...Object.keys(ours.values)])) {
      const [a, b] = [JSON.stringify(theirs.values[path]), JSON.stringify(ours.values[path])];
      if (a !== b) found.push({ call, what: `value ${path}`, detail: `moto ${a}, local cloud ${b}` });
    }
    // Keys the local cloud adds are not differences (moto leaves out many optional members); keys it
    // lacks are, reported once at the shallowest path.
    const missing = theirs.keys.filter((key) => !ours.keys.includes(key));
    for (const key of missing) {
      const parent = missing.find(
        (other) => other !== key && (key.startsWith(`${other}.`) || key.startsWith(`${other}[]`)),
      );
      if (!parent)
        found.push({ call, what: `missing ${key}`, detail: 'moto answers it, the local cloud does not' });
    }
  }
  return found;
}

async function callsAgainst(url: string, localCloud = false): Promise<Results> {
  const args = [SCRIPT, url, ...(localCloud ? ['--local-cloud'] : [])];
  const { stdout } = await run('python3', args, { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
  return JSON.parse(stdout) as Results;
}

const unavailable = motoUnavailable();

describe('differential: boto3 against moto and against the local cloud', { skip: unavailable }, () => {
  let cloud: TestCloud;
  let moto: { url: string; process: ChildProcess };
  let theirs: Results;
  let ours: Results;

  before(async () => {
    [cloud, moto] = await Promise.all([startTestCloud(), startMoto()]);
    [theirs, ours] = await Promise.all([callsAgainst(moto.url), callsAgainst(cloud.lc.url, true)]);
  });
  after(async () => {
    moto?.process.kill('SIGTERM');
    await cloud?.close();
  });

  it('answers as moto does, but for the differences judged in KNOWN', () => {
    const found = differences(theirs, ours);
    const key = (d: { call: string; what: string }) => `${d.call} | ${d.what}`;
    const known = new Set(KNOWN.map(key));
    const unexplained = found.filter((d) => !known.has(key(d))).map((d) => `${key(d)}: ${d.detail}`);
    assert.deepEqual(unexplained, [], 'differences nobody has judged yet');
    const seen = new Set(found.map(key));
    const stale = KNOWN.filter((d) => !seen.has(key(d))).map(key);
    assert.deepEqual(stale, [], 'listed differences that no longer occur: take them off the list');
  });

  it("answers issue 16's fidelity items as AWS does, whatever moto says", () => {
    const expect = (call: string, fields: Partial<CallResult>) => {
      const result = ours[call];
      assert.ok(result, `${call} ran`);
      for (const [field, value] of Object.entries(fields))
        assert.deepEqual(result[field as keyof CallResult], value, `${call}: ${field}`);
    };
    expect('s3.CreateBucket again (us-east-1)', { ok: true, status: 200 });
    expect('s3.CreateBucket again (eu-west-1)', { ok: false, status: 409, error: 'BucketAlreadyOwnedByYou' });
    expect('s3.GetObject (If-Match fails)', { ok: false, status: 412, error: 'PreconditionFailed' });
    expect('s3.GetObject (If-None-Match matches)', { ok: false, status: 304 });
    expect('elbv2.ModifyTargetGroupAttributes (unknown key)', {
      ok: false,
      status: 400,
      error: 'ValidationError',
    });
    const values = (call: string) => ours[call]?.values ?? {};
    // boto3 sent CRC32 and asked for checksums on the read: the stored CRC32 of "123456789" comes back.
    assert.equal(values('s3.PutObject (CRC32 by default)').ChecksumCRC32, 'y/Q5Jg==');
    assert.equal(values('s3.GetObject (ChecksumMode ENABLED)').ChecksumCRC32, 'y/Q5Jg==');
    assert.equal(
      values('s3.HeadObject (ChecksumMode ENABLED, SHA256)').ChecksumSHA256,
      'FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=',
    );
    assert.deepEqual(
      values('ec2.DescribeLaunchTemplateVersions')[
        'LaunchTemplateVersions[].LaunchTemplateData.MetadataOptions'
      ],
      [{ HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' }],
    );
    assert.deepEqual(
      values('ec2.DescribeInstances (MetadataOptions)')[
        'Reservations[].Instances[].MetadataOptions.HttpTokens'
      ],
      [['required']],
    );
    assert.equal(values('ec2.DescribeInstances (MetadataOptions)')["in the group's subnet"], true);
    assert.deepEqual(values('elbv2.CreateLoadBalancer')['LoadBalancers[].State.Code'], ['provisioning']);
    assert.equal(values('elbv2.CreateLoadBalancer')["zones are the subnets'"], true);
    const zones = values('ec2.DescribeAvailabilityZones')['AvailabilityZones[].ZoneName'] as string[];
    assert.ok(zones.length > 0 && zones.every((zone) => /^us-east-1[a-z]$/.test(zone)), String(zones));
  });
});
