// tier: e2e
// The AWS CLI (`aws deploy`) as an independent client of EVERY CodeDeploy operation the local cloud
// implements, split from aws-cli-all.test.ts because one CLI call costs most of a
// second of CPU. A blue/green deployment of a bundle uploaded with `aws s3api put-object` waits in
// Ready (where its targets and instances are read) and in the termination wait, each left with
// continue-deployment; a second one is stopped in Ready with a rollback. The last test compares what
// the CLI answered, and what the server counted, with the implemented operations.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { until } from '../../../../test/support/until.js';
import { assertCliCoverage } from './coverage.js';
import { startCliSession, type CliSession } from './session.js';

const WORLD = {
  launchTemplates: [{ name: 'web-lt', imageId: 'ami-0123456789abcdef0', instanceType: 't3.small' }],
  targetGroups: [
    {
      name: 'web-tg',
      port: 8000,
      healthCheck: { path: '/healthcheck', intervalSeconds: 5, healthyThreshold: 2 },
      deregistrationDelay: 30,
    },
  ],
  loadBalancers: [{ name: 'web-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
  autoScalingGroups: [
    {
      name: 'web-asg',
      instances: 2,
      maxSize: 10,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      targetGroups: ['web-tg'],
      launchTemplate: 'web-lt',
    },
  ],
  alarms: [{ name: 'web-5xx', state: 'OK' as const }],
  buckets: ['web-revisions'],
};

const account = '123456789012';
const serviceRoleArn = `arn:aws:iam::${account}:role/web-codedeploy`;
const application = 'web';
const group = 'web-bg';
const groupArn = `arn:aws:codedeploy:us-east-1:${account}:deploymentgroup:${application}/${group}`;
const revision = {
  revisionType: 'S3',
  s3Location: { bucket: 'web-revisions', key: 'web/v1.zip', bundleType: 'zip' },
};

interface DeploymentInfo {
  deploymentId: string;
  status: string;
  creator?: string;
  description?: string;
  createTime?: unknown;
  instanceTerminationWaitTimeStarted?: boolean;
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string };
  deploymentOverview?: Record<string, number>;
  revision?: { s3Location?: { key?: string } };
}

describe('the AWS CLI parses every CodeDeploy operation of the local cloud', { concurrency: 1 }, () => {
  let s: CliSession;
  let first = '';
  const deploymentInfo = (deploymentId: string) =>
    (s.models().codedeploy.getDeployment({ deploymentId }) as { deploymentInfo: DeploymentInfo })
      .deploymentInfo;
  const untilDeployment = (deploymentId: string, accept: (d: DeploymentInfo) => boolean) =>
    until(() => deploymentInfo(deploymentId), accept, `${deploymentId} as the test expects`, '2m');

  before(async () => {
    s = await startCliSession(WORLD);
  });
  after(async () => s.close());

  it('create-application, create-deployment-config (and the bundle, with s3api put-object)', async () => {
    const bundle = join(s.scratch, 'web-v1.zip');
    await writeFile(bundle, 'revision bundle v1');
    const [web, other, config, upload] = await Promise.all([
      s.cli.call('deploy', 'create-application', { applicationName: application }),
      s.cli.call('deploy', 'create-application', {
        applicationName: 'scratch',
        computePlatform: 'Server',
        tags: [{ Key: 'team', Value: 'web' }],
      }),
      s.cli.call('deploy', 'create-deployment-config', {
        deploymentConfigName: 'web-most-healthy',
        minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 },
        computePlatform: 'Server',
      }),
      s.cli.call('s3api', 'put-object', undefined, [
        '--bucket',
        'web-revisions',
        '--key',
        'web/v1.zip',
        '--body',
        bundle,
      ]),
    ]);
    assert.match(String(web.applicationId), /^[0-9a-f-]{36}$/);
    assert.notEqual(web.applicationId, other.applicationId);
    assert.match(String(config.deploymentConfigId), /^[0-9a-f-]{36}$/);
    assert.match(String(upload.ETag), /^"[0-9a-f]{32}"$/);
  });

  it('get-application, list-applications, batch-get-applications, get-deployment-config, list-deployment-configs', async () => {
    const [got, listed, batch, config, configs] = await Promise.all([
      s.cli.call<{ application: { applicationName: string; computePlatform: string; createTime: string } }>(
        'deploy',
        'get-application',
        { applicationName: application },
      ),
      s.cli.call<{ applications: string[] }>('deploy', 'list-applications'),
      s.cli.call<{ applicationsInfo: { applicationName: string; computePlatform: string }[] }>(
        'deploy',
        'batch-get-applications',
        { applicationNames: [application, 'scratch'] },
      ),
      s.cli.call<{ deploymentConfigInfo: { deploymentConfigName: string; minimumHealthyHosts: unknown } }>(
        'deploy',
        'get-deployment-config',
        { deploymentConfigName: 'web-most-healthy' },
      ),
      s.cli.call<{ deploymentConfigsList: string[] }>('deploy', 'list-deployment-configs'),
    ]);
    assert.equal(got.application.applicationName, application);
    assert.equal(got.application.computePlatform, 'Server');
    assert.ok(!Number.isNaN(Date.parse(got.application.createTime)), 'epoch seconds become a date');
    assert.deepEqual([...listed.applications].sort(), ['scratch', application]);
    assert.deepEqual(batch.applicationsInfo.map((a) => a.applicationName).sort(), ['scratch', application]);
    assert.deepEqual(config.deploymentConfigInfo.minimumHealthyHosts, { type: 'FLEET_PERCENT', value: 75 });
    assert.ok(configs.deploymentConfigsList.includes('web-most-healthy'));
    assert.ok(configs.deploymentConfigsList.includes('CodeDeployDefault.AllAtOnce'));
  });

  let blueGreenId = '';
  it('create-deployment-group: a blue/green group and an in-place one', async () => {
    const [blueGreen, inPlace] = await Promise.all([
      s.cli.call('deploy', 'create-deployment-group', {
        applicationName: application,
        deploymentGroupName: group,
        serviceRoleArn,
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        autoScalingGroups: ['web-asg'],
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration: {
          greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
          // Both waits outlast the test, so continue-deployment and stop-deployment always find them.
          deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 600 },
          terminateBlueInstancesOnDeploymentSuccess: {
            action: 'TERMINATE',
            terminationWaitTimeInMinutes: 600,
          },
        },
        loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
        alarmConfiguration: { enabled: true, alarms: [{ name: 'web-5xx' }] },
        autoRollbackConfiguration: {
          enabled: true,
          events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'],
        },
        tags: [{ Key: 'env', Value: 'dev' }],
      }),
      s.cli.call('deploy', 'create-deployment-group', {
        applicationName: application,
        deploymentGroupName: 'web-tagged',
        serviceRoleArn,
        ec2TagFilters: [{ Key: 'env', Value: 'dev', Type: 'KEY_AND_VALUE' }],
      }),
    ]);
    blueGreenId = String(blueGreen.deploymentGroupId);
    assert.match(blueGreenId, /^[0-9a-f-]{36}$/);
    assert.match(String(inPlace.deploymentGroupId), /^[0-9a-f-]{36}$/);
    assert.notEqual(blueGreenId, inPlace.deploymentGroupId);
  });

  it('get-deployment-group, update-deployment-group, list-deployment-groups, batch-get-deployment-groups', async () => {
    const [got, updated] = await Promise.all([
      s.cli.call<{
        deploymentGroupInfo: {
          deploymentGroupId: string;
          deploymentStyle: { deploymentType: string };
          autoScalingGroups: { name: string; hook: string }[];
          blueGreenDeploymentConfiguration: { deploymentReadyOption: { waitTimeInMinutes: number } };
        };
      }>('deploy', 'get-deployment-group', { applicationName: application, deploymentGroupName: group }),
      s.cli.call<{ hooksNotCleanedUp: unknown[] }>('deploy', 'update-deployment-group', {
        applicationName: application,
        currentDeploymentGroupName: 'web-tagged',
        newDeploymentGroupName: 'web-in-place',
        deploymentConfigName: 'web-most-healthy',
      }),
    ]);
    const info = got.deploymentGroupInfo;
    assert.equal(info.deploymentGroupId, blueGreenId);
    assert.equal(info.deploymentStyle.deploymentType, 'BLUE_GREEN');
    assert.deepEqual(
      info.autoScalingGroups.map((a) => a.name),
      ['web-asg'],
    );
    assert.match(
      info.autoScalingGroups[0]?.hook ?? '',
      /^CodeDeploy-managed-automatic-launch-deployment-hook-/,
    );
    assert.equal(info.blueGreenDeploymentConfiguration.deploymentReadyOption.waitTimeInMinutes, 600);
    assert.deepEqual(updated.hooksNotCleanedUp, []);
    const [listed, batch] = await Promise.all([
      // The CLI's paginator keeps only the result key; --no-paginate shows the whole answer.
      s.cli.call<{ applicationName: string; deploymentGroups: string[] }>(
        'deploy',
        'list-deployment-groups',
        { applicationName: application },
        ['--no-paginate'],
      ),
      s.cli.call<{ deploymentGroupsInfo: { deploymentGroupName: string; deploymentConfigName: string }[] }>(
        'deploy',
        'batch-get-deployment-groups',
        { applicationName: application, deploymentGroupNames: [group, 'web-in-place'] },
      ),
    ]);
    assert.equal(listed.applicationName, application);
    assert.deepEqual([...listed.deploymentGroups].sort(), [group, 'web-in-place']);
    assert.deepEqual(
      batch.deploymentGroupsInfo.map((g) => [g.deploymentGroupName, g.deploymentConfigName]).sort(),
      [
        [group, 'CodeDeployDefault.AllAtOnce'],
        ['web-in-place', 'web-most-healthy'],
      ],
    );
  });

  it('create-deployment, get-deployment (it waits in Ready), and meanwhile tag-resource, list-tags-for-resource, untag-resource', async () => {
    const created = await s.cli.call('deploy', 'create-deployment', {
      applicationName: application,
      deploymentGroupName: group,
      revision,
      description: 'from the AWS CLI',
      fileExistsBehavior: 'OVERWRITE',
    });
    first = String(created.deploymentId);
    assert.match(first, /^d-[A-Z0-9]{9}$/);
    const tagged = await s.cli.call('deploy', 'tag-resource', {
      ResourceArn: groupArn,
      Tags: [{ Key: 'owner', Value: 'platform' }],
    });
    assert.deepEqual(tagged, {});
    const [tags, ready] = await Promise.all([
      s.cli.call<{ Tags: { Key: string; Value: string }[] }>('deploy', 'list-tags-for-resource', {
        ResourceArn: groupArn,
      }),
      untilDeployment(first, (d) => d.status === 'Ready'),
    ]);
    assert.deepEqual(tags.Tags.map((tag) => [tag.Key, tag.Value]).sort(), [
      ['env', 'dev'],
      ['owner', 'platform'],
    ]);
    assert.equal(ready.status, 'Ready');
    const [got, removed] = await Promise.all([
      s.cli.call<{ deploymentInfo: DeploymentInfo }>('deploy', 'get-deployment', { deploymentId: first }),
      s.cli.call('deploy', 'untag-resource', { ResourceArn: groupArn, TagKeys: ['owner'] }),
    ]);
    assert.equal(got.deploymentInfo.status, 'Ready');
    assert.equal(got.deploymentInfo.description, 'from the AWS CLI');
    assert.equal(got.deploymentInfo.revision?.s3Location?.key, 'web/v1.zip');
    assert.ok(
      !Number.isNaN(Date.parse(String(got.deploymentInfo.createTime))),
      'epoch seconds become a date',
    );
    assert.deepEqual(removed, {});
  });

  it('list-deployments, list-deployment-targets, list-deployment-instances and their batch-get and get, in Ready', async () => {
    const [deployments, targets, instances] = await Promise.all([
      s.cli.call<{ deployments: string[] }>('deploy', 'list-deployments', {
        applicationName: application,
        deploymentGroupName: group,
        includeOnlyStatuses: ['Ready'],
      }),
      s.cli.call<{ targetIds: string[] }>('deploy', 'list-deployment-targets', {
        deploymentId: first,
        targetFilters: { ServerInstanceLabel: ['Green'] },
      }),
      s.cli.call<{ instancesList: string[] }>('deploy', 'list-deployment-instances', {
        deploymentId: first,
        instanceTypeFilter: ['Blue', 'Green'],
      }),
    ]);
    assert.deepEqual(deployments.deployments, [first]);
    assert.equal(targets.targetIds.length, 2, 'one green instance per blue one');
    assert.equal(instances.instancesList.length, 4, 'two blue instances and two green ones');
    const [targetId = ''] = targets.targetIds;
    const [batchTargets, target, batchInstances, instance] = await Promise.all([
      s.cli.call<{ deploymentTargets: { instanceTarget: { status: string; instanceLabel: string } }[] }>(
        'deploy',
        'batch-get-deployment-targets',
        { deploymentId: first, targetIds: targets.targetIds },
      ),
      s.cli.call<{
        deploymentTarget: {
          deploymentTargetType: string;
          instanceTarget: {
            targetId: string;
            lifecycleEvents: { lifecycleEventName: string; status: string; endTime?: string }[];
          };
        };
      }>('deploy', 'get-deployment-target', { deploymentId: first, targetId }),
      s.cli.call<{ instancesSummary: { instanceId: string; instanceType: string }[] }>(
        'deploy',
        'batch-get-deployment-instances',
        { deploymentId: first, instanceIds: instances.instancesList },
      ),
      s.cli.call<{ instanceSummary: { instanceId: string; status: string; instanceType: string } }>(
        'deploy',
        'get-deployment-instance',
        { deploymentId: first, instanceId: targetId },
      ),
    ]);
    assert.deepEqual(
      batchTargets.deploymentTargets.map((d) => [d.instanceTarget.status, d.instanceTarget.instanceLabel]),
      [
        ['Ready', 'Green'],
        ['Ready', 'Green'],
      ],
    );
    assert.equal(target.deploymentTarget.deploymentTargetType, 'InstanceTarget');
    assert.equal(target.deploymentTarget.instanceTarget.targetId, targetId);
    const validate = target.deploymentTarget.instanceTarget.lifecycleEvents.find(
      (e) => e.lifecycleEventName === 'ValidateService',
    );
    assert.equal(validate?.status, 'Succeeded');
    assert.ok(!Number.isNaN(Date.parse(validate?.endTime ?? '')), 'epoch seconds become a date');
    assert.deepEqual(batchInstances.instancesSummary.map((i) => i.instanceType).sort(), [
      'Blue',
      'Blue',
      'Green',
      'Green',
    ]);
    assert.ok(instance.instanceSummary.instanceId.endsWith(targetId));
    assert.equal(instance.instanceSummary.instanceType, 'Green');
    assert.equal(instance.instanceSummary.status, 'Ready');
  });

  it('continue-deployment past Ready, then past the termination wait', async () => {
    const ready = await s.cli.call('deploy', 'continue-deployment', {
      deploymentId: first,
      deploymentWaitType: 'READY_WAIT',
    });
    assert.deepEqual(ready, {});
    await untilDeployment(first, (d) => d.instanceTerminationWaitTimeStarted === true);
    const terminating = await s.cli.call('deploy', 'continue-deployment', {
      deploymentId: first,
      deploymentWaitType: 'TERMINATION_WAIT',
    });
    assert.deepEqual(terminating, {});
    assert.equal((await untilDeployment(first, (d) => d.status !== 'InProgress')).status, 'Succeeded');
  });

  it('stop-deployment with a rollback, batch-get-deployments', async () => {
    const created = await s.cli.call('deploy', 'create-deployment', {
      applicationName: application,
      deploymentGroupName: group,
      revision,
    });
    const second = String(created.deploymentId);
    await untilDeployment(second, (d) => d.status === 'Ready');
    const stopped = await s.cli.call('deploy', 'stop-deployment', {
      deploymentId: second,
      autoRollbackEnabled: true,
    });
    assert.equal(stopped.status, 'Succeeded');
    assert.equal(typeof stopped.statusMessage, 'string');
    const rollback =
      (
        await untilDeployment(
          second,
          (d) => d.status === 'Stopped' && d.rollbackInfo?.rollbackDeploymentId !== undefined,
        )
      ).rollbackInfo?.rollbackDeploymentId ?? '';
    const batch = await s.cli.call<{ deploymentsInfo: DeploymentInfo[] }>('deploy', 'batch-get-deployments', {
      deploymentIds: [first, second, rollback],
    });
    const byId = new Map(batch.deploymentsInfo.map((d) => [d.deploymentId, d]));
    assert.equal(byId.get(first)?.status, 'Succeeded');
    assert.deepEqual(byId.get(first)?.deploymentOverview, {
      Pending: 0,
      InProgress: 0,
      Succeeded: 4,
      Failed: 0,
      Skipped: 0,
      Ready: 0,
    });
    assert.equal(byId.get(second)?.status, 'Stopped');
    assert.equal(byId.get(second)?.rollbackInfo?.rollbackDeploymentId, rollback);
    assert.equal(byId.get(rollback)?.creator, 'codeDeployRollback');
    assert.equal(byId.get(rollback)?.rollbackInfo?.rollbackTriggeringDeploymentId, second);
  });

  it('delete-deployment-group, delete-deployment-config, delete-application', async () => {
    const deletedGroup = await s.cli.call<{ hooksNotCleanedUp: unknown[] }>(
      'deploy',
      'delete-deployment-group',
      {
        applicationName: application,
        deploymentGroupName: 'web-in-place',
      },
    );
    assert.deepEqual(deletedGroup.hooksNotCleanedUp, []);
    // The config is free once the group that used it is gone.
    const [config, app] = await Promise.all([
      s.cli.call('deploy', 'delete-deployment-config', { deploymentConfigName: 'web-most-healthy' }),
      s.cli.call('deploy', 'delete-application', { applicationName: 'scratch' }),
    ]);
    assert.deepEqual(config, {});
    assert.deepEqual(app, {});
    assert.throws(() => s.models().codedeploy.getApplication({ applicationName: 'scratch' }));
  });

  it('answered exactly the implemented CodeDeploy operations, and the server counted the same', async () => {
    assertCliCoverage(['codedeploy'], {
      answered: s.cli.answeredOperations(),
      requestCounts: await s.requestCounts(),
    });
  });
});
