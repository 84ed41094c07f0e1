// tier: integration
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchGetDeploymentTargetsCommand,
  BatchGetDeploymentsCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListDeploymentConfigsCommand,
  ListDeploymentTargetsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateDeploymentGroupCommand,
  GetDeploymentCommand,
  type CreateDeploymentGroupInput,
} from '@aws-sdk/client-codedeploy';
import { caught } from '../harness.js';
import { until } from '../harness.js';
import {
  putRevisions,
  s3Revision,
  serviceRoleArn,
  startCodeDeployCloud,
  webWorld,
  type CodeDeployTestCloud,
} from './cloud.js';

const blueGreen: Pick<
  CreateDeploymentGroupInput,
  'deploymentStyle' | 'blueGreenDeploymentConfiguration' | 'loadBalancerInfo'
> = {
  deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
  blueGreenDeploymentConfiguration: { greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' } },
  loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
};

describe('CodeDeploy operations, validation and paging through the SDK', () => {
  let tc: CodeDeployTestCloud;
  before(async () => {
    tc = await startCodeDeployCloud({ world: webWorld(30), pageSize: 7 });
    await putRevisions(tc, 'web/v1.zip');
    await tc.codedeploy.send(new CreateApplicationCommand({ applicationName: 'web' }));
  });
  after(() => tc.close());

  it('rejects a copied green fleet without exactly one ASG, with AWS misspelled message', async () => {
    const error = await caught(() =>
      tc.codedeploy.send(
        new CreateDeploymentGroupCommand({
          applicationName: 'web',
          deploymentGroupName: 'no-asg',
          serviceRoleArn,
          ...blueGreen,
        }),
      ),
    );
    assert.equal(error.name, 'InvalidBlueGreenDeploymentConfigurationException');
    assert.equal(
      error.message,
      'Exactly one AutoScaling group must be specifed when selecting the COPY_AUTO_SCALING_GROUP green fleet provisioning option.',
    );
  });

  it('validates role, target groups, ASGs, names, alarms and rollback events', async () => {
    const base = {
      applicationName: 'web',
      deploymentGroupName: 'g',
      serviceRoleArn,
      autoScalingGroups: ['web-asg'],
      ...blueGreen,
    };
    const cases: [object, string][] = [
      [{ serviceRoleArn: undefined }, 'RoleRequiredException'],
      [{ loadBalancerInfo: { targetGroupInfoList: [{ name: 'nope' }] } }, 'InvalidLoadBalancerInfoException'],
      [{ autoScalingGroups: ['nope'] }, 'InvalidAutoScalingGroupException'],
      [{ deploymentGroupName: 'bad name!' }, 'InvalidDeploymentGroupNameException'],
      [{ deploymentConfigName: 'Missing' }, 'DeploymentConfigDoesNotExistException'],
      [
        {
          alarmConfiguration: {
            enabled: true,
            alarms: Array.from({ length: 11 }, (_, i) => ({ name: `a${i}` })),
          },
        },
        'AlarmsLimitExceededException',
      ],
      [{ autoRollbackConfiguration: { enabled: true, events: [] } }, 'InvalidAutoRollbackConfigException'],
      [
        {
          blueGreenDeploymentConfiguration: {
            ...blueGreen.blueGreenDeploymentConfiguration,
            terminateBlueInstancesOnDeploymentSuccess: {
              action: 'TERMINATE',
              terminationWaitTimeInMinutes: 2881,
            },
          },
        },
        'InvalidBlueGreenDeploymentConfigurationException',
      ],
    ];
    for (const [change, code] of cases) {
      const error = await caught(() =>
        tc.codedeploy.send(new CreateDeploymentGroupCommand({ ...base, ...change })),
      );
      assert.equal(error.name, code, JSON.stringify(change));
    }
  });

  it('Update changes only what it is given, and the one-ASG rule applies to the merged group', async () => {
    await tc.codedeploy.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'web',
        deploymentGroupName: 'upd',
        serviceRoleArn,
        autoScalingGroups: ['web-asg'],
        loadBalancerInfo: blueGreen.loadBalancerInfo,
      }),
    );
    const error = await caught(() =>
      tc.codedeploy.send(
        new UpdateDeploymentGroupCommand({
          applicationName: 'web',
          currentDeploymentGroupName: 'upd',
          autoScalingGroups: [],
          ...blueGreen,
        }),
      ),
    );
    assert.equal(error.name, 'InvalidBlueGreenDeploymentConfigurationException');
    const out = await tc.codedeploy.send(
      new UpdateDeploymentGroupCommand({
        applicationName: 'web',
        currentDeploymentGroupName: 'upd',
        ...blueGreen,
      }),
    );
    assert.deepEqual(out.hooksNotCleanedUp, []);
    const info = (
      await tc.codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'upd' }),
      )
    ).deploymentGroupInfo;
    assert.equal(info?.deploymentStyle?.deploymentType, 'BLUE_GREEN');
    assert.equal(info?.serviceRoleArn, serviceRoleArn);
    assert.equal(info?.autoScalingGroups?.[0]?.name, 'web-asg');
    assert.equal(info?.deploymentConfigName, 'CodeDeployDefault.OneAtATime');
  });

  it('tags a deployment group by its ARN', async () => {
    const arn = 'arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:web/upd';
    await tc.codedeploy.send(
      new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'web' }] }),
    );
    const tags = await tc.codedeploy.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
    assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'web' }]);
  });

  it('deployment configs: predefined ones, custom validation, paging', async () => {
    const one = await tc.codedeploy.send(
      new GetDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.OneAtATime' }),
    );
    assert.deepEqual(one.deploymentConfigInfo?.minimumHealthyHosts, { type: 'MOST_CONCURRENCY', value: 1 });
    const bad = await caught(() =>
      tc.codedeploy.send(
        new CreateDeploymentConfigCommand({
          deploymentConfigName: 'pct',
          minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 100 },
        }),
      ),
    );
    assert.equal(bad.name, 'InvalidMinimumHealthyHostValueException');
    for (let i = 0; i < 6; i++) {
      await tc.codedeploy.send(
        new CreateDeploymentConfigCommand({
          deploymentConfigName: `c${i}`,
          minimumHealthyHosts: { type: 'HOST_COUNT', value: i },
        }),
      );
    }
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await tc.codedeploy.send(new ListDeploymentConfigsCommand({ nextToken }));
      assert.ok((page.deploymentConfigsList ?? []).length <= 7);
      names.push(...(page.deploymentConfigsList ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.equal(names.length, 9);
    const forged = await caught(() =>
      tc.codedeploy.send(new ListDeploymentConfigsCommand({ nextToken: 'forged' })),
    );
    assert.equal(forged.name, 'InvalidNextTokenException');
  });

  it('pages deployment targets and enforces the 25-id limits', async () => {
    await tc.codedeploy.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-bg',
        serviceRoleArn,
        autoScalingGroups: ['web-asg'],
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        ...blueGreen,
      }),
    );
    const { deploymentId = '' } = await tc.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-bg',
        revision: s3Revision('web/v1.zip'),
      }),
    );
    await until(
      async () =>
        (await tc.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status,
      (s) => s === 'Succeeded' || s === 'Failed',
      'the deployment to end',
      '1m',
    );
    const ids: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await tc.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId, nextToken }));
      ids.push(...(page.targetIds ?? []));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.equal(ids.length, 60);
    assert.equal(new Set(ids).size, 60);
    assert.equal(pages, 9);
    const tooMany = await caught(() =>
      tc.codedeploy.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ids.slice(0, 26) })),
    );
    assert.equal(tooMany.name, 'DeploymentTargetListSizeExceededException');
    const ok = await tc.codedeploy.send(
      new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ids.slice(0, 25) }),
    );
    assert.equal(ok.deploymentTargets?.length, 25);
    const deployments = await caught(() =>
      tc.codedeploy.send(
        new BatchGetDeploymentsCommand({ deploymentIds: Array.from({ length: 26 }, () => deploymentId) }),
      ),
    );
    assert.equal(deployments.name, 'BatchLimitExceededException');
  });
});
