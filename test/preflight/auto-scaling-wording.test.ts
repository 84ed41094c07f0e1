// tier: unit
// The Auto Scaling checks of preflight speak of the group CodeDeploy copies for a blue/green
// environment and of the group itself in place, where nothing is copied: each check's text, decided
// from the fleet view alone (groups built by hand, as DescribeAutoScalingGroups returns them).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import {
  checkCapacityRebalance,
  checkMixedInstances,
  checkWarmPool,
  type CopiedFleet,
} from '../../src/preflight/auto-scaling.js';

/** web-dev-asg launching 2 of its 4 as Spot, with a warm pool and Capacity Rebalancing. */
const GROUP: AutoScalingGroup = {
  AutoScalingGroupName: 'web-dev-asg',
  MinSize: 1,
  MaxSize: 8,
  DesiredCapacity: 4,
  DefaultCooldown: 300,
  AvailabilityZones: ['us-east-1a'],
  HealthCheckType: 'EC2',
  CreatedTime: new Date('2024-05-01T12:00:00Z'),
  WarmPoolConfiguration: { MinSize: 1, PoolState: 'Stopped' },
  CapacityRebalance: true,
  MixedInstancesPolicy: {
    InstancesDistribution: { OnDemandBaseCapacity: 2, OnDemandPercentageAboveBaseCapacity: 0 },
  },
};

const view = (inPlace: boolean): CopiedFleet => ({
  groups: [GROUP],
  codeDeployHooks: new Set(),
  ...(inPlace ? { inPlace: true } : {}),
});

describe('the Auto Scaling checks, blue/green and in place', () => {
  it('warm pool: CodeDeploy copies it (blue/green); in place the launch hook is the group’s own', () => {
    const blueGreen = checkWarmPool(view(false));
    const inPlace = checkWarmPool(view(true));
    assert.equal(blueGreen.status, 'warn');
    assert.equal(inPlace.status, 'warn');
    assert.match(
      blueGreen.detail,
      /^web-dev-asg has a warm pool \(min 1, Stopped\): CodeDeploy copies it, but its launch hook is not answered for instances entering the pool/,
    );
    assert.match(
      inPlace.detail,
      /^web-dev-asg has a warm pool \(min 1, Stopped\): CodeDeploy's launch hook on the group is not answered for instances entering the pool \(Warmed:Pending:Wait, aws\/aws-codedeploy-agent#390\)/,
    );
    assert.doesNotMatch(inPlace.detail, /cop(y|ies)/);
  });

  it('mixed instances: Spot is to be turned off on the copied group, or in place on the group itself', () => {
    const blueGreen = checkMixedInstances(view(false));
    const inPlace = checkMixedInstances(view(true));
    assert.match(blueGreen.detail, /^web-dev-asg launches 2 of 4 as Spot \(mixed instances policy\)/);
    assert.equal(inPlace.detail, blueGreen.detail);
    assert.equal(
      blueGreen.fix,
      'OnDemandPercentageAboveBaseCapacity: 100 on the group CodeDeploy copies, or accept a release that fails when EC2 reclaims an instance',
    );
    assert.equal(
      inPlace.fix,
      'OnDemandPercentageAboveBaseCapacity: 100 on web-dev-asg, or accept a release that fails when EC2 reclaims an instance',
    );
  });

  it('Capacity Rebalancing: replaces an instance on the copy (blue/green), or in place on the fleet itself', () => {
    const blueGreen = checkCapacityRebalance(view(false));
    const inPlace = checkCapacityRebalance(view(true));
    assert.match(
      blueGreen.detail,
      /: on CodeDeploy's copy, mid-deployment, that takes an instance CodeDeploy is installing on$/,
    );
    assert.match(
      inPlace.detail,
      /\(Auto Scaling's user guide\): mid-deployment, that takes an instance CodeDeploy is installing on$/,
    );
    assert.match(blueGreen.fix ?? '', /--no-capacity-rebalance, or no Spot in the group CodeDeploy copies$/);
    assert.equal(
      inPlace.fix,
      'aws autoscaling update-auto-scaling-group --auto-scaling-group-name web-dev-asg --no-capacity-rebalance, or no Spot in the group',
    );
  });
});
