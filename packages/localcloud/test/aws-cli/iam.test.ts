// tier: e2e
// The AWS CLI (`aws iam`, `aws sts`) as an independent client of EVERY IAM and STS operation the
// local cloud implements: a deploy role and the CircleCI OIDC provider are built and read back, a
// token minted by the control API's CircleCI issuer is exchanged with `aws sts
// assume-role-with-web-identity` (unsigned, as the CLI sends it), and `aws` commands run with the
// session's credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN: the role's
// policy allows one and not the other. The last test compares what the CLI answered, and what the
// server counted, with the implemented operations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { controlClient } from '../../src/control-client.js';
import { AwsCliFailure } from './aws-cli.js';
import { assertCliCoverage } from './coverage.js';
import { startCliSession, type CliSession } from './session.js';

const WORLD = {
  autoScalingGroups: [{ name: 'web-dev-asg', instances: 1, availabilityZones: ['us-east-1a'] }],
  applications: ['web'],
};

const account = '123456789012';
const org = '0f0e0d0c-0b0a-4909-8807-060504030201';
const project = '1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d';
const issuer = `oidc.circleci.com/org/${org}`;
const providerArn = `arn:aws:iam::${account}:oidc-provider/${issuer}`;
const roleArn = `arn:aws:iam::${account}:role/web-dev-circleci-deploy`;

