// tier: integration
// SimulatePrincipalPolicy through the real SDK: each action on each resource is allowed, explicitly
// denied or implicitly denied as the role's inline and attached policies say, with the statements
// that decided it located in the document GetRolePolicy answers; and what it says is what happens
// when a session of the role makes the same calls (one evaluator, src/iam/evaluate.ts). A session
// may simulate only where its role lets it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as cd from '@aws-sdk/client-codedeploy';
import * as iam from '@aws-sdk/client-iam';
import * as sts from '@aws-sdk/client-sts';
import { caught, clientConfig, startTestCloud, type TestCloud } from '../harness.js';

const ACCOUNT = '123456789012';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/web-dev-deploy`;
const GROUP_ARN = `arn:aws:codedeploy:us-east-1:${ACCOUNT}:deploymentgroup:web/web-dev`;
const APP_ARN = `arn:aws:codedeploy:us-east-1:${ACCOUNT}:application:web`;
const SERVICE_ROLE = `arn:aws:iam::${ACCOUNT}:role/web-dev-codedeploy`;

const POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'ThisApplication', Effect: 'Allow', Action: 'codedeploy:GetApplication', Resource: APP_ARN },
    {
      Sid: 'ThisGroup',
      Effect: 'Allow',
      Action: ['codedeploy:GetDeploymentGroup', 'codedeploy:CreateDeployment'],
      Resource: GROUP_ARN,
    },
    {
      Sid: 'PassTheServiceRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: SERVICE_ROLE,
      Condition: { StringEquals: { 'iam:PassedToService': 'codedeploy.amazonaws.com' } },
    },
    { Sid: 'NeverStop', Effect: 'Deny', Action: 'codedeploy:StopDeployment', Resource: '*' },
    { Sid: 'SimulateItself', Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: ROLE_ARN },
  ],
};

describe('SimulatePrincipalPolicy', () => {
  let t: TestCloud;
  let admin: iam.IAMClient;
  before(async () => {
    t = await startTestCloud({ world: { applications: ['web'] } });
    admin = new iam.IAMClient(clientConfig(t.lc.url));
    await admin.send(
      new iam.CreateRoleCommand({
        RoleName: 'web-dev-deploy',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    await admin.send(
      new iam.PutRolePolicyCommand({
        RoleName: 'web-dev-deploy',
        PolicyName: 'deploy-this-environment',
        PolicyDocument: JSON.stringify(POLICY),
      }),
    );
    await admin.send(
      new iam.AttachRolePolicyCommand({
        RoleName: 'web-dev-deploy',
        PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSCodeDeployRole',
      }),
    );
  });
  after(async () => {
    admin.destroy();
    await t.close();
  });

  const simulate = (input: Partial<iam.SimulatePrincipalPolicyCommandInput>, client = admin) =>
    client.send(
      new iam.SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE_ARN, ActionNames: [], ...input }),
    );

  it('allowed, explicitDeny and implicitDeny, each action on each resource', async () => {
    const answer = await simulate({
      ActionNames: ['codedeploy:CreateDeployment', 'codedeploy:StopDeployment'],
      ResourceArns: [GROUP_ARN, `arn:aws:codedeploy:us-east-1:${ACCOUNT}:deploymentgroup:web/web-prod`],
    });
    assert.deepEqual(
      answer.EvaluationResults?.map((r) => [
        r.EvalActionName,
        r.EvalResourceName?.split(':').pop(),
        r.EvalDecision,
      ]),
      [
        ['codedeploy:CreateDeployment', 'web/web-dev', 'allowed'],
        ['codedeploy:CreateDeployment', 'web/web-prod', 'implicitDeny'],
        ['codedeploy:StopDeployment', 'web/web-dev', 'explicitDeny'],
        ['codedeploy:StopDeployment', 'web/web-prod', 'explicitDeny'],
      ],
    );
    assert.equal(answer.IsTruncated, false);
    assert.deepEqual(answer.EvaluationResults?.[1]?.MatchedStatements, []);
  });

  it('names the statements that decided, where they are in the document GetRolePolicy answers', async () => {
    const document = decodeURIComponent(
      (
        await admin.send(
          new iam.GetRolePolicyCommand({ RoleName: 'web-dev-deploy', PolicyName: 'deploy-this-environment' }),
        )
      ).PolicyDocument ?? '',
    );
    const statementAt = (m: iam.Statement | undefined) => {
      assert.equal(m?.StartPosition?.Line, 1);
      assert.equal(m?.EndPosition?.Line, 1);
      return JSON.parse(
        document.slice((m?.StartPosition?.Column ?? 0) - 1, (m?.EndPosition?.Column ?? 0) - 1),
      ) as {
        Sid: string;
      };
    };
    const answer = await simulate({
      ActionNames: ['codedeploy:CreateDeployment', 'codedeploy:StopDeployment'],
      ResourceArns: [GROUP_ARN],
    });
    const [create, stop] = answer.EvaluationResults ?? [];
    const warm = (
      await simulate({
        ActionNames: ['autoscaling:PutWarmPool'],
        ResourceArns: [
          `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/web-dev-asg`,
        ],
      })
    ).EvaluationResults?.[0];
    assert.deepEqual(
      create?.MatchedStatements?.map((m) => [m.SourcePolicyId, m.SourcePolicyType, statementAt(m).Sid]),
      [['deploy-this-environment', 'role', 'ThisGroup']],
    );
    // An explicit deny names only the denying statement.
    assert.deepEqual(
      stop?.MatchedStatements?.map((m) => [m.SourcePolicyId, statementAt(m).Sid]),
      [['deploy-this-environment', 'NeverStop']],
    );
    // The AWS managed policy attached to the role.
    assert.equal(warm?.EvalDecision, 'allowed');
    assert.deepEqual(
      warm?.MatchedStatements?.map((m) => [m.SourcePolicyId, m.SourcePolicyType]),
      [['AWSCodeDeployRole', 'aws-managed']],
    );
  });

  it('condition keys come from ContextEntries: without them the condition does not hold', async () => {
    const without = await simulate({ ActionNames: ['iam:PassRole'], ResourceArns: [SERVICE_ROLE] });
    assert.equal(without.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
    const withKey = await simulate({
      ActionNames: ['iam:PassRole'],
      ResourceArns: [SERVICE_ROLE],
      ContextEntries: [
        {
          ContextKeyName: 'iam:PassedToService',
          ContextKeyValues: ['codedeploy.amazonaws.com'],
          ContextKeyType: 'string',
        },
      ],
    });
    assert.equal(withKey.EvaluationResults?.[0]?.EvalDecision, 'allowed');
  });

  it('pages with MaxItems and Marker', async () => {
    const first = await simulate({
      ActionNames: [
        'codedeploy:GetApplication',
        'codedeploy:GetDeploymentGroup',
        'codedeploy:CreateDeployment',
      ],
      MaxItems: 2,
    });
    assert.equal(first.EvaluationResults?.length, 2);
    assert.equal(first.IsTruncated, true);
    const rest = await simulate({
      ActionNames: [
        'codedeploy:GetApplication',
        'codedeploy:GetDeploymentGroup',
        'codedeploy:CreateDeployment',
      ],
      MaxItems: 2,
      Marker: first.Marker,
    });
    assert.deepEqual(
      rest.EvaluationResults?.map((r) => r.EvalActionName),
      ['codedeploy:CreateDeployment'],
    );
  });

  it('what it says is what a session of the role meets', async () => {
    const stsClient = new sts.STSClient(clientConfig(t.lc.url));
    const { Credentials } = await stsClient.send(
      new sts.AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'ci' }),
    );
    stsClient.destroy();
    const credentials = {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    };
    const codedeploy = new cd.CodeDeployClient({ ...clientConfig(t.lc.url), credentials });
    const asRole = new iam.IAMClient({ ...clientConfig(t.lc.url), credentials });
    try {
      const calls: [string, string, () => Promise<unknown>][] = [
        [
          'codedeploy:GetApplication',
          APP_ARN,
          () => codedeploy.send(new cd.GetApplicationCommand({ applicationName: 'web' })),
        ],
        ['codedeploy:ListApplications', '*', () => codedeploy.send(new cd.ListApplicationsCommand({}))],
        [
          'codedeploy:StopDeployment',
          '*',
          () => codedeploy.send(new cd.StopDeploymentCommand({ deploymentId: 'd-AAAAAAAAA' })),
        ],
      ];
      for (const [action, resource, call] of calls) {
        const simulated = (await simulate({ ActionNames: [action], ResourceArns: [resource] }, asRole))
          .EvaluationResults?.[0]?.EvalDecision;
        const refused = await call().then(
          () => false,
          (error: Error) => error.name === 'AccessDeniedException',
        );
        assert.equal(
          refused,
          simulated !== 'allowed',
          `${action}: simulated ${simulated}, refused ${refused}`,
        );
      }
      // The session may simulate only its own role.
      const other = await caught(() =>
        simulate({ PolicySourceArn: SERVICE_ROLE, ActionNames: ['codedeploy:GetApplication'] }, asRole),
      );
      assert.equal(other.name, 'AccessDenied');
      assert.match(
        other.message,
        /iam:SimulatePrincipalPolicy on resource: arn:aws:iam::123456789012:role\/web-dev-codedeploy/,
      );
    } finally {
      codedeploy.destroy();
      asRole.destroy();
    }
  });

  it('a role that is not there, a user, and what it does not simulate', async () => {
    const missing = await caught(() =>
      simulate({ PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/nobody`, ActionNames: ['s3:GetObject'] }),
    );
    assert.equal(missing.name, 'NoSuchEntityException');
    const user = await caught(() =>
      simulate({ PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/jackie`, ActionNames: ['s3:GetObject'] }),
    );
    assert.equal(user.name, 'InvalidInputException');
    const extra = await caught(() =>
      simulate({ ActionNames: ['s3:GetObject'], PolicyInputList: [JSON.stringify(POLICY)] }),
    );
    assert.equal(extra.name, 'InvalidInputException');
    assert.match(extra.message, /PolicyInputList/);
  });
});
