// tier: unit
// The pure parts of credentials and enforcement: RS256 tokens minted and verified, trust-policy
// conditions as IAM evaluates them, the IAM action and resource ARN of a request, and the words of
// each service's refusals.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Cloud } from '../../src/cloud.js';
import { accessDenied, expiredToken } from '../../src/iam/authorize.js';
import { IAM_PREFIX, requestAuthorization } from '../../src/iam/request-actions.js';
import { createServices } from '../../src/router.js';
import type { RequestContext, SigningName } from '../../src/service.js';
import { CircleCiIssuer } from '../../src/sts/circleci-issuer.js';
import { decodeJwt, publicJwk, signJwt, verifyJwtSignature } from '../../src/sts/jwt.js';
import { evaluateTrust, type TrustRequest } from '../../src/sts/trust.js';

const ORG = '0f0e0d0c-0b0a-4909-8807-060504030201';
const PROJECT = '1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d';

describe('RS256 tokens', () => {
  const issuer = new CircleCiIssuer(() => new Date('2031-01-01T00:00:00Z'));

  it('a minted CircleCI token carries CircleCI’s claims and verifies against the issuer’s JWKS only', () => {
    const { token, claims } = issuer.mint({ orgId: ORG, projectId: PROJECT, contextIds: ['c1'] });
    const iat = Date.parse('2031-01-01T00:00:00Z') / 1000;
    assert.deepEqual(claims, {
      iss: `https://oidc.circleci.com/org/${ORG}`,
      sub: `org/${ORG}/project/${PROJECT}/user/00000000-0000-4000-8000-000000000001`,
      aud: ORG,
      iat,
      exp: iat + 3600,
      'oidc.circleci.com/project-id': PROJECT,
      'oidc.circleci.com/context-ids': ['c1'],
    });
    const jwt = decodeJwt(token)!;
    assert.deepEqual(jwt.claims, claims);
    assert.equal(jwt.header.alg, 'RS256');
    assert.ok(verifyJwtSignature(jwt, issuer.jwks().keys));

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.ok(!verifyJwtSignature(jwt, [publicJwk(other.publicKey, String(jwt.header.kid))]), 'another key');
    const tampered = decodeJwt(
      token.replace(
        /\.[^.]+\./,
        `.${Buffer.from(JSON.stringify({ ...claims, sub: 'x' })).toString('base64url')}.`,
      ),
    )!;
    assert.ok(!verifyJwtSignature(tampered, issuer.jwks().keys), 'changed claims');
    const unsigned = decodeJwt(
      `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${token.split('.')[1]}.`,
    )!;
    assert.ok(!verifyJwtSignature(unsigned, issuer.jwks().keys), 'alg none');
  });

  it('the v2 subject names the VCS origin and ref; bad ids are refused', () => {
    const { claims } = issuer.mint({
      orgId: ORG,
      projectId: PROJECT,
      userId: 'u',
      vcsOrigin: 'github.com/acme/web',
      vcsRef: 'refs/heads/main',
    });
    assert.equal(
      claims.sub,
      `org/${ORG}/project/${PROJECT}/user/u/vcs-origin/github.com/acme/web/vcs-ref/refs/heads/main`,
    );
    assert.throws(() => issuer.mint({ orgId: 'acme', projectId: PROJECT }), /orgId must be a CircleCI id/);
    const hostile = (extra: object) => () => issuer.mint({ orgId: ORG, projectId: PROJECT, ...extra });
    assert.throws(hostile({ contextIds: 'c1' }), /contextIds must be a list of strings/);
    assert.throws(hostile({ userId: 7 }), /userId must be a non-empty string/);
    assert.throws(hostile({ vcsOrigin: 'github.com/a/b' }), /vcsOrigin and vcsRef go together/);
    assert.throws(hostile({ ttlSeconds: 0 }), /ttlSeconds must be a positive integer/);
  });

  it('what is not a compact JWS does not decode', () => {
    for (const text of [
      '',
      'a.b',
      'a.b.c.d',
      '!!.!!.!!',
      `${Buffer.from('[1]').toString('base64url')}.e30.`,
    ]) {
      assert.equal(decodeJwt(text), undefined, text);
    }
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = signJwt({ a: 1 }, key.privateKey, 'k');
    assert.ok(verifyJwtSignature(decodeJwt(token)!, [publicJwk(key.publicKey, 'k')]));
  });
});