const trust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: providerArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${issuer}:aud`]: org },
        StringLike: { [`${issuer}:sub`]: `org/${org}/project/${project}/user/*` },
      },
    },
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
  ],
};
const readFleet = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'autoscaling:DescribeAutoScalingGroups', Resource: '*' }],
};

type Credentials = { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };

describe('the AWS CLI parses every IAM and STS operation of the local cloud', () => {
  let s: CliSession;

  before(async () => {
    s = await startCliSession(WORLD);
  });
  after(async () => s.close());

  it('iam: a role with inline and managed policies, an instance profile, the OIDC provider', async () => {
    const [created, provider] = await Promise.all([
      s.cli.call<{ Role: { Arn: string; RoleId: string } }>('iam', 'create-role', {
        RoleName: 'web-dev-circleci-deploy',
        AssumeRolePolicyDocument: JSON.stringify(trust),
        MaxSessionDuration: 3600,
      }),
      s.cli.call<{ OpenIDConnectProviderArn: string }>('iam', 'create-open-id-connect-provider', {
        Url: `https://${issuer}`,
        ClientIDList: [org],
        ThumbprintList: [],
      }),
    ]);
    assert.equal(created.Role.Arn, roleArn);
    assert.match(created.Role.RoleId, /^AROA[A-Z2-7]{17}$/);
    assert.equal(provider.OpenIDConnectProviderArn, providerArn);

    await Promise.all([
      s.cli.call('iam', 'put-role-policy', {
        RoleName: 'web-dev-circleci-deploy',
        PolicyName: 'read-the-fleet',
        PolicyDocument: JSON.stringify(readFleet),
      }),
      s.cli.call('iam', 'attach-role-policy', {
        RoleName: 'web-dev-circleci-deploy',
        PolicyArn: 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy',
      }),
      s.cli.call('iam', 'create-instance-profile', { InstanceProfileName: 'web-dev-instance' }),
    ]);
    await s.cli.call('iam', 'add-role-to-instance-profile', {
      InstanceProfileName: 'web-dev-instance',
      RoleName: 'web-dev-circleci-deploy',
    });

    const [role, roles, policy, policies, attached, profile, gotProvider, providers] = await Promise.all([
      s.cli.call<{ Role: { AssumeRolePolicyDocument: unknown; MaxSessionDuration: number } }>(
        'iam',
        'get-role',
        {
          RoleName: 'web-dev-circleci-deploy',
        },
      ),
      s.cli.call<{ Roles: { RoleName: string }[] }>('iam', 'list-roles'),
      s.cli.call<{ PolicyDocument: unknown }>('iam', 'get-role-policy', {
        RoleName: 'web-dev-circleci-deploy',
        PolicyName: 'read-the-fleet',
      }),
      s.cli.call<{ PolicyNames: string[] }>('iam', 'list-role-policies', {
        RoleName: 'web-dev-circleci-deploy',
      }),
      s.cli.call<{ AttachedPolicies: { PolicyName: string }[] }>('iam', 'list-attached-role-policies', {
        RoleName: 'web-dev-circleci-deploy',
      }),
      s.cli.call<{ InstanceProfile: { Roles: { RoleName: string }[] } }>('iam', 'get-instance-profile', {
        InstanceProfileName: 'web-dev-instance',
      }),
      s.cli.call<{ Url: string; ClientIDList: string[] }>('iam', 'get-open-id-connect-provider', {
        OpenIDConnectProviderArn: providerArn,
      }),
      s.cli.call<{ OpenIDConnectProviderList: { Arn: string }[] }>('iam', 'list-open-id-connect-providers'),
    ]);
    // The CLI decodes IAM's URL-encoded policy documents into JSON.
    assert.deepEqual(role.Role.AssumeRolePolicyDocument, trust);
    assert.equal(role.Role.MaxSessionDuration, 3600);
    assert.deepEqual(
      roles.Roles.map((r) => r.RoleName),
      ['web-dev-circleci-deploy'],
    );
    assert.deepEqual(policy.PolicyDocument, readFleet);
    assert.deepEqual(policies.PolicyNames, ['read-the-fleet']);
    assert.deepEqual(
      attached.AttachedPolicies.map((p) => p.PolicyName),
      ['CloudWatchAgentServerPolicy'],
    );
    assert.deepEqual(
      profile.InstanceProfile.Roles.map((r) => r.RoleName),
      ['web-dev-circleci-deploy'],
    );
    assert.deepEqual([gotProvider.Url, gotProvider.ClientIDList], [issuer, [org]]);
    assert.deepEqual(providers.OpenIDConnectProviderList, [{ Arn: providerArn }]);

    // What the role may do, asked of the policy engine its sessions meet.
    const simulated = await s.cli.call<{
      EvaluationResults: {
        EvalActionName: string;
        EvalDecision: string;
        MatchedStatements: { SourcePolicyId: string; SourcePolicyType: string }[];
      }[];
    }>('iam', 'simulate-principal-policy', {
      PolicySourceArn: roleArn,
      ActionNames: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DeleteAutoScalingGroup'],
    });
    assert.deepEqual(
      simulated.EvaluationResults.map((r) => [
        r.EvalActionName,
        r.EvalDecision,
        r.MatchedStatements.map((m) => `${m.SourcePolicyType} ${m.SourcePolicyId}`),
      ]),
      [
        ['autoscaling:DescribeAutoScalingGroups', 'allowed', ['role read-the-fleet']],
        ['autoscaling:DeleteAutoScalingGroup', 'implicitDeny', []],
      ],
    );

    // Taken apart again: a scratch role, a scratch policy, the managed policy.
    await s.cli.call('iam', 'create-role', {
      RoleName: 'scratch',
      AssumeRolePolicyDocument: JSON.stringify(trust),
    });
    await s.cli.call('iam', 'put-role-policy', {
      RoleName: 'scratch',
      PolicyName: 'scratch',
      PolicyDocument: JSON.stringify(readFleet),
    });
    await Promise.all([
      s.cli.call('iam', 'delete-role-policy', { RoleName: 'scratch', PolicyName: 'scratch' }),
      s.cli.call('iam', 'detach-role-policy', {
        RoleName: 'web-dev-circleci-deploy',
        PolicyArn: 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy',
      }),
    ]);
    assert.deepEqual(await s.cli.call('iam', 'delete-role', { RoleName: 'scratch' }), {});
  });

  it('sts: a CircleCI token for the role’s session; its credentials in the environment allow what the role allows', async () => {
    const [{ token }, identity, assumed] = await Promise.all([
      controlClient(s.cloud.lc.url).circleCiToken({ orgId: org, projectId: project }),
      s.cli.call<{ Arn: string }>('sts', 'get-caller-identity'),
      s.cli.call<{ AssumedRoleUser: { Arn: string } }>('sts', 'assume-role', {
        RoleArn: roleArn,
        RoleSessionName: 'from-static-keys',
      }),
    ]);
    assert.equal(identity.Arn, `arn:aws:iam::${account}:user/localcloud`);
    assert.equal(
      assumed.AssumedRoleUser.Arn,
      `arn:aws:sts::${account}:assumed-role/web-dev-circleci-deploy/from-static-keys`,
    );

    const session = await s.cli.call<{ Credentials: Credentials; SubjectFromWebIdentityToken: string }>(
      'sts',
      'assume-role-with-web-identity',
      {
        RoleArn: roleArn,
        RoleSessionName: 'circleci-build-7',
        WebIdentityToken: token,
        DurationSeconds: 900,
      },
    );
    assert.match(session.Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.match(session.SubjectFromWebIdentityToken, new RegExp(`^org/${org}/project/${project}/user/`));
    const env = {
      AWS_ACCESS_KEY_ID: session.Credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: session.Credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: session.Credentials.SessionToken,
    };
    const [me, fleet, denied] = await Promise.all([
      s.cli.call<{ Arn: string }>('sts', 'get-caller-identity', undefined, [], env),
      s.cli.call<{ AutoScalingGroups: { AutoScalingGroupName: string }[] }>(
        'autoscaling',
        'describe-auto-scaling-groups',
        undefined,
        [],
        env,
      ),
      s.cli.call('deploy', 'list-applications', undefined, [], env).then(
        () => undefined,
        (error: unknown) => error,
      ),
    ]);
    assert.equal(me.Arn, `arn:aws:sts::${account}:assumed-role/web-dev-circleci-deploy/circleci-build-7`);
    assert.deepEqual(
      fleet.AutoScalingGroups.map((g) => g.AutoScalingGroupName),
      ['web-dev-asg'],
    );
    assert.ok(denied instanceof AwsCliFailure, 'list-applications is not in the role’s policy');
    assert.match(
      denied.stderr,
      new RegExp(
        `An error occurred \\(AccessDeniedException\\) when calling the ListApplications operation( \\(reached max retries: \\d+\\))?: User: arn:aws:sts::${account}:assumed-role/web-dev-circleci-deploy/circleci-build-7 is not authorized to perform: codedeploy:ListApplications because no identity-based policy allows the codedeploy:ListApplications action`,
      ),
    );
  });

  it('the CLI answered every implemented IAM and STS operation, and the server counted them', async () => {
    assertCliCoverage(['iam', 'sts'], {
      answered: s.cli.answeredOperations(),
      requestCounts: await s.requestCounts(),
    });
  });
});
