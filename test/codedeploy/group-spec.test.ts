// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveEnvironment } from '../../src/config/environment.js';
import { loadConfig } from '../../src/config/load.js';
import {
  desiredGroup,
  diffGroups,
  isCopyOfGroup,
  specFromGroupInfo,
  showSpecValue,
  toCreateInput,
  toUpdateInputs,
} from '../../src/codedeploy/group-spec.js';
import { configText, sampleEnvironment } from '../config/sample.js';

function env(changes: Record<string, unknown> = {}) {
  const config = loadConfig({
    path: 'greenlight.yml',
    text: configText({ ...sampleEnvironment(), ...changes }),
  });
  return resolveEnvironment(config, 'dev');
}

/** What CodeDeploy returns for a group created from the sample environment. */
function groupInfoLike(changes: Record<string, unknown> = {}) {
  const input = toCreateInput(desiredGroup(env()), {});
  return {
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    deploymentGroupId: '3e7b1c5e-0000-4000-8000-000000000001',
    serviceRoleArn: input.serviceRoleArn,
    deploymentConfigName: input.deploymentConfigName,
    autoScalingGroups: [
      { name: 'web-dev-asg', hook: 'CodeDeploy-managed-automatic-launch-deployment-hook-web-dev-1' },
    ],
    deploymentStyle: input.deploymentStyle,
    blueGreenDeploymentConfiguration: input.blueGreenDeploymentConfiguration,
    loadBalancerInfo: input.loadBalancerInfo,
    alarmConfiguration: input.alarmConfiguration,
    autoRollbackConfiguration: input.autoRollbackConfiguration,
    outdatedInstancesStrategy: input.outdatedInstancesStrategy,
    ec2TagFilters: [],
    computePlatform: 'Server' as const,
    ...changes,
  };
}

