// tier: integration
// Least privilege by running: every request an assumed role's session makes is recorded with its
// decision, and the control API reports, per role, what was asked for and which of the actions its
// policies allow nothing asked for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as cd from '@aws-sdk/client-codedeploy';
import * as iam from '@aws-sdk/client-iam';
import * as sts from '@aws-sdk/client-sts';
import { controlClient } from '../../src/control-client.js';
import { caught, clientConfig, startTestCloud, type TestCloud } from '../harness.js';

const ORG = '0f0e0d0c-0b0a-4909-8807-060504030201';
const PROJECT = '1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d';
const ISSUER = `oidc.circleci.com/org/${ORG}`;

describe('IAM usage: what each role asked for, and what it never used', () => {
  let t: TestCloud;
  let roleArn = '';
  let session: sts.Credentials | undefined;

  before(async () => {
    t = await startTestCloud({ world: { applications: ['web'] } });
    const admin = new iam.IAMClient(clientConfig(t.lc.url));
    const provider = await admin.send(
      new iam.CreateOpenIDConnectProviderCommand({
        Url: `https://${ISSUER}`,
        ClientIDList: [ORG],
        ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
      }),
    );
    const role = await admin.send(
      new iam.CreateRoleCommand({
        RoleName: 'deploy',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: provider.OpenIDConnectProviderArn },
              Action: 'sts:AssumeRoleWithWebIdentity',
            },
          ],
        }),
      }),
    );
    roleArn = role.Role?.Arn ?? '';
    await admin.send(
      new iam.PutRolePolicyCommand({
        RoleName: 'deploy',
        PolicyName: 'deploy',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['codedeploy:ListApplications', 'codedeploy:Get*'], Resource: '*' },
            { Effect: 'Allow', Action: 'autoscaling:DeleteAutoScalingGroup', Resource: '*' },
          ],
        }),
      }),
    );
    admin.destroy();
    const { token } = await controlClient(t.lc.url).circleCiToken({ orgId: ORG, projectId: PROJECT });
    const anonymous = new sts.STSClient({ endpoint: t.lc.url, region: 'us-east-1' });
    session = (
      await anonymous.send(
        new sts.AssumeRoleWithWebIdentityCommand({
          RoleArn: roleArn,
          RoleSessionName: 'job',
          WebIdentityToken: token,
        }),
      )
    ).Credentials;
    anonymous.destroy();
  });

  after(async () => {
    await t.close();
  });

  it('records allowed and denied requests, and names the granted actions nothing used', async () => {
    const client = new cd.CodeDeployClient({
      endpoint: t.lc.url,
      region: 'us-east-1',
      credentials: {
        accessKeyId: session?.AccessKeyId ?? '',
        secretAccessKey: session?.SecretAccessKey ?? '',
        sessionToken: session?.SessionToken ?? '',
      },
    });
    try {
      await client.send(new cd.ListApplicationsCommand({}));
      await client.send(new cd.ListApplicationsCommand({}));
      await client.send(new cd.GetApplicationCommand({ applicationName: 'web' }));
      const denied = await caught(() =>
        client.send(new cd.ListDeploymentGroupsCommand({ applicationName: 'web' })),
      );
      assert.equal(denied.name, 'AccessDeniedException', denied.message);
    } finally {
      client.destroy();
    }
    const [usage] = await controlClient(t.lc.url).iamUsage();
    assert.equal(usage?.roleArn, roleArn);
    assert.deepEqual(
      usage?.used.map((u) => [u.action, u.allowed, u.count]),
      [
        ['codedeploy:GetApplication', true, 1],
        ['codedeploy:ListApplications', true, 2],
        ['codedeploy:ListDeploymentGroups', false, 1],
      ],
    );
    // codedeploy:Get* matched GetApplication; nothing asked to delete an Auto Scaling group.
    assert.deepEqual(usage?.unused, ['autoscaling:DeleteAutoScalingGroup']);
  });
});
