// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cloud } from '../../src/cloud.js';
import { createCodeDeployModel } from '../../src/codedeploy/index.js';
import type { Scheduler } from '../../src/ports.js';
import { AwsApiError } from '../../src/service.js';
import { applyWorld, parseWorld } from '../../src/world.js';
import { s3Revision, serviceRoleArn, webWorld } from './world.js';

/** Time that never moves: what the model does before any timer fires. */
const frozen: Scheduler = {
  timeScale: 1,
  now: () => new Date(Date.UTC(2024, 0, 1)),
  after: () => () => undefined,
  cancelAll: () => undefined,
};

function frozenModel() {
  const cloud = new Cloud({ scheduler: frozen });
  const region = applyWorld(cloud, parseWorld(webWorld(2)));
  return createCodeDeployModel({
    region: 'us-east-1',
    accountId: cloud.accountId,
    scheduler: frozen,
    ec2: region.ec2,
    autoscaling: region.autoscaling,
    elbv2: region.elbv2,
    cloudwatch: region.cloudwatch,
    s3: cloud.s3,
    faults: cloud.faults,
    random: cloud.random,
  });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AwsApiError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('the CodeDeploy model before a deployment starts', () => {
  it('reports Created and refuses target listings with DeploymentNotStartedException', () => {
    const model = frozenModel();
    model.createApplication({ applicationName: 'web' });
    model.createDeploymentGroup({
      applicationName: 'web',
      deploymentGroupName: 'web-dg',
      serviceRoleArn,
      autoScalingGroups: ['web-asg'],
    });
    const { deploymentId } = model.createDeployment({
      applicationName: 'web',
      deploymentGroupName: 'web-dg',
      revision: s3Revision('web/v1.zip'),
    }) as { deploymentId: string };
    const info = (
      model.getDeployment({ deploymentId }) as {
        deploymentInfo: { status: string; deploymentOverview: object };
      }
    ).deploymentInfo;
    assert.equal(info.status, 'Created');
    assert.deepEqual(info.deploymentOverview, {
      Pending: 0,
      InProgress: 0,
      Succeeded: 0,
      Failed: 0,
      Skipped: 0,
      Ready: 0,
    });
    assert.equal(
      codeOf(() => model.listDeploymentTargets({ deploymentId })),
      'DeploymentNotStartedException',
    );
    assert.equal(
      codeOf(() => model.batchGetDeploymentTargets({ deploymentId, targetIds: ['i-1'] })),
      'DeploymentNotStartedException',
    );
    assert.equal(
      codeOf(() => model.stopDeployment({ deploymentId: 'd-NOTTHERE1' })),
      'DeploymentDoesNotExistException',
    );
    assert.equal(
      codeOf(() => model.getDeployment({ deploymentId: 'nonsense' })),
      'InvalidDeploymentIdException',
    );
  });

  it('validates revisions and descriptions on CreateDeployment', () => {
    const model = frozenModel();
    model.createApplication({ applicationName: 'web' });
    model.createDeploymentGroup({
      applicationName: 'web',
      deploymentGroupName: 'web-dg',
      serviceRoleArn,
      autoScalingGroups: ['web-asg'],
    });
    const create = (extra: object) => () =>
      model.createDeployment({ applicationName: 'web', deploymentGroupName: 'web-dg', ...extra });
    assert.equal(codeOf(create({})), 'RevisionRequiredException');
    assert.equal(
      codeOf(create({ revision: { revisionType: 'S3', s3Location: { bucket: 'b' } } })),
      'InvalidRevisionException',
    );
    assert.equal(
      codeOf(
        create({
          revision: { revisionType: 'GitHub', gitHubLocation: { repository: 'o/r', commitId: 'abc' } },
        }),
      ),
      'InvalidRevisionException',
    );
    assert.equal(
      codeOf(create({ revision: s3Revision('k'), description: 'x'.repeat(257) })),
      'DescriptionTooLongException',
    );
    assert.equal(
      codeOf(create({ revision: s3Revision('k'), targetInstances: { autoScalingGroups: ['web-asg'] } })),
      'InvalidTargetInstancesException',
    );
    assert.equal(
      codeOf(() => model.createDeployment({ applicationName: 'web', revision: s3Revision('k') })),
      'DeploymentGroupNameRequiredException',
    );
    assert.equal(
      codeOf(() => model.createDeployment({ applicationName: 'nope', deploymentGroupName: 'web-dg' })),
      'ApplicationDoesNotExistException',
    );
  });
});
