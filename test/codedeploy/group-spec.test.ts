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
  toCreateInput,
  toUpdateInput,
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
    assert.deepEqual(toUpdateInput(withAlarm).autoScalingGroups, ['CodeDeploy_web-dev_d-A1B2C3D4E']);
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
    const update = toUpdateInput(desiredGroup(env()));
    assert.ok(update.blueGreenDeploymentConfiguration);
    assert.deepEqual(update.autoScalingGroups, ['web-dev-asg']);
    assert.equal(update.currentDeploymentGroupName, 'web-dev');
  });

  it('a disabled rollback configuration with leftover events is not drift when rollback is off', () => {
    const current = specFromGroupInfo(
      groupInfoLike({ autoRollbackConfiguration: { enabled: false, events: ['DEPLOYMENT_FAILURE'] } }),
    );
    assert.deepEqual(diffGroups(current, desiredGroup(env({ autoRollback: [] }))), []);
  });
});
