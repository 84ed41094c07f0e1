// tier: integration
// The account's network and images through the real EC2 client: the default VPC with a subnet per
// Availability Zone and its default security group, security groups and their rules with EC2's
// errors, DescribeImages, and where launched instances land (subnet, VPC, groups, IMDS options).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as ec2 from '@aws-sdk/client-ec2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { caught, clientConfig, startTestCloud, type TestCloud } from './harness.js';

const WORLD = {
  launchTemplates: [
    { name: 'web-lt', imageId: 'ami-0123456789abcdef0' },
    { name: 'plain-lt', instanceType: 't3.small' },
  ],
  autoScalingGroups: [
    {
      name: 'web-asg',
      instances: 3,
      availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      launchTemplate: 'web-lt',
    },
    { name: 'plain-asg', instances: 1, availabilityZones: ['us-east-1d'], launchTemplate: 'plain-lt' },
  ],
};

async function errorOf(call: () => Promise<unknown>): Promise<[string, string]> {
  const error = await caught(call);
  return [error.name, error.message];
}

describe('EC2: the account network and images', () => {
  let t: TestCloud;

  before(async () => {
    t = await startTestCloud({ world: WORLD });
  });
  after(async () => t.close());

  it('has one default VPC, 172.31.0.0/16, with a default /20 subnet in each Availability Zone', async () => {
    const zones = (await t.ec2.send(new ec2.DescribeAvailabilityZonesCommand({}))).AvailabilityZones!;
    assert.deepEqual(
      zones.map((z) => [z.ZoneName, z.ZoneId, z.State]),
      ['a', 'b', 'c', 'd', 'e', 'f'].map((letter, i) => [
        `us-east-1${letter}`,
        `use1-az${i + 1}`,
        'available',
      ]),
    );
    const vpcs = (await t.ec2.send(new ec2.DescribeVpcsCommand({}))).Vpcs!;
    assert.equal(vpcs.length, 1);
    const vpc = vpcs[0]!;
    assert.equal(vpc.IsDefault, true);
    assert.equal(vpc.CidrBlock, '172.31.0.0/16');
    assert.match(vpc.VpcId!, /^vpc-[0-9a-f]{17}$/);
    const subnets = (
      await t.ec2.send(
        new ec2.DescribeSubnetsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpc.VpcId!] },
            { Name: 'default-for-az', Values: ['true'] },
          ],
        }),
      )
    ).Subnets!;
    assert.deepEqual(
      subnets.map((s) => [s.AvailabilityZone, s.CidrBlock, s.AvailableIpAddressCount, s.MapPublicIpOnLaunch]),
      zones.map((z, i) => [z.ZoneName, `172.31.${i * 16}.0/20`, 4091, true]),
    );
    const oneZone = await t.ec2.send(
      new ec2.DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }] }),
    );
    assert.deepEqual(
      oneZone.Subnets!.map((s) => s.SubnetId),
      [subnets[1]!.SubnetId],
    );
    // Another region has its own zones and its own default VPC.
    const west = new EC2Client(clientConfig(t.lc.url, 'eu-west-1'));
    try {
      const westZones = (await west.send(new ec2.DescribeAvailabilityZonesCommand({}))).AvailabilityZones!;
      assert.deepEqual(
        westZones.map((z) => [z.ZoneName, z.ZoneId]),
        [
          ['eu-west-1a', 'euw1-az1'],
          ['eu-west-1b', 'euw1-az2'],
          ['eu-west-1c', 'euw1-az3'],
        ],
      );
      const westVpc = (await west.send(new ec2.DescribeVpcsCommand({}))).Vpcs![0]!;
      assert.notEqual(westVpc.VpcId, vpc.VpcId);
    } finally {
      west.destroy();
    }
  });

  it('names missing and malformed VPCs and subnets as EC2 does, and refuses unknown filters', async () => {
    assert.deepEqual(
      await errorOf(() => t.ec2.send(new ec2.DescribeVpcsCommand({ VpcIds: ['vpc-0123456789abcdef0'] }))),
      ['InvalidVpcID.NotFound', "The vpc ID 'vpc-0123456789abcdef0' does not exist"],
    );
    assert.deepEqual(await errorOf(() => t.ec2.send(new ec2.DescribeVpcsCommand({ VpcIds: ['default'] }))), [
      'InvalidVpcID.Malformed',
      'Invalid id: "default" (expecting "vpc-...")',
    ]);
    assert.deepEqual(
      await errorOf(() =>
        t.ec2.send(
          new ec2.DescribeSubnetsCommand({
            SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
          }),
        ),
      ),
      [
        'InvalidSubnetID.NotFound',
        "The subnet IDs 'subnet-0123456789abcdef0, subnet-0123456789abcdef1' do not exist",
      ],
    );
    assert.deepEqual(
      await errorOf(() =>
        t.ec2.send(new ec2.DescribeSubnetsCommand({ Filters: [{ Name: 'zone', Values: ['us-east-1a'] }] })),
      ),
      ['InvalidParameterValue', "The filter 'zone' is invalid"],
    );
  });

  it('has a default security group per VPC that cannot be deleted; creates, authorizes, revokes and deletes others', async () => {
    const vpcId = (await t.ec2.send(new ec2.DescribeVpcsCommand({}))).Vpcs![0]!.VpcId!;
    const defaults = (
      await t.ec2.send(
        new ec2.DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }),
      )
    ).SecurityGroups!;
    assert.equal(defaults.length, 1);
    const fallback = defaults[0]!;
    assert.equal(fallback.VpcId, vpcId);
    assert.deepEqual(fallback.IpPermissions, [
      {
        IpProtocol: '-1',
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [{ GroupId: fallback.GroupId, UserId: '123456789012' }],
      },
    ]);
    assert.deepEqual(fallback.IpPermissionsEgress?.[0]?.IpRanges, [{ CidrIp: '0.0.0.0/0' }]);
    assert.deepEqual(
      await errorOf(() => t.ec2.send(new ec2.DeleteSecurityGroupCommand({ GroupId: fallback.GroupId }))),
      [
        'CannotDelete',
        `the specified group: "${fallback.GroupId}" name: "default" cannot be deleted by a user`,
      ],
    );

    const alb = await t.ec2.send(
      new ec2.CreateSecurityGroupCommand({ GroupName: 'alb', Description: 'load balancer' }),
    );
    const web = await t.ec2.send(
      new ec2.CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web servers', VpcId: vpcId }),
    );
    assert.deepEqual(
      await errorOf(() =>
        t.ec2.send(new ec2.CreateSecurityGroupCommand({ GroupName: 'web', Description: 'again' })),
      ),
      ['InvalidGroup.Duplicate', `The security group 'web' already exists for VPC '${vpcId}'`],
    );
    assert.deepEqual(
      await errorOf(() =>
        t.ec2.send(
          new ec2.CreateSecurityGroupCommand({ GroupName: 'x', Description: 'x', VpcId: 'vpc-00000000' }),
        ),
      ),
      ['InvalidVpcID.NotFound', "The vpc ID 'vpc-00000000' does not exist"],
    );
    // The web servers take 8000 from the load balancer's group and 22 from one network.
    const rules = await t.ec2.send(
      new ec2.AuthorizeSecurityGroupIngressCommand({
        GroupId: web.GroupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 8000, ToPort: 8000, UserIdGroupPairs: [{ GroupId: alb.GroupId }] },
          {
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'ops' }],
          },
        ],
      }),
    );
    assert.deepEqual(
      rules.SecurityGroupRules!.map((r) => [
        r.FromPort,
        r.ReferencedGroupInfo?.GroupId ?? r.CidrIpv4,
        r.IsEgress,
      ]),
      [
        [8000, alb.GroupId, false],
        [22, '10.0.0.0/8', false],
      ],
    );
    // The flat form (CloudFormation's AWS::EC2::SecurityGroupIngress has the same fields).
    await t.ec2.send(
      new ec2.AuthorizeSecurityGroupIngressCommand({
        GroupName: 'alb',
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        CidrIp: '0.0.0.0/0',
      }),
    );
    assert.deepEqual(
      await errorOf(() =>
        t.ec2.send(
          new ec2.AuthorizeSecurityGroupIngressCommand({
            GroupId: alb.GroupId,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            ],
          }),
        ),
      ),
      [
        'InvalidPermission.Duplicate',
        'the specified rule "peer: 0.0.0.0/0, TCP, from port: 80, to port: 80, ALLOW" already exists',
      ],
    );
    assert.deepEqual(
      await errorOf(() =>
        t.ec2.send(
          new ec2.AuthorizeSecurityGroupIngressCommand({
            GroupId: 'sg-0123456789abcdef0',
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            ],
          }),
        ),
      ),
      ['InvalidGroup.NotFound', "The security group 'sg-0123456789abcdef0' does not exist"],
    );
    const described = (
      await t.ec2.send(
        new ec2.DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'ip-permission.from-port', Values: ['22'] },
          ],
        }),
      )
    ).SecurityGroups!;
    assert.deepEqual(
      described.map((g) => [g.GroupName, g.IpPermissions!.map((p) => p.FromPort)]),
      [['web', [8000, 22]]],
    );
    assert.deepEqual(
      await errorOf(() => t.ec2.send(new ec2.DescribeSecurityGroupsCommand({ GroupNames: ['nope'] }))),
      ['InvalidGroup.NotFound', `The security group 'nope' does not exist in default VPC '${vpcId}'`],
    );
    // A group another group's rule names cannot go until that rule does.
    assert.deepEqual(
      await errorOf(() => t.ec2.send(new ec2.DeleteSecurityGroupCommand({ GroupId: alb.GroupId }))),
      ['DependencyViolation', `resource ${alb.GroupId} has a dependent object`],
    );
    await t.ec2.send(
      new ec2.RevokeSecurityGroupIngressCommand({
        GroupId: web.GroupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 8000, ToPort: 8000, UserIdGroupPairs: [{ GroupId: alb.GroupId }] },
        ],
      }),
    );
    await t.ec2.send(new ec2.DeleteSecurityGroupCommand({ GroupId: alb.GroupId }));
    assert.deepEqual(
      await errorOf(() => t.ec2.send(new ec2.DescribeSecurityGroupsCommand({ GroupIds: [alb.GroupId!] }))),
      ['InvalidGroup.NotFound', `The security group '${alb.GroupId}' does not exist`],
    );
    assert.deepEqual(
      await errorOf(() => t.ec2.send(new ec2.DeleteSecurityGroupCommand({ GroupId: 'web' }))),
      ['InvalidGroupId.Malformed', 'Invalid id: "web" (expecting "sg-...")'],
    );
  });

  it('describes Amazon Linux 2023 and the images the world’s launch templates name; an API template with an unknown image gets a warning', async () => {
    const amazon = (
      await t.ec2.send(
        new ec2.DescribeImagesCommand({
          Owners: ['amazon'],
          Filters: [{ Name: 'name', Values: ['al2023-ami-*'] }],
        }),
      )
    ).Images!;
    assert.deepEqual(
      amazon.map((i) => [i.ImageId, i.Public, i.ImdsSupport, i.OwnerId]),
      [['ami-0abcdef1234567890', true, 'v2.0', '137112412989']],
    );
    const own = (await t.ec2.send(new ec2.DescribeImagesCommand({ Owners: ['self'] }))).Images!;
    assert.deepEqual(
      own.map((i) => [i.ImageId, i.Public]),
      [['ami-0123456789abcdef0', false]],
    );
    assert.deepEqual(
      await errorOf(() => t.ec2.send(new ec2.DescribeImagesCommand({ ImageIds: ['ami-0fffffffffffffff0'] }))),
      ['InvalidAMIID.NotFound', "The image id '[ami-0fffffffffffffff0]' does not exist"],
    );
    assert.deepEqual(
      await errorOf(() => t.ec2.send(new ec2.DescribeImagesCommand({ ImageIds: ['al2023'] }))),
      ['InvalidAMIID.Malformed', 'Invalid id: "al2023" (expecting "ami-...")'],
    );
    const created = await t.ec2.send(
      new ec2.CreateLaunchTemplateCommand({
        LaunchTemplateName: 'typo-lt',
        LaunchTemplateData: { ImageId: 'ami-0fffffffffffffff0' },
      }),
    );
    assert.deepEqual(
      created.Warning?.Errors?.map((e) => e.Code),
      ['InvalidAMIID.NotFound'],
    );
    const after = await t.ec2.send(new ec2.DescribeImagesCommand({ Owners: ['self'] }));
    assert.equal(after.Images!.length, 1, 'the API template did not add an image');
  });

  it('launches instances into their zone’s default subnet with the VPC’s default group and the image’s IMDS defaults', async () => {
    const subnets = (await t.ec2.send(new ec2.DescribeSubnetsCommand({}))).Subnets!;
    const defaultGroup = (
      await t.ec2.send(new ec2.DescribeSecurityGroupsCommand({ GroupNames: ['default'] }))
    ).SecurityGroups![0]!;
    const instances = (await t.ec2.send(new ec2.DescribeInstancesCommand({}))).Reservations!.flatMap(
      (r) => r.Instances!,
    );
    assert.equal(instances.length, 4);
    for (const instance of instances) {
      const subnet = subnets.find((s) => s.SubnetId === instance.SubnetId);
      assert.equal(subnet?.AvailabilityZone, instance.Placement?.AvailabilityZone);
      assert.equal(instance.VpcId, subnet?.VpcId);
      assert.deepEqual(instance.SecurityGroups, [{ GroupId: defaultGroup.GroupId, GroupName: 'default' }]);
    }
    // The world's image has no ImdsSupport: tokens optional, one hop. Amazon Linux 2023 (the image of a
    // template that names none) requires tokens, with two hops.
    const options = (image: string) =>
      instances
        .filter((i) => i.ImageId === image)
        .map((i) => [
          i.MetadataOptions?.HttpTokens,
          i.MetadataOptions?.HttpPutResponseHopLimit,
          i.MetadataOptions?.State,
        ]);
    assert.deepEqual(options('ami-0123456789abcdef0'), [
      ['optional', 1, 'applied'],
      ['optional', 1, 'applied'],
      ['optional', 1, 'applied'],
    ]);
    assert.deepEqual(options('ami-0abcdef1234567890'), [['required', 2, 'applied']]);
    const inSubnet = await t.ec2.send(
      new ec2.DescribeInstancesCommand({
        Filters: [{ Name: 'subnet-id', Values: [instances[0]!.SubnetId!] }],
      }),
    );
    assert.deepEqual(
      inSubnet.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId)),
      [instances[0]!.InstanceId],
    );
  });

  it('answers the whole launch template data, MetadataOptions included', async () => {
    const data: ec2.RequestLaunchTemplateData = {
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.small',
      MetadataOptions: {
        HttpTokens: 'required' as const,
        HttpPutResponseHopLimit: 2,
        HttpEndpoint: 'enabled' as const,
      },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 16, VolumeType: 'gp3' as const } }],
      TagSpecifications: [{ ResourceType: 'instance' as const, Tags: [{ Key: 'app', Value: 'web' }] }],
      Monitoring: { Enabled: true },
    };
    await t.ec2.send(
      new ec2.CreateLaunchTemplateCommand({ LaunchTemplateName: 'full-lt', LaunchTemplateData: data }),
    );
    const version = (
      await t.ec2.send(new ec2.DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'full-lt' }))
    ).LaunchTemplateVersions![0]!;
    assert.deepEqual(version.LaunchTemplateData, data);
  });
});
