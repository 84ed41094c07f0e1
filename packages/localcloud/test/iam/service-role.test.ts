// tier: integration
// CodeDeploy's own actions are evaluated against its service role: a blue/green deployment copies the
// group's Auto Scaling group, which launches from a launch template, so the role needs
// ec2:RunInstances and ec2:CreateTags besides AWSCodeDeployRole, as CodeDeploy's user guide says. With
// AWSCodeDeployRole alone the deployment fails with IAM_ROLE_PERMISSIONS before any green instance
// exists; once the role is given the launch-template permissions, the next deployment copies the group.
// A service role ARN that names no role in the cloud's IAM is taken on trust (every other test's).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as cd from '@aws-sdk/client-codedeploy';
import * as iam from '@aws-sdk/client-iam';
import { clientConfig, until } from '../harness.js';
import {
  putRevisions,
  s3Revision,
  startCodeDeployCloud,
  webWorld,
  type CodeDeployTestCloud,
} from '../codedeploy/cloud.js';

const ROLE = 'web-codedeploy';
const ROLE_ARN = `arn:aws:iam::123456789012:role/${ROLE}`;

describe('CodeDeploy copies the Auto Scaling group as its service role', () => {
  let tc: CodeDeployTestCloud;
  let admin: iam.IAMClient;

  before(async () => {
    tc = await startCodeDeployCloud({ world: webWorld(2) });
    admin = new iam.IAMClient(clientConfig(tc.lc.url));
    await putRevisions(tc, 'web/v1.zip');
    await admin.send(
      new iam.CreateRoleCommand({
        RoleName: ROLE,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    await admin.send(
      new iam.AttachRolePolicyCommand({
        RoleName: ROLE,
        PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSCodeDeployRole',
      }),
    );
    await tc.codedeploy.send(new cd.CreateApplicationCommand({ applicationName: 'web' }));
    await tc.codedeploy.send(
      new cd.CreateDeploymentGroupCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-bg',
        serviceRoleArn: ROLE_ARN,
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        autoScalingGroups: ['web-asg'],
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration: {
          greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
        },
        loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
      }),
    );
  });
  after(async () => {
    admin.destroy();
    await tc.close();
  });

  const deploy = async () => {
    const { deploymentId = '' } = await tc.codedeploy.send(
      new cd.CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-bg',
        revision: s3Revision('web/v1.zip'),
      }),
    );
    return deploymentId;
  };
  const read = async (deploymentId: string) =>
    (await tc.codedeploy.send(new cd.GetDeploymentCommand({ deploymentId }))).deploymentInfo!;

  it('with AWSCodeDeployRole alone, the deployment fails with IAM_ROLE_PERMISSIONS naming EC2', async () => {
    const id = await deploy();
    const failed = await until(
      () => read(id),
      (d) => ['Succeeded', 'Failed', 'Stopped'].includes(d.status ?? ''),
      'the deployment to end',
    );
    assert.equal(failed.status, 'Failed');
    assert.deepEqual(failed.errorInformation, {
      code: 'IAM_ROLE_PERMISSIONS',
      message: `The IAM role ${ROLE_ARN} does not give you permission to perform operations in the following AWS service: AmazonEC2. Contact your AWS administrator if you need help. If you are an AWS administrator, you can grant permissions to your users or groups by creating IAM policies.`,
    });
    assert.equal(failed.targetInstances, undefined);
    assert.equal(tc.lc.cloud.region('us-east-1').autoscaling.get(`CodeDeploy_web-bg_${id}`), undefined);
  });

  it('given the launch-template permissions, the next deployment copies the group', async () => {
    await admin.send(
      new iam.PutRolePolicyCommand({
        RoleName: ROLE,
        PolicyName: 'launch-template-fleet',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['ec2:RunInstances', 'ec2:CreateTags'], Resource: '*' }],
        }),
      }),
    );
    const id = await deploy();
    await until(
      () => tc.lc.cloud.region('us-east-1').autoscaling.get(`CodeDeploy_web-bg_${id}`),
      (group) => group !== undefined,
      'the green group',
    );
    assert.notEqual((await read(id)).status, 'Failed');
  });
});