describe('deployment group desired state', () => {
  it('a group made from greenlight.yml has no drift', () => {
    assert.deepEqual(diffGroups(specFromGroupInfo(groupInfoLike()), desiredGroup(env())), []);
  });

  it('the create input carries blue/green with traffic control, the ASG, target groups, alarms and rollback', () => {
    const input = toCreateInput(desiredGroup(env()), { app: 'web' });
    assert.deepEqual(input.deploymentStyle, {
      deploymentType: 'BLUE_GREEN',
      deploymentOption: 'WITH_TRAFFIC_CONTROL',
    });
    assert.deepEqual(input.autoScalingGroups, ['web-dev-asg']);
    assert.deepEqual(input.loadBalancerInfo, { targetGroupInfoList: [{ name: 'web-dev-tg' }] });
    assert.deepEqual(input.alarmConfiguration, {
      enabled: true,
      ignorePollAlarmFailure: false,
      alarms: [{ name: 'web-dev-5xx' }],
    });
    assert.deepEqual(input.autoRollbackConfiguration, { enabled: true, events: ['DEPLOYMENT_FAILURE'] });
    assert.deepEqual(input.blueGreenDeploymentConfiguration, {
      terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
      greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
    });
    assert.deepEqual(input.tags, [{ Key: 'app', Value: 'web' }]);
  });

  // Each configurable field, changed in greenlight.yml, is drift on exactly that field.
  const drifts: [string, Record<string, unknown>, string][] = [
    ['deployment config', { deploymentConfig: 'CodeDeployDefault.OneAtATime' }, 'deploymentConfigName'],
    ['service role', { serviceRoleArn: 'arn:aws:iam::123456789012:role/other' }, 'serviceRoleArn'],
    ['target groups', { targetGroups: ['web-dev-tg', 'web-dev-tg-2'] }, 'targetGroups'],
    ['alarms', { alarms: ['web-dev-5xx', 'web-dev-latency'] }, 'alarms'],
    [
      'auto-rollback events',
      { autoRollback: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      'autoRollbackEvents',
    ],
    ['outdated instances strategy', { outdatedInstancesStrategy: 'IGNORE' }, 'outdatedInstancesStrategy'],
    ['ignore poll alarm failure', { ignorePollAlarmFailure: true }, 'ignorePollAlarmFailure'],
    [
      'termination wait',
      {
        blueGreen: {
          greenFleet: 'COPY_AUTO_SCALING_GROUP',
          ready: { action: 'CONTINUE_DEPLOYMENT' },
          terminateBlue: { action: 'TERMINATE', waitMinutes: 30 },
        },
      },
      'terminationWaitMinutes',
    ],
  ];
  for (const [name, change, field] of drifts) {
    it(`drift in ${name} shows as ${field}`, () => {
      const changes = diffGroups(specFromGroupInfo(groupInfoLike()), desiredGroup(env(change)));
      assert.deepEqual(
        changes.map((c) => c.field),
        [field],
      );
    });
  }

  it('ready option and termination action drift together with their wait', () => {
    const changes = diffGroups(
      specFromGroupInfo(groupInfoLike()),
      desiredGroup(
        env({
          blueGreen: {
            greenFleet: 'COPY_AUTO_SCALING_GROUP',
            ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 60 },
            terminateBlue: { action: 'KEEP_ALIVE' },
          },
        }),
      ),
    );
    assert.deepEqual(changes.map((c) => c.field).sort(), [
      'readyAction',
      'readyWaitMinutes',
      'terminateAction',
      'terminationWaitMinutes',
    ]);
  });

  it('alarms turned off: alarm config disabled, not just emptied', () => {
    const changes = diffGroups(
      specFromGroupInfo(groupInfoLike()),
      desiredGroup(env({ alarms: [], autoRollback: ['DEPLOYMENT_FAILURE'] })),
    );
    assert.deepEqual(changes.map((c) => c.field).sort(), ['alarms', 'alarmsEnabled']);
  });

  it('the ASG moves: a group pointing at CodeDeploy’s copy is not drift, and the update keeps the copy', () => {
    const moved = groupInfoLike({
      autoScalingGroups: [
        {
          name: 'CodeDeploy_web-dev_d-A1B2C3D4E',
          hook: 'CodeDeploy-managed-automatic-launch-deployment-hook-web-dev-2',
        },
      ],
    });
    const current = specFromGroupInfo(moved);
    const desired = desiredGroup(env(), current);
    assert.deepEqual(diffGroups(current, desired), []);
    const withAlarm = desiredGroup(env({ alarms: ['web-dev-5xx', 'web-dev-latency'] }), current);
    const [update] = toUpdateInputs(withAlarm, moved);
    assert.deepEqual(update?.autoScalingGroups, ['CodeDeploy_web-dev_d-A1B2C3D4E']);
  });

  it('an ASG that is neither the configured one nor a copy of it is drift back to the configured one', () => {
    const current = specFromGroupInfo(groupInfoLike({ autoScalingGroups: [{ name: 'someone-elses-asg' }] }));
    const changes = diffGroups(current, desiredGroup(env(), current));
    assert.deepEqual(changes, [
      { field: 'autoScalingGroups', current: ['someone-elses-asg'], desired: ['web-dev-asg'] },
    ]);
  });

  it('a copy of another group’s ASG is not taken for ours', () => {
    assert.equal(isCopyOfGroup('CodeDeploy_web-dev_d-A1B2C3D4E', 'web-dev'), true);
    assert.equal(isCopyOfGroup('CodeDeploy_web-dev-2_d-A1B2C3D4E', 'web-dev'), false);
    assert.equal(isCopyOfGroup('CodeDeploy_web-dev_not-an-id', 'web-dev'), false);
  });

  it('the update input always carries the ASG with the blue/green configuration', () => {
    const updates = toUpdateInputs(desiredGroup(env()), groupInfoLike());
    assert.equal(updates.length, 1);
    const [update] = updates;
    assert.ok(update?.blueGreenDeploymentConfiguration);
    assert.deepEqual(update.autoScalingGroups, ['web-dev-asg']);
    assert.equal(update.currentDeploymentGroupName, 'web-dev');
    assert.equal(update.ec2TagSet, undefined, 'a blue/green group’s tags are left alone');
  });

  it('a disabled rollback configuration with leftover events is not drift when rollback is off', () => {
    const current = specFromGroupInfo(
      groupInfoLike({ autoRollbackConfiguration: { enabled: false, events: ['DEPLOYMENT_FAILURE'] } }),
    );
    assert.deepEqual(diffGroups(current, desiredGroup(env({ autoRollback: [] }))), []);
  });
});

/** The sample environment made in-place: its ASG as the fleet, blue/green keys gone. */
function inPlaceEnv(changes: Record<string, unknown> = {}) {
  const { autoScalingGroup: _asg, blueGreen: _bg, ...rest } = sampleEnvironment();
  const config = loadConfig({
    path: 'greenlight.yml',
    text: configText({
      ...rest,
      style: 'in-place',
      inPlace: { autoScalingGroups: ['web-dev-asg'], tags: { app: 'web', env: 'dev' } },
      ...changes,
    }),
  });
  return resolveEnvironment(config, 'dev');
}

