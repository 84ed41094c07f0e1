// tier: integration
// An Auto Scaling group in subnets (VPCZoneIdentifier) launches each instance into one of them, in
// the subnet's own Availability Zone, whatever the order or number of subnets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as ec2 from '@aws-sdk/client-ec2';
import { startTestCloud, type TestCloud } from './harness.js';

describe('Auto Scaling groups in subnets', () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({
      world: {
        launchTemplates: [{ name: 'web-lt', imageId: 'ami-0abcdef1234567890', instanceType: 't3.micro' }],
      },
    });
  });
  after(async () => t.close());

  it('puts instances in the zones of the subnets EC2 has, unsorted and more than three', async () => {
    const { Subnets = [] } = await t.ec2.send(
      new ec2.DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }),
    );
    assert.ok(Subnets.length >= 4, 'the default VPC has a subnet in each of at least four zones');
    const chosen = Subnets.slice(0, 4).reverse();
    const zoneOf = new Map(chosen.map((s) => [s.SubnetId ?? '', s.AvailabilityZone ?? '']));
    await t.autoscaling.send(
      new asg.CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web-asg',
        MinSize: 4,
        MaxSize: 4,
        DesiredCapacity: 4,
        LaunchTemplate: { LaunchTemplateName: 'web-lt' },
        VPCZoneIdentifier: [...zoneOf.keys()].join(','),
      }),
    );
    const group = (
      await t.autoscaling.send(
        new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
      )
    ).AutoScalingGroups?.[0];
    assert.deepEqual([...(group?.AvailabilityZones ?? [])].sort(), [...zoneOf.values()].sort());
    const ids = (group?.Instances ?? []).map((i) => i.InstanceId ?? '');
    assert.equal(ids.length, 4);
    const { Reservations = [] } = await t.ec2.send(new ec2.DescribeInstancesCommand({ InstanceIds: ids }));
    const instances = Reservations.flatMap((r) => r.Instances ?? []);
    // One instance per zone (balanced), each in the group's subnet of its zone.
    assert.deepEqual(
      instances.map((i) => [i.Placement?.AvailabilityZone, zoneOf.get(i.SubnetId ?? '')]).sort(),
      [...zoneOf.values()].sort().map((zone) => [zone, zone]),
    );
  });
});
