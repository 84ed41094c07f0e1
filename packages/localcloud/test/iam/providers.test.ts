// tier: integration
// The IAM resource providers through the CloudFormation SDK on a manual clock: a role and an
// instance profile the template does not name get CloudFormation's generated names, Ref and
// Fn::GetAtt answer as AWS's (a role's name, Arn and RoleId; a profile's name and Arn; an OIDC
// provider's ARN), an update changes the role's policies and session limit in place, deleting
// the stack leaves IAM empty, and a role IAM refuses fails the stack with IAM's words.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as cfn from '@aws-sdk/client-cloudformation';
import * as iam from '@aws-sdk/client-iam';
import { clientConfig, startTestCloud, until, type TestCloud } from '../harness.js';

const ORG = '0f0e0d0c-0b0a-4909-8807-060504030201';

function template(options: { maxSession: number; actions: string[]; managed: string[] }): string {
  return JSON.stringify({
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
          MaxSessionDuration: options.maxSession,
          ManagedPolicyArns: options.managed,
          Policies: [
            {
              PolicyName: 'inline',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: options.actions, Resource: '*' }],
              },
            },
          ],
        },
      },
      Profile: { Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [{ Ref: 'Role' }] } },
      Provider: {
        Type: 'AWS::IAM::OIDCProvider',
        Properties: { Url: `https://oidc.circleci.com/org/${ORG}`, ClientIdList: [ORG] },
      },
    },
    Outputs: {
      RoleName: { Value: { Ref: 'Role' } },
      RoleArn: { Value: { 'Fn::GetAtt': ['Role', 'Arn'] } },
      RoleId: { Value: { 'Fn::GetAtt': ['Role', 'RoleId'] } },
      ProfileName: { Value: { Ref: 'Profile' } },
      ProfileArn: { Value: { 'Fn::GetAtt': ['Profile', 'Arn'] } },
      ProviderArn: { Value: { Ref: 'Provider' } },
    },
  });
}