/** What CodeDeploy returns for an in-place group made from `inPlaceEnv()`. */
function inPlaceInfoLike(changes: Record<string, unknown> = {}) {
  const input = toCreateInput(desiredGroup(inPlaceEnv()), {});
  return {
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    serviceRoleArn: input.serviceRoleArn,
    deploymentConfigName: input.deploymentConfigName,
    autoScalingGroups: [
      { name: 'web-dev-asg', hook: 'CodeDeploy-managed-automatic-launch-deployment-hook-web-dev-1' },
    ],
    ec2TagFilters: [],
    ec2TagSet: input.ec2TagSet,
    deploymentStyle: input.deploymentStyle,
    loadBalancerInfo: input.loadBalancerInfo,
    alarmConfiguration: input.alarmConfiguration,
    autoRollbackConfiguration: input.autoRollbackConfiguration,
    outdatedInstancesStrategy: input.outdatedInstancesStrategy,
    computePlatform: 'Server' as const,
    ...changes,
  };
}

const tag = (Key: string, Value: string, Type = 'KEY_AND_VALUE') => ({ Key, Value, Type });

describe('an in-place deployment group', () => {
  it('is created in place with traffic control, its ASGs, its tags ANDed as a tag set, and no blue/green configuration', () => {
    const input = toCreateInput(desiredGroup(inPlaceEnv()), {});
    assert.deepEqual(input.deploymentStyle, {
      deploymentType: 'IN_PLACE',
      deploymentOption: 'WITH_TRAFFIC_CONTROL',
    });
    assert.deepEqual(input.autoScalingGroups, ['web-dev-asg']);
    assert.deepEqual(input.ec2TagSet, { ec2TagSetList: [[tag('app', 'web')], [tag('env', 'dev')]] });
    assert.equal(input.ec2TagFilters, undefined);
    assert.equal(input.blueGreenDeploymentConfiguration, undefined);
    assert.deepEqual(input.loadBalancerInfo, { targetGroupInfoList: [{ name: 'web-dev-tg' }] });
  });

  it('without target groups it deploys without traffic control and names no load balancer', () => {
    const input = toCreateInput(desiredGroup(inPlaceEnv({ targetGroups: [] })), {});
    assert.deepEqual(input.deploymentStyle, {
      deploymentType: 'IN_PLACE',
      deploymentOption: 'WITHOUT_TRAFFIC_CONTROL',
    });
    assert.equal(input.loadBalancerInfo, undefined);
  });

  it('a group made from greenlight.yml has no drift, whatever blue/green settings CodeDeploy reports for it', () => {
    assert.deepEqual(diffGroups(specFromGroupInfo(inPlaceInfoLike()), desiredGroup(inPlaceEnv())), []);
    const withLeftovers = specFromGroupInfo(
      inPlaceInfoLike({
        blueGreenDeploymentConfiguration: {
          terminateBlueInstancesOnDeploymentSuccess: {
            action: 'KEEP_ALIVE',
            terminationWaitTimeInMinutes: 0,
          },
          deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 },
          greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        },
      }),
    );
    assert.deepEqual(diffGroups(withLeftovers, desiredGroup(inPlaceEnv(), withLeftovers)), []);
  });

  it('one KEY_AND_VALUE tag filter, the same tag as a tag set, and tags: {k: v} are one fleet', () => {
    const desired = desiredGroup(
      inPlaceEnv({ inPlace: { autoScalingGroups: ['web-dev-asg'], tags: { app: 'web' } } }),
    );
    const asFilters = specFromGroupInfo(
      inPlaceInfoLike({ ec2TagFilters: [tag('app', 'web')], ec2TagSet: undefined }),
    );
    const asSet = specFromGroupInfo(inPlaceInfoLike({ ec2TagSet: { ec2TagSetList: [[tag('app', 'web')]] } }));
    assert.deepEqual(diffGroups(asFilters, desired), []);
    assert.deepEqual(diffGroups(asSet, desired), []);
  });

  it('tag groups compare in any order; ORed filters are not ANDed tags', () => {
    const reordered = specFromGroupInfo(
      inPlaceInfoLike({ ec2TagSet: { ec2TagSetList: [[tag('env', 'dev')], [tag('app', 'web')]] } }),
    );
    assert.deepEqual(diffGroups(reordered, desiredGroup(inPlaceEnv())), []);
    const ored = specFromGroupInfo(
      inPlaceInfoLike({ ec2TagFilters: [tag('env', 'dev'), tag('app', 'web')], ec2TagSet: undefined }),
    );
    const changes = diffGroups(ored, desiredGroup(inPlaceEnv()));
    assert.deepEqual(
      changes.map((c) => c.field),
      ['ec2Tags'],
    );
    assert.equal(showSpecValue(changes[0]!.current), '[(app=web or env=dev)]');
    assert.equal(showSpecValue(changes[0]!.desired), '[app=web and env=dev]');
  });

  it('a changed tag is one change, and its update sends the new tag set only', () => {
    const current = inPlaceInfoLike();
    const desired = desiredGroup(
      inPlaceEnv({ inPlace: { autoScalingGroups: ['web-dev-asg'], tags: { app: 'web', env: 'test' } } }),
      specFromGroupInfo(current),
    );
    assert.deepEqual(
      diffGroups(specFromGroupInfo(current), desired).map((c) => c.field),
      ['ec2Tags'],
    );
    const updates = toUpdateInputs(desired, current);
    assert.equal(updates.length, 1);
    assert.deepEqual(updates[0]?.ec2TagSet, { ec2TagSetList: [[tag('app', 'web')], [tag('env', 'test')]] });
    assert.equal(updates[0]?.ec2TagFilters, undefined);
    assert.equal(updates[0]?.blueGreenDeploymentConfiguration, undefined);
  });

  it('tag filters are cleared in an update of their own before the tag set is sent (never both in one call)', () => {
    const current = inPlaceInfoLike({
      ec2TagFilters: [tag('app', 'web'), tag('env', 'dev')],
      ec2TagSet: undefined,
    });
    const updates = toUpdateInputs(desiredGroup(inPlaceEnv()), current);
    assert.deepEqual(updates[0], {
      applicationName: 'web',
      currentDeploymentGroupName: 'web-dev',
      ec2TagFilters: [],
    });
    assert.equal(updates.length, 2);
    assert.equal(updates[1]?.ec2TagFilters, undefined);
    assert.ok(updates[1]?.ec2TagSet);
    // With no tags wanted, one update clears the filters.
    const noTags = toUpdateInputs(
      desiredGroup(inPlaceEnv({ inPlace: { autoScalingGroups: ['web-dev-asg'] } })),
      current,
    );
    assert.equal(noTags.length, 1);
    assert.deepEqual(noTags[0]?.ec2TagFilters, []);
    assert.equal(noTags[0]?.ec2TagSet, undefined);
  });

  it('target groups removed: traffic control off and the load balancer cleared with an empty list', () => {
    const desired = desiredGroup(inPlaceEnv({ targetGroups: [] }));
    const current = inPlaceInfoLike();
    assert.deepEqual(
      diffGroups(specFromGroupInfo(current), desired)
        .map((c) => c.field)
        .sort(),
      ['deploymentOption', 'targetGroups'],
    );
    assert.deepEqual(toUpdateInputs(desired, current)[0]?.loadBalancerInfo, { targetGroupInfoList: [] });
  });

  it('its ASGs are exactly the ones greenlight.yml names: a copy is not followed', () => {
    const current = specFromGroupInfo(
      inPlaceInfoLike({ autoScalingGroups: [{ name: 'CodeDeploy_web-dev_d-A1B2C3D4E' }] }),
    );
    assert.deepEqual(diffGroups(current, desiredGroup(inPlaceEnv(), current)), [
      { field: 'autoScalingGroups', current: ['CodeDeploy_web-dev_d-A1B2C3D4E'], desired: ['web-dev-asg'] },
    ]);
  });

  it('blue/green to in-place: the style, option-free fields unchanged, the copy replaced by the named fleet', () => {
    const blueGreen = groupInfoLike({ autoScalingGroups: [{ name: 'CodeDeploy_web-dev_d-A1B2C3D4E' }] });
    const current = specFromGroupInfo(blueGreen);
    const desired = desiredGroup(inPlaceEnv(), current);
    assert.deepEqual(
      diffGroups(current, desired)
        .map((c) => c.field)
        .sort(),
      ['autoScalingGroups', 'deploymentType', 'ec2Tags'],
    );
    const [update] = toUpdateInputs(desired, blueGreen);
    assert.deepEqual(update?.deploymentStyle, {
      deploymentType: 'IN_PLACE',
      deploymentOption: 'WITH_TRAFFIC_CONTROL',
    });
    assert.equal(update?.blueGreenDeploymentConfiguration, undefined);
  });

  it('in-place to blue/green: the in-place fleet’s tags are removed, the configured ASG is the one copied', () => {
    const inPlace = inPlaceInfoLike();
    const current = specFromGroupInfo(inPlace);
    const desired = desiredGroup(env(), current);
    assert.deepEqual(desired.ec2Tags, []);
    assert.deepEqual(desired.autoScalingGroups, ['web-dev-asg']);
    const [update] = toUpdateInputs(desired, inPlace);
    assert.deepEqual(update?.ec2TagSet, { ec2TagSetList: [] });
    assert.equal(update?.deploymentStyle?.deploymentType, 'BLUE_GREEN');
    assert.ok(update?.blueGreenDeploymentConfiguration);
  });

  it('a blue/green group’s own tag filters are left as they are, never drift', () => {
    const current = specFromGroupInfo(groupInfoLike({ ec2TagFilters: [tag('fleet', 'blue')] }));
    assert.deepEqual(diffGroups(current, desiredGroup(env(), current)), []);
  });
});