describe('trust policies', () => {
  const host = `oidc.circleci.com/org/${ORG}`;
  const provider = `arn:aws:iam::123456789012:oidc-provider/${host}`;
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: provider },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${host}:aud`]: ORG },
          StringLike: {
            [`${host}:sub`]: `org/${ORG}/project/${PROJECT}/user/*/vcs-origin/*/vcs-ref/refs/heads/main`,
          },
        },
      },
    ],
  };
  const request = (sub: string, aud = ORG, arn = provider): TrustRequest => ({
    action: 'sts:AssumeRoleWithWebIdentity',
    principal: { type: 'Federated', arn },
    context: { [`${host.toUpperCase()}:aud`]: aud, [`${host}:sub`]: sub },
  });

  it('StringEquals on aud and StringLike on sub, keys matched regardless of case', () => {
    const main = `org/${ORG}/project/${PROJECT}/user/u1/vcs-origin/github.com/a/b/vcs-ref/refs/heads/main`;
    assert.equal(evaluateTrust(policy, request(main)), 'allow');
    assert.equal(evaluateTrust(policy, request(main.replace('main', 'feature'))), 'deny', 'another branch');
    assert.equal(evaluateTrust(policy, request(main, 'other-org')), 'deny', 'another audience');
    assert.equal(evaluateTrust(policy, request(main, ORG, `${provider}x`)), 'deny', 'another provider');
    assert.equal(
      evaluateTrust(policy, { ...request(main), action: 'sts:AssumeRole' }),
      'deny',
      'another action',
    );
  });

  it('a key the request lacks fails StringEquals and passes StringNotEquals and …IfExists; Deny wins', () => {
    const statement = (condition: object, effect = 'Allow') => ({
      Effect: effect,
      Principal: { AWS: '123456789012' },
      Action: 'sts:*',
      Condition: condition,
    });
    const asAccount: TrustRequest = {
      action: 'sts:AssumeRole',
      principal: {
        type: 'AWS',
        accountId: '123456789012',
        arns: ['arn:aws:iam::123456789012:user/localcloud'],
      },
      context: {},
    };
    const one = (s: object) => evaluateTrust({ Statement: [s] }, asAccount);
    assert.equal(one(statement({ StringEquals: { 'aws:SourceAccount': '123456789012' } })), 'deny');
    assert.equal(one(statement({ StringNotEquals: { 'aws:SourceAccount': '1' } })), 'allow');
    assert.equal(one(statement({ StringEqualsIfExists: { 'aws:SourceAccount': '1' } })), 'allow');
    assert.equal(one(statement({ Null: { 'aws:SourceAccount': 'true' } })), 'allow');
    assert.equal(
      evaluateTrust({ Statement: [statement({}), statement({}, 'Deny')] }, asAccount),
      'deny',
      'an explicit deny',
    );
    assert.equal(
      evaluateTrust(
        {
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        },
        asAccount,
      ),
      'deny',
      'a service principal is not the account',
    );
  });
});

/** Whether the Service Authorization Reference (iam-simulate's data) knows an action. */
async function actionExists(action: string): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: 'arn:aws:iam::123456789012:root',
        action,
        resource: { resource: '*', accountId: '123456789012' },
        contextVariables: {},
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return !(result.resultType === 'error' && result.errors.message === 'invalid.action');
}

describe('the IAM action and resource of a request', () => {
  const cloud = new Cloud();
  // A region's models run timers (metrics, health checks) that would hold the process open.
  after(() => cloud.close());
  const ctx: RequestContext = { region: 'eu-west-1', accountId: '123456789012', requestId: 'r' };
  const of = (service: SigningName, operation: string, input: object) =>
    requestAuthorization(cloud, ctx, service, operation, input);

  it('CodeDeploy, S3, Auto Scaling, ELBv2, EC2 and CloudWatch ARNs as the Service Authorization Reference has them', () => {
    assert.deepEqual(
      of('codedeploy', 'CreateDeployment', { applicationName: 'web', deploymentGroupName: 'web-dev' }),
      {
        action: 'codedeploy:CreateDeployment',
        resources: ['arn:aws:codedeploy:eu-west-1:123456789012:deploymentgroup:web/web-dev'],
      },
    );
    assert.deepEqual(
      of('codedeploy', 'GetDeploymentConfig', { deploymentConfigName: 'CodeDeployDefault.AllAtOnce' })
        .resources,
      ['arn:aws:codedeploy:eu-west-1:123456789012:deploymentconfig:CodeDeployDefault.AllAtOnce'],
    );
    assert.deepEqual(of('codedeploy', 'StopDeployment', { deploymentId: 'd-1' }).resources, ['*']);
    assert.deepEqual(of('s3', 'GetObject', { bucket: 'b', key: 'web/v1.zip' }), {
      action: 's3:GetObject',
      resources: ['arn:aws:s3:::b/web/v1.zip'],
    });
    assert.deepEqual(of('s3', 'ListObjectsV2', { bucket: 'b' }), {
      action: 's3:ListBucket',
      resources: ['arn:aws:s3:::b'],
    });
    assert.deepEqual(of('s3', 'HeadBucket', { bucket: 'b' }).action, 's3:ListBucket');
    assert.deepEqual(of('s3', 'ListBuckets', {}), { action: 's3:ListAllMyBuckets', resources: ['*'] });
    assert.deepEqual(
      of('autoscaling', 'DescribeAutoScalingGroups', { AutoScalingGroupNames: ['a'] }).resources,
      ['*'],
    );
    assert.deepEqual(of('autoscaling', 'UpdateAutoScalingGroup', { AutoScalingGroupName: 'a' }).resources, [
      'arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/a',
    ]);
    assert.deepEqual(of('elasticloadbalancing', 'RegisterTargets', { TargetGroupArn: 'arn:tg' }), {
      action: 'elasticloadbalancing:RegisterTargets',
      resources: ['arn:tg'],
    });
    assert.deepEqual(of('ec2', 'TerminateInstances', { InstanceIds: ['i-1', 'i-2'] }).resources, [
      'arn:aws:ec2:eu-west-1:123456789012:instance/i-1',
      'arn:aws:ec2:eu-west-1:123456789012:instance/i-2',
    ]);
    assert.deepEqual(of('monitoring', 'DescribeAlarms', { AlarmNames: ['web-5xx'] }), {
      action: 'cloudwatch:DescribeAlarms',
      resources: ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-5xx'],
    });
  });

  it('every implemented operation is an action IAM knows', async () => {
    const unknown: string[] = [];
    for (const service of createServices(new Cloud())) {
      for (const operation of Object.keys(service.operations)) {
        const { action } = of(service.signingName, operation, {});
        if (!(await actionExists(action))) unknown.push(action);
      }
    }
    for (const operation of [
      'GetObject',
      'PutObject',
      'ListObjectsV2',
      'HeadObject',
      'HeadBucket',
      'ListBuckets',
      'DeleteObject',
      'CreateBucket',
      'DeleteBucket',
      'GetBucketLocation',
      'GetBucketVersioning',
      'PutBucketVersioning',
    ]) {
      const { action } = of('s3', operation, { bucket: 'b' });
      if (!(await actionExists(action))) unknown.push(action);
    }
    assert.deepEqual(unknown, []);
    assert.equal(IAM_PREFIX.monitoring, 'cloudwatch');
  });
});

describe('refusals in each service’s words', () => {
  const principal = 'arn:aws:sts::123456789012:assumed-role/R/S';
  it('AccessDenied names principal, action and (unless *) resource', () => {
    const cd = accessDenied('codedeploy', principal, 'codedeploy:CreateDeployment', 'arn:dg', false);
    assert.equal(cd.code, 'AccessDeniedException');
    assert.equal(
      cd.message,
      `User: ${principal} is not authorized to perform: codedeploy:CreateDeployment on resource: arn:dg because no identity-based policy allows the codedeploy:CreateDeployment action`,
    );
    const ec2 = accessDenied('ec2', principal, 'ec2:DescribeInstances', '*', false);
    assert.equal(ec2.code, 'UnauthorizedOperation');
    assert.match(
      ec2.message,
      /^You are not authorized to perform this operation\. User: .* ec2:DescribeInstances because/,
    );
    const denied = accessDenied('autoscaling', principal, 'autoscaling:X', '*', true);
    assert.equal([denied.code, denied.status].join(' '), 'AccessDenied 403');
    assert.match(denied.message, /with an explicit deny in an identity-based policy$/);
    assert.equal(expiredToken('codedeploy').code, 'ExpiredTokenException');
    assert.equal(expiredToken('s3').status, 400);
    assert.equal(expiredToken('iam').status, 403);
  });
});