describe('CloudFormation’s IAM resources', () => {
  let t: TestCloud;
  let stacks: cfn.CloudFormationClient;
  let client: iam.IAMClient;
  let changeSets = 0;

  before(async () => {
    t = await startTestCloud({ clock: { manual: new Date('2031-02-01T00:00:00Z') } });
    stacks = new cfn.CloudFormationClient(clientConfig(t.lc.url));
    client = new iam.IAMClient(clientConfig(t.lc.url));
  });
  after(async () => {
    stacks.destroy();
    client.destroy();
    await t.close();
  });

  /** Creates or updates the stack through a change set and waits for it; answers its outputs. */
  async function deploy(body: string, type: 'CREATE' | 'UPDATE'): Promise<Record<string, string>> {
    const { Id } = await stacks.send(
      new cfn.CreateChangeSetCommand({
        StackName: 'iam',
        ChangeSetName: `${type.toLowerCase()}-${++changeSets}`,
        ChangeSetType: type,
        TemplateBody: body,
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const changeSet = await until(
      () => stacks.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: Id })),
      (c) => c.Status === 'CREATE_COMPLETE' || c.Status === 'FAILED',
      'the change set',
    );
    assert.equal(changeSet.Status, 'CREATE_COMPLETE', changeSet.StatusReason);
    await stacks.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: Id }));
    const stack = await until(
      async () => (await stacks.send(new cfn.DescribeStacksCommand({ StackName: 'iam' }))).Stacks![0]!,
      (s) => !s.StackStatus!.endsWith('_IN_PROGRESS'),
      'the stack',
    );
    assert.equal(stack.StackStatus, `${type}_COMPLETE`, stack.StackStatusReason);
    return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
  }

  it('creates with generated names, updates in place, and deletes', async () => {
    const created = await deploy(
      template({ maxSession: 3600, actions: ['s3:GetObject'], managed: [] }),
      'CREATE',
    );
    assert.match(created.RoleName!, /^iam-Role-[A-Za-z0-9]+$/);
    assert.equal(created.RoleArn, `arn:aws:iam::123456789012:role/${created.RoleName}`);
    assert.match(created.RoleId!, /^AROA[A-Z2-7]{17}$/);
    assert.match(created.ProfileName!, /^iam-Profile-[A-Za-z0-9]+$/);
    assert.equal(created.ProfileArn, `arn:aws:iam::123456789012:instance-profile/${created.ProfileName}`);
    assert.equal(created.ProviderArn, `arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/${ORG}`);
    const profile = await client.send(
      new iam.GetInstanceProfileCommand({ InstanceProfileName: created.ProfileName }),
    );
    assert.deepEqual(
      profile.InstanceProfile!.Roles!.map((r) => r.RoleName),
      [created.RoleName],
    );

    const updated = await deploy(
      template({
        maxSession: 7200,
        actions: ['s3:GetObject', 's3:PutObject'],
        managed: ['arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy'],
      }),
      'UPDATE',
    );
    assert.equal(updated.RoleId, created.RoleId, 'updated in place, not replaced');
    const role = await client.send(new iam.GetRoleCommand({ RoleName: created.RoleName }));
    assert.equal(role.Role!.MaxSessionDuration, 7200);
    const inline = await client.send(
      new iam.GetRolePolicyCommand({ RoleName: created.RoleName, PolicyName: 'inline' }),
    );
    assert.deepEqual(
      (JSON.parse(decodeURIComponent(inline.PolicyDocument!)) as { Statement: { Action: string[] }[] })
        .Statement[0]!.Action,
      ['s3:GetObject', 's3:PutObject'],
    );
    const attached = await client.send(
      new iam.ListAttachedRolePoliciesCommand({ RoleName: created.RoleName }),
    );
    assert.deepEqual(
      attached.AttachedPolicies!.map((p) => p.PolicyName),
      ['CloudWatchAgentServerPolicy'],
    );

    await stacks.send(new cfn.DeleteStackCommand({ StackName: 'iam' }));
    await until(
      async () =>
        (await stacks.send(new cfn.ListStacksCommand({}))).StackSummaries!.find((s) => s.StackName === 'iam'),
      (s) => s?.StackStatus === 'DELETE_COMPLETE',
      'the stack deleted',
    );
    assert.deepEqual((await client.send(new iam.ListRolesCommand({}))).Roles, []);
    assert.deepEqual(
      (await client.send(new iam.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList,
      [],
    );
  });

  it('a role IAM refuses fails the resource with IAM’s words, and the stack rolls back', async () => {
    await client.send(
      new iam.CreateRoleCommand({
        RoleName: 'taken',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      }),
    );
    const { Id } = await stacks.send(
      new cfn.CreateChangeSetCommand({
        StackName: 'clash',
        ChangeSetName: 'create',
        ChangeSetType: 'CREATE',
        TemplateBody: JSON.stringify({
          Resources: {
            Role: {
              Type: 'AWS::IAM::Role',
              Properties: {
                RoleName: 'taken',
                AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
              },
            },
          },
        }),
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    await until(
      () => stacks.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: Id })),
      (c) => c.Status === 'CREATE_COMPLETE',
      'the change set',
    );
    await stacks.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: Id }));
    const stack = await until(
      async () => (await stacks.send(new cfn.DescribeStacksCommand({ StackName: 'clash' }))).Stacks![0]!,
      (s) => !s.StackStatus!.endsWith('_IN_PROGRESS'),
      'the stack',
    );
    assert.equal(stack.StackStatus, 'ROLLBACK_COMPLETE');
    const events = await stacks.send(new cfn.DescribeStackEventsCommand({ StackName: 'clash' }));
    const failed = events.StackEvents!.find(
      (e) => e.LogicalResourceId === 'Role' && e.ResourceStatus === 'CREATE_FAILED',
    );
    assert.match(
      failed?.ResourceStatusReason ?? '',
      /^Resource handler returned message: "Role with name taken already exists\. \(Service: Iam, Status Code: 409, Request ID: [0-9a-f-]+\)" \(RequestToken: [0-9a-f-]+, HandlerErrorCode: AlreadyExists\)$/,
    );
    // The role that was there before is still there, untouched.
    assert.equal((await client.send(new iam.GetRoleCommand({ RoleName: 'taken' }))).Role!.RoleName, 'taken');
  });
});
