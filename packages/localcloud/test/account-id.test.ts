// tier: integration
// A local cloud started for another account (`accountId`, the CLI's --account-id): every ARN it makes
// and the identity STS reports are in that account, as two AWS accounts (dev, prod) would be.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as cfn from '@aws-sdk/client-cloudformation';
import * as cd from '@aws-sdk/client-codedeploy';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startLocalCloud } from '../src/server.js';
import { webWorld } from './codedeploy/world.js';
import { clientConfig, startTestCloud, until, type TestCloud } from './harness.js';

const ACCOUNT = '210987654321';

describe('a local cloud in an account of its own', () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({ accountId: ACCOUNT, world: webWorld(2) });
  });
  after(async () => t.close());

  it('STS GetCallerIdentity answers with the account', async () => {
    const sts = new STSClient(clientConfig(t.lc.url));
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Account, ACCOUNT);
      assert.match(identity.Arn ?? '', new RegExp(`^arn:aws:iam::${ACCOUNT}:`));
    } finally {
      sts.destroy();
    }
  });

  it('a stack and its IAM role are in the account', async () => {
    const client = new cfn.CloudFormationClient(clientConfig(t.lc.url));
    try {
      const template = {
        Resources: {
          DeployRole: {
            Type: 'AWS::IAM::Role',
            Properties: {
              AssumeRolePolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: { Service: 'codedeploy.amazonaws.com' },
                    Action: 'sts:AssumeRole',
                  },
                ],
              },
            },
          },
        },
        Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['DeployRole', 'Arn'] } } },
      };
      const { Id, StackId } = await client.send(
        new cfn.CreateChangeSetCommand({
          StackName: 'roles',
          ChangeSetName: 'create',
          ChangeSetType: 'CREATE',
          TemplateBody: JSON.stringify(template),
          Capabilities: ['CAPABILITY_IAM'],
        }),
      );
      assert.match(StackId ?? '', new RegExp(`^arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/roles/`));
      await until(
        () => client.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: Id })),
        (c) => c.Status === 'CREATE_COMPLETE',
        'the change set',
      );
      await client.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: Id }));
      const stack = await until(
        async () => (await client.send(new cfn.DescribeStacksCommand({ StackName: 'roles' }))).Stacks![0]!,
        (s) => !s.StackStatus!.endsWith('IN_PROGRESS'),
        'the stack to settle',
      );
      assert.equal(stack.StackStatus, 'CREATE_COMPLETE');
      const roleArn = stack.Outputs?.find((o) => o.OutputKey === 'RoleArn')?.OutputValue ?? '';
      assert.match(roleArn, new RegExp(`^arn:aws:iam::${ACCOUNT}:role/roles-DeployRole-`));
    } finally {
      client.destroy();
    }
  });

  it("CodeDeploy's deployment targets are the account's instances", async () => {
    const codedeploy = new cd.CodeDeployClient(clientConfig(t.lc.url));
    try {
      await codedeploy.send(new cd.CreateApplicationCommand({ applicationName: 'web' }));
      await codedeploy.send(
        new cd.CreateDeploymentGroupCommand({
          applicationName: 'web',
          deploymentGroupName: 'web-dg',
          serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/web-codedeploy`,
          autoScalingGroups: ['web-asg'],
        }),
      );
      const { deploymentId } = await codedeploy.send(
        new cd.CreateDeploymentCommand({
          applicationName: 'web',
          deploymentGroupName: 'web-dg',
          revision: {
            revisionType: 'S3',
            s3Location: { bucket: 'web-revisions', key: 'web/v1.zip', bundleType: 'zip' },
          },
        }),
      );
      await until(
        async () =>
          (await codedeploy.send(new cd.GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status,
        (status) => status !== 'Created' && status !== 'Queued',
        'the deployment to start',
      );
      const targetIds = await until(
        async () =>
          (await codedeploy.send(new cd.ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [],
        (ids) => ids.length === 2,
        "the deployment's targets",
      );
      const targets = await codedeploy.send(
        new cd.BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }),
      );
      for (const target of targets.deploymentTargets ?? [])
        assert.match(
          target.instanceTarget?.targetArn ?? '',
          new RegExp(`^arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-`),
        );
    } finally {
      codedeploy.destroy();
    }
  });

  it('refuses an account id that is not 12 digits, saying what one is', async () => {
    for (const accountId of ['12345', '12345678901a', ' 123456789012'])
      await assert.rejects(
        startLocalCloud({ accountId, clock: 'manual' }),
        new RegExp(`accountId "${accountId}": expected an AWS account id: 12 digits`),
      );
  });
});
