// tier: integration
// Credentials that STS hands out, through the real SDK clients on a manual clock: a CircleCI job's
// OIDC token is exchanged for a role's session (AssumeRoleWithWebIdentity, the role's trust policy
// and the account's OIDC provider deciding), calls signed with it are evaluated against the role's
// policies (AccessDenied naming action and resource when none allows), and once the session's
// Expiration has passed on AWS time every service refuses it as AWS does. (The SDK names an STS
// error by its shape: the wire's InvalidIdentityToken is its InvalidIdentityTokenException.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as cfn from '@aws-sdk/client-cloudformation';
import * as cd from '@aws-sdk/client-codedeploy';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as ec2 from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import * as sts from '@aws-sdk/client-sts';
import { controlClient } from '../../src/control-client.js';
import { caught, clientConfig, startTestCloud, type TestCloud } from '../harness.js';

const ACCOUNT = '123456789012';
const ORG = '0f0e0d0c-0b0a-4909-8807-060504030201';
const PROJECT = '1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d';
const OTHER_PROJECT = '99999999-5e6f-4a0b-9c8d-7e6f5a4b3c2d';
const ISSUER_HOST = `oidc.circleci.com/org/${ORG}`;
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER_HOST}`;

const WORLD = {
  launchTemplates: [{ name: 'web-lt', imageId: 'ami-0123456789abcdef0' }],
  targetGroups: [{ name: 'web-dev-tg', port: 8000 }],
  autoScalingGroups: [
    { name: 'web-dev-asg', instances: 2, availabilityZones: ['us-east-1a'], launchTemplate: 'web-lt' },
  ],
  alarms: ['web-dev-5xx', 'other-5xx'],
  buckets: ['web-revisions'],
  applications: ['web'],
};

/** The deploy role's trust policy, as sam-template.yaml writes it for a non-production environment. */
const TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${ISSUER_HOST}:aud`]: ORG },
        StringLike: { [`${ISSUER_HOST}:sub`]: `org/${ORG}/project/${PROJECT}/user/*` },
      },
    },
  ],
};

