// tier: integration
// The CodeDeploy part of a world file (applications, deployment configs), and deployment groups that
// find their instances by EC2 tags through the EC2 port.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  ListApplicationsCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { until } from '../harness.js';
import {
  putRevisions,
  s3Revision,
  serviceRoleArn,
  startCodeDeployCloud,
  webWorld,
  type CodeDeployTestCloud,
} from './cloud.js';

describe('world applications and deployment configs', () => {
  let tc: CodeDeployTestCloud;
  before(async () => {
    tc = await startCodeDeployCloud({
      world: {
        ...webWorld(2),
        autoScalingGroups: [
          {
            name: 'web-asg',
            instances: 2,
            availabilityZones: ['us-east-1a'],
            targetGroups: ['web-tg'],
            tags: { role: 'web' },
          },
          { name: 'batch-asg', instances: 1, availabilityZones: ['us-east-1b'], tags: { role: 'batch' } },
        ],
        applications: ['web', { name: 'api', computePlatform: 'Server' }],
        deploymentConfigs: [
          { name: 'web-all-but-one', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } },
        ],
      },
    });
  });
  after(() => tc.close());

  it('creates the applications and configs, which the API then shows', async () => {
    const { applications } = await tc.codedeploy.send(new ListApplicationsCommand({}));
    assert.deepEqual(applications, ['api', 'web']);
    const { application } = await tc.codedeploy.send(new GetApplicationCommand({ applicationName: 'web' }));
    assert.equal(application?.computePlatform, 'Server');
    assert.match(application?.applicationId ?? '', /^[0-9a-f-]{36}$/);
    const { deploymentConfigInfo } = await tc.codedeploy.send(
      new GetDeploymentConfigCommand({ deploymentConfigName: 'web-all-but-one' }),
    );
    assert.deepEqual(deploymentConfigInfo?.minimumHealthyHosts, { type: 'HOST_COUNT', value: 1 });
  });

  it('deploys to the instances a group selects by EC2 tag, and only those', async () => {
    await putRevisions(tc, 'web/v1.zip');
    await tc.codedeploy.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-by-tag',
        serviceRoleArn,
        deploymentConfigName: 'web-all-but-one',
        ec2TagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }],
      }),
    );
    const { deploymentId = '' } = await tc.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-by-tag',
        revision: s3Revision('web/v1.zip'),
      }),
    );
    const info = await until(
      async () => (await tc.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo,
      (d) => ['Succeeded', 'Failed', 'Stopped'].includes(d?.status ?? ''),
      'the deployment to end',
      '1m',
    );
    assert.equal(info?.status, 'Succeeded', JSON.stringify(info?.errorInformation));
    const tagged = (
      await tc.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:role', Values: ['web'] }] }))
    ).Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!));
    assert.equal(tagged.length, 2);
    const { targetIds } = await tc.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }));
    assert.deepEqual([...(targetIds ?? [])].sort(), tagged.sort());
  });

  it('is posted to the control API as YAML like any other world', async () => {
    const response = await fetch(`${tc.lc.url}/_localcloud/world`, {
      method: 'POST',
      body: 'region: eu-west-1\napplications: [{name: shop}]\n',
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(tc.model('eu-west-1').listApplications({}), { applications: ['shop'] });
  });
});