/** A few of the template's DeployRole statements: enough to see allowed and denied calls in every service. */
const DEPLOY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['codedeploy:GetApplication', 'codedeploy:ListDeploymentGroups'],
      Resource: `arn:aws:codedeploy:us-east-1:${ACCOUNT}:application:web`,
    },
    { Effect: 'Allow', Action: ['codedeploy:ListApplications'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: [
        'autoscaling:DescribeAutoScalingGroups',
        'elasticloadbalancing:DescribeTargetGroups',
        'ec2:DescribeInstances',
      ],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: 'cloudwatch:DescribeAlarms',
      Resource: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:web-dev-*`,
    },
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::web-revisions/*' },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::web-revisions' },
    {
      Effect: 'Allow',
      Action: 'iam:GetRole',
      Resource: `arn:aws:iam::${ACCOUNT}:role/web-dev-circleci-deploy`,
    },
  ],
};

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

function clientsWith(url: string, credentials: Credentials) {
  const config = { ...clientConfig(url), credentials, maxAttempts: 1 };
  return {
    sts: new sts.STSClient(config),
    codedeploy: new cd.CodeDeployClient(config),
    autoscaling: new asg.AutoScalingClient(config),
    elbv2: new elb.ElasticLoadBalancingV2Client(config),
    ec2: new ec2.EC2Client(config),
    cloudwatch: new cw.CloudWatchClient(config),
    s3: new s3.S3Client({ ...config, forcePathStyle: true }),
    iam: new iam.IAMClient(config),
    cloudformation: new cfn.CloudFormationClient(config),
  };
}

describe('STS sessions: OIDC web identity, enforcement, expiry', () => {
  let t: TestCloud;
  let adminIam: iam.IAMClient;
  let anonymousSts: sts.STSClient;
  const control = () => controlClient(t.lc.url);

  const token = async (project = PROJECT) =>
    (await control().circleCiToken({ orgId: ORG, projectId: project })).token;
  const assume = async (
    webIdentityToken: string,
    extra: Partial<sts.AssumeRoleWithWebIdentityCommandInput> = {},
  ) =>
    anonymousSts.send(
      new sts.AssumeRoleWithWebIdentityCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/web-dev-circleci-deploy`,
        RoleSessionName: 'circleci-job-42',
        WebIdentityToken: webIdentityToken,
        ...extra,
      }),
    );
  const sessionCredentials = (
    answer: sts.AssumeRoleWithWebIdentityCommandOutput | sts.AssumeRoleCommandOutput,
  ) => ({
    accessKeyId: answer.Credentials!.AccessKeyId!,
    secretAccessKey: answer.Credentials!.SecretAccessKey!,
    sessionToken: answer.Credentials!.SessionToken!,
  });

  before(async () => {
    t = await startTestCloud({ world: WORLD, clock: { manual: new Date('2031-01-01T00:00:00Z') } });
    adminIam = new iam.IAMClient(clientConfig(t.lc.url));
    anonymousSts = new sts.STSClient({ endpoint: t.lc.url, region: 'us-east-1', maxAttempts: 1 });
    await adminIam.send(
      new iam.CreateOpenIDConnectProviderCommand({
        Url: `https://${ISSUER_HOST}`,
        ClientIDList: [ORG],
        ThumbprintList: [],
      }),
    );
    await adminIam.send(
      new iam.CreateRoleCommand({
        RoleName: 'web-dev-circleci-deploy',
        AssumeRolePolicyDocument: JSON.stringify(TRUST),
        MaxSessionDuration: 3600,
      }),
    );
    await adminIam.send(
      new iam.PutRolePolicyCommand({
        RoleName: 'web-dev-circleci-deploy',
        PolicyName: 'deploy-this-environment',
        PolicyDocument: JSON.stringify(DEPLOY_POLICY),
      }),
    );
  });
  after(async () => {
    adminIam.destroy();
    anonymousSts.destroy();
    await t.close();
  });

  it('a CircleCI token is exchanged for the role’s session, which expires an hour later on AWS time', async () => {
    const answer = await assume(await token());
    const credentials = answer.Credentials!;
    assert.match(credentials.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(credentials.Expiration!.toISOString(), '2031-01-01T01:00:00.000Z');
    assert.equal(
      answer.AssumedRoleUser!.Arn,
      `arn:aws:sts::${ACCOUNT}:assumed-role/web-dev-circleci-deploy/circleci-job-42`,
    );
    assert.match(answer.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z2-7]{17}:circleci-job-42$/);
    assert.equal(answer.Audience, ORG);
    assert.match(answer.SubjectFromWebIdentityToken!, new RegExp(`^org/${ORG}/project/${PROJECT}/user/`));
    assert.equal(answer.Provider, PROVIDER_ARN);

    const c = clientsWith(t.lc.url, sessionCredentials(answer));
    const identity = await c.sts.send(new sts.GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, answer.AssumedRoleUser!.Arn);
    assert.equal(identity.UserId, answer.AssumedRoleUser!.AssumedRoleId);

    // Allowed: each a statement of the role's policy.
    await c.codedeploy.send(new cd.GetApplicationCommand({ applicationName: 'web' }));
    await c.codedeploy.send(new cd.ListApplicationsCommand({}));
    await c.autoscaling.send(new asg.DescribeAutoScalingGroupsCommand({}));
    await c.elbv2.send(new elb.DescribeTargetGroupsCommand({}));
    await c.ec2.send(new ec2.DescribeInstancesCommand({}));
    await c.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: ['web-dev-5xx'] }));
    await c.s3.send(new s3.PutObjectCommand({ Bucket: 'web-revisions', Key: 'web/a.zip', Body: 'zip' }));
    await c.s3.send(new s3.GetObjectCommand({ Bucket: 'web-revisions', Key: 'web/a.zip' }));
    await c.s3.send(new s3.ListObjectsV2Command({ Bucket: 'web-revisions' }));
    await c.iam.send(new iam.GetRoleCommand({ RoleName: 'web-dev-circleci-deploy' }));

    // One AWS hour later (the default DurationSeconds), every service refuses the session.
    await t.time!.advance(3600_000);
    const expired = [
      ['sts', () => c.sts.send(new sts.GetCallerIdentityCommand({}))],
      ['codedeploy', () => c.codedeploy.send(new cd.ListApplicationsCommand({}))],
      ['autoscaling', () => c.autoscaling.send(new asg.DescribeAutoScalingGroupsCommand({}))],
      ['elbv2', () => c.elbv2.send(new elb.DescribeTargetGroupsCommand({}))],
      ['ec2', () => c.ec2.send(new ec2.DescribeInstancesCommand({}))],
      ['cloudwatch', () => c.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: ['web-dev-5xx'] }))],
      ['s3', () => c.s3.send(new s3.GetObjectCommand({ Bucket: 'web-revisions', Key: 'web/a.zip' }))],
      ['iam', () => c.iam.send(new iam.GetRoleCommand({ RoleName: 'web-dev-circleci-deploy' }))],
      ['cloudformation', () => c.cloudformation.send(new cfn.DescribeStacksCommand({}))],
    ] as const;
    const errors = await Promise.all(
      expired.map(async ([service, call]) => [service, await caught(call)] as const),
    );
    const seen = Object.fromEntries(
      errors.map(([service, error]) => [
        service,
        `${error.name} ${error.$metadata?.httpStatusCode}: ${error.message}`,
      ]),
    );
    const query = 'ExpiredToken 403: The security token included in the request is expired';
    assert.deepEqual(seen, {
      sts: query,
      codedeploy: 'ExpiredTokenException 400: The security token included in the request is expired',
      autoscaling: query,
      elbv2: query,
      ec2: 'ExpiredToken 400: The security token included in the request is expired',
      cloudwatch: query,
      s3: 'ExpiredToken 400: The provided token has expired.',
      iam: query,
      cloudformation: query,
    });
    for (const client of Object.values(c)) client.destroy();
  });

  it('a call no statement allows is AccessDenied in each service’s words, naming action and resource', async () => {
    const c = clientsWith(t.lc.url, sessionCredentials(await assume(await token())));
    const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/web-dev-circleci-deploy/circleci-job-42`;
    const denied = async (call: () => Promise<unknown>) => {
      const error = await caught(call);
      return `${error.name} ${error.$metadata?.httpStatusCode}: ${error.message}`;
    };
    assert.equal(
      await denied(() => c.codedeploy.send(new cd.GetApplicationCommand({ applicationName: 'api' }))),
      `AccessDeniedException 400: User: ${principal} is not authorized to perform: codedeploy:GetApplication on resource: arn:aws:codedeploy:us-east-1:${ACCOUNT}:application:api because no identity-based policy allows the codedeploy:GetApplication action`,
    );
    const groupArn = t.lc.cloud.region('us-east-1').autoscaling.get('web-dev-asg')!.arn;
    assert.equal(
      await denied(() =>
        c.autoscaling.send(
          new asg.SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-dev-asg', DesiredCapacity: 3 }),
        ),
      ),
      `AccessDenied 403: User: ${principal} is not authorized to perform: autoscaling:SetDesiredCapacity on resource: ${groupArn} because no identity-based policy allows the autoscaling:SetDesiredCapacity action`,
    );
    assert.equal(
      await denied(() => c.elbv2.send(new elb.DescribeLoadBalancersCommand({}))),
      `AccessDenied 403: User: ${principal} is not authorized to perform: elasticloadbalancing:DescribeLoadBalancers because no identity-based policy allows the elasticloadbalancing:DescribeLoadBalancers action`,
    );
    assert.equal(
      await denied(() => c.ec2.send(new ec2.DescribeLaunchTemplatesCommand({}))),
      `UnauthorizedOperation 403: You are not authorized to perform this operation. User: ${principal} is not authorized to perform: ec2:DescribeLaunchTemplates because no identity-based policy allows the ec2:DescribeLaunchTemplates action`,
    );
    assert.equal(
      await denied(() => c.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: ['other-5xx'] }))),
      `AccessDenied 403: User: ${principal} is not authorized to perform: cloudwatch:DescribeAlarms on resource: arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:other-5xx because no identity-based policy allows the cloudwatch:DescribeAlarms action`,
    );
    assert.equal(
      await denied(() =>
        c.s3.send(new s3.DeleteObjectCommand({ Bucket: 'web-revisions', Key: 'web/a.zip' })),
      ),
      `AccessDenied 403: User: ${principal} is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::web-revisions/web/a.zip" because no identity-based policy allows the s3:DeleteObject action`,
    );
    assert.equal(
      await denied(() => c.iam.send(new iam.ListRolesCommand({}))),
      `AccessDenied 403: User: ${principal} is not authorized to perform: iam:ListRoles because no identity-based policy allows the iam:ListRoles action`,
    );
    // Nothing was done: the group keeps its size.
    assert.equal(t.lc.cloud.region('us-east-1').autoscaling.get('web-dev-asg')!.desiredCapacity, 2);
    for (const client of Object.values(c)) client.destroy();
  });

  it('the token is checked: its project against the trust policy, its issuer against the account, its signature and its exp on AWS time', async () => {
    const refusal = async (call: () => Promise<unknown>) => {
      const error = await caught(call);
      return `${error.name} ${error.$metadata?.httpStatusCode}: ${error.message}`;
    };
    assert.equal(
      await refusal(async () => assume(await token(OTHER_PROJECT))),
      'AccessDenied 403: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
    const otherOrg = '11111111-2222-4333-8444-555555555555';
    const foreign = (await control().circleCiToken({ orgId: otherOrg, projectId: PROJECT })).token;
    assert.equal(
      await refusal(() => assume(foreign)),
      `InvalidIdentityTokenException 400: No OpenIDConnect provider found in your account for https://oidc.circleci.com/org/${otherOrg}`,
    );
    const [header, payload] = (await token()).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: claims.sub })).toString('base64url')}.${Buffer.from('not a signature').toString('base64url')}`;
    assert.match(
      await refusal(() => assume(forged)),
      /^InvalidIdentityTokenException 400: The web identity token that was passed could not be validated by AWS/,
    );
    assert.equal(
      await refusal(() => assume('not-a-jwt')),
      'InvalidIdentityTokenException 400: The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.',
    );

    const minted = await control().circleCiToken({ orgId: ORG, projectId: PROJECT });
    assert.equal((minted.claims.exp as number) - (minted.claims.iat as number), 3600);
    await t.time!.advance(3600_000);
    const now = Math.floor(t.lc.cloud.scheduler.now().getTime() / 1000);
    assert.equal(
      await refusal(() => assume(minted.token)),
      `ExpiredTokenException 400: Token expired: current date/time ${now} must be before the expiration date/time${minted.claims.exp as number}`,
    );
  });

  it('DurationSeconds above the role’s MaxSessionDuration is refused; within it, the session lasts as asked', async () => {
    const error = await caught(async () => assume(await token(), { DurationSeconds: 7200 }));
    assert.equal(error.name, 'ValidationError');
    assert.equal(
      error.message,
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
    const answer = await assume(await token(), { DurationSeconds: 900 });
    assert.equal(answer.Credentials!.Expiration!.getTime() - t.lc.cloud.scheduler.now().getTime(), 900_000);
  });

  it('a session token the cloud never issued is refused; static keys keep doing everything', async () => {
    const made = { accessKeyId: 'ASIAMADEUPKEY2345678', secretAccessKey: 'x', sessionToken: 'IQoJmadeup' };
    const c = clientsWith(t.lc.url, made);
    const unknown = await caught(() => c.autoscaling.send(new asg.DescribeAutoScalingGroupsCommand({})));
    assert.equal(
      `${unknown.name}: ${unknown.message}`,
      'InvalidClientTokenId: The security token included in the request is invalid.',
    );
    const cdUnknown = await caught(() => c.codedeploy.send(new cd.ListApplicationsCommand({})));
    assert.equal(cdUnknown.name, 'UnrecognizedClientException');
    for (const client of Object.values(c)) client.destroy();
    // A key STS issued with another session's token is no better.
    const real = sessionCredentials(await assume(await token()));
    const mixed = clientsWith(t.lc.url, { ...real, sessionToken: `${real.sessionToken}x` });
    const mismatch = await caught(() => mixed.ec2.send(new ec2.DescribeInstancesCommand({})));
    assert.equal(`${mismatch.name} ${mismatch.$metadata?.httpStatusCode}`, 'AuthFailure 401');
    for (const client of Object.values(mixed)) client.destroy();
    // The harness's static keys: allow-all, as before IAM existed.
    await t.autoscaling.send(
      new asg.SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-dev-asg', DesiredCapacity: 2 }),
    );
  });

  it('AssumeRole: a role whose trust policy names the account, with an AWS managed policy attached', async () => {
    await adminIam.send(
      new iam.CreateRoleCommand({
        RoleName: 'fleet-reader',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    await adminIam.send(
      new iam.AttachRolePolicyCommand({
        RoleName: 'fleet-reader',
        PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSCodeDeployRole',
      }),
    );
    const staticSts = new sts.STSClient(clientConfig(t.lc.url));
    const answer = await staticSts.send(
      new sts.AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/fleet-reader`,
        RoleSessionName: 'reader',
      }),
    );
    staticSts.destroy();
    const c = clientsWith(t.lc.url, sessionCredentials(answer));
    assert.equal(
      (await c.sts.send(new sts.GetCallerIdentityCommand({}))).Arn,
      `arn:aws:sts::${ACCOUNT}:assumed-role/fleet-reader/reader`,
    );
    // AWSCodeDeployRole grants Auto Scaling's and ELBv2's reads, not CodeDeploy's own API.
    await c.autoscaling.send(new asg.DescribeAutoScalingGroupsCommand({}));
    await c.elbv2.send(new elb.DescribeTargetGroupsCommand({}));
    const error = await caught(() => c.codedeploy.send(new cd.ListApplicationsCommand({})));
    assert.equal(error.name, 'AccessDeniedException');
    for (const client of Object.values(c)) client.destroy();

    // Role chaining: a session needs sts:AssumeRole in its own role's policies when the trust policy
    // names the account, and its new session lasts at most an hour.
    const chained = clientsWith(t.lc.url, sessionCredentials(await assume(await token())));
    const chain = (DurationSeconds?: number) =>
      chained.sts.send(
        new sts.AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/fleet-reader`,
          RoleSessionName: 'chained',
          ...(DurationSeconds ? { DurationSeconds } : {}),
        }),
      );
    const unchained = await caught(() => chain());
    assert.equal(
      `${unchained.name}: ${unchained.message}`,
      `AccessDenied: User: arn:aws:sts::${ACCOUNT}:assumed-role/web-dev-circleci-deploy/circleci-job-42 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/fleet-reader`,
    );
    await adminIam.send(
      new iam.PutRolePolicyCommand({
        RoleName: 'web-dev-circleci-deploy',
        PolicyName: 'chain',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Resource: `arn:aws:iam::${ACCOUNT}:role/fleet-reader`,
            },
          ],
        }),
      }),
    );
    assert.equal(
      (await chain()).AssumedRoleUser!.Arn,
      `arn:aws:sts::${ACCOUNT}:assumed-role/fleet-reader/chained`,
    );
    const tooLong = await caught(() => chain(7200));
    assert.equal(
      tooLong.message,
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
    for (const client of Object.values(chained)) client.destroy();

    // A role that does not trust the caller: AccessDenied naming the role.
    await adminIam.send(
      new iam.CreateRoleCommand({ RoleName: 'ec2-only', AssumeRolePolicyDocument: JSON.stringify(TRUST) }),
    );
    const refusing = new sts.STSClient(clientConfig(t.lc.url));
    const refused = await caught(() =>
      refusing.send(
        new sts.AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/ec2-only`,
          RoleSessionName: 'checker',
        }),
      ),
    );
    refusing.destroy();
    assert.equal(
      refused.message,
      `User: arn:aws:iam::${ACCOUNT}:user/localcloud is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/ec2-only`,
    );
  });
});
