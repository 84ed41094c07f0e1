// tier: integration
// Contract tests of IAM and STS: every implemented operation, called through the real SDK clients,
// returns output that matches AWS's full botocore model, and each service's implemented operations
// are all exercised here (contract.test.ts covers the other services). The raw awsQuery of STS keeps
// its result wrapper, and an unsigned GetCallerIdentity is refused as AWS refuses it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as iam from '@aws-sdk/client-iam';
import * as sts from '@aws-sdk/client-sts';
import { controlClient } from '../../src/control-client.js';
import { loadServiceModel } from '../../src/protocol/model.js';
import { clientConfig, startTestCloud, type TestCloud } from '../harness.js';
import { ContractChecks } from './checks.js';

const ACCOUNT = '123456789012';
const ORG = '0f0e0d0c-0b0a-4909-8807-060504030201';
const PROJECT = '1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d';

describe('contract: IAM and STS responses match the botocore models', () => {
  let t: TestCloud;
  let iamClient: iam.IAMClient;
  let stsClient: sts.STSClient;
  const contract = new ContractChecks();
  const check = (service: 'iam' | 'sts', operation: string, output: unknown) =>
    contract.check(service, operation, output);

  before(async () => {
    t = await startTestCloud({});
    iamClient = new iam.IAMClient(clientConfig(t.lc.url));
    stsClient = new sts.STSClient(clientConfig(t.lc.url));
  });
  after(async () => {
    iamClient.destroy();
    stsClient.destroy();
    await t.close();
  });

  it('IAM', async () => {
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }],
    };
    const created = await iamClient.send(
      new iam.CreateRoleCommand({
        RoleName: 'web-dev-instance',
        Path: '/app/',
        AssumeRolePolicyDocument: JSON.stringify(trust),
        Description: 'instances',
        Tags: [{ Key: 'app', Value: 'web' }],
      }),
    );
    check('iam', 'CreateRole', created);
    assert.equal(created.Role!.Arn, `arn:aws:iam::${ACCOUNT}:role/app/web-dev-instance`);
    assert.match(created.Role!.RoleId!, /^AROA[A-Z2-7]{17}$/);
    const got = await iamClient.send(new iam.GetRoleCommand({ RoleName: 'web-dev-instance' }));
    check('iam', 'GetRole', got);
    // URL-encoded, as IAM answers policy documents.
    assert.deepEqual(JSON.parse(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)), trust);
    assert.equal(got.Role!.MaxSessionDuration, 3600);
    check('iam', 'ListRoles', await iamClient.send(new iam.ListRolesCommand({})));
    const document = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::web-revisions/*' }],
    };
    check(
      'iam',
      'PutRolePolicy',
      await iamClient.send(
        new iam.PutRolePolicyCommand({
          RoleName: 'web-dev-instance',
          PolicyName: 'revisions',
          PolicyDocument: JSON.stringify(document),
        }),
      ),
    );
    const policy = await iamClient.send(
      new iam.GetRolePolicyCommand({ RoleName: 'web-dev-instance', PolicyName: 'revisions' }),
    );
    check('iam', 'GetRolePolicy', policy);
    assert.deepEqual(JSON.parse(decodeURIComponent(policy.PolicyDocument!)), document);
    const names = await iamClient.send(new iam.ListRolePoliciesCommand({ RoleName: 'web-dev-instance' }));
    check('iam', 'ListRolePolicies', names);
    assert.deepEqual(names.PolicyNames, ['revisions']);
    const managed = 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy';
    check(
      'iam',
      'AttachRolePolicy',
      await iamClient.send(
        new iam.AttachRolePolicyCommand({ RoleName: 'web-dev-instance', PolicyArn: managed }),
      ),
    );
    const attached = await iamClient.send(
      new iam.ListAttachedRolePoliciesCommand({ RoleName: 'web-dev-instance' }),
    );
    check('iam', 'ListAttachedRolePolicies', attached);
    assert.deepEqual(attached.AttachedPolicies, [
      { PolicyName: 'CloudWatchAgentServerPolicy', PolicyArn: managed },
    ]);
    check(
      'iam',
      'SimulatePrincipalPolicy',
      await iamClient.send(
        new iam.SimulatePrincipalPolicyCommand({
          PolicySourceArn: created.Role!.Arn,
          ActionNames: ['s3:GetObject', 's3:DeleteObject'],
          ResourceArns: ['arn:aws:s3:::web-revisions/web/app.zip'],
        }),
      ),
    );

    const profile = await iamClient.send(
      new iam.CreateInstanceProfileCommand({ InstanceProfileName: 'web-dev' }),
    );
    check('iam', 'CreateInstanceProfile', profile);
    check(
      'iam',
      'AddRoleToInstanceProfile',
      await iamClient.send(
        new iam.AddRoleToInstanceProfileCommand({
          InstanceProfileName: 'web-dev',
          RoleName: 'web-dev-instance',
        }),
      ),
    );
    const gotProfile = await iamClient.send(
      new iam.GetInstanceProfileCommand({ InstanceProfileName: 'web-dev' }),
    );
    check('iam', 'GetInstanceProfile', gotProfile);
    assert.deepEqual(
      gotProfile.InstanceProfile!.Roles!.map((r) => r.RoleName),
      ['web-dev-instance'],
    );

    const provider = await iamClient.send(
      new iam.CreateOpenIDConnectProviderCommand({
        Url: `https://oidc.circleci.com/org/${ORG}`,
        ClientIDList: [ORG],
        ThumbprintList: [],
      }),
    );
    check('iam', 'CreateOpenIDConnectProvider', provider);
    assert.equal(
      provider.OpenIDConnectProviderArn,
      `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.circleci.com/org/${ORG}`,
    );
    const gotProvider = await iamClient.send(
      new iam.GetOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: provider.OpenIDConnectProviderArn,
      }),
    );
    check('iam', 'GetOpenIDConnectProvider', gotProvider);
    assert.equal(gotProvider.Url, `oidc.circleci.com/org/${ORG}`);
    check(
      'iam',
      'ListOpenIDConnectProviders',
      await iamClient.send(new iam.ListOpenIDConnectProvidersCommand({})),
    );

    check(
      'iam',
      'DetachRolePolicy',
      await iamClient.send(
        new iam.DetachRolePolicyCommand({ RoleName: 'web-dev-instance', PolicyArn: managed }),
      ),
    );
    check(
      'iam',
      'DeleteRolePolicy',
      await iamClient.send(
        new iam.DeleteRolePolicyCommand({ RoleName: 'web-dev-instance', PolicyName: 'revisions' }),
      ),
    );
    await iamClient.send(
      new iam.CreateRoleCommand({ RoleName: 'scratch', AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    check('iam', 'DeleteRole', await iamClient.send(new iam.DeleteRoleCommand({ RoleName: 'scratch' })));
  });

  it('IAM errors: ValidationError, NoSuchEntity 404, EntityAlreadyExists 409, MalformedPolicyDocument 400, DeleteConflict 409', async () => {
    const refusal = async (call: () => Promise<unknown>) => {
      try {
        await call();
      } catch (error) {
        const e = error as Error & { $metadata: { httpStatusCode?: number } };
        return `${e.name} ${e.$metadata.httpStatusCode}: ${e.message}`;
      }
      throw new Error('expected a refusal');
    };
    assert.equal(
      await refusal(() => iamClient.send(new iam.GetRoleCommand({ RoleName: 'nobody' }))),
      'NoSuchEntityException 404: The role with name nobody cannot be found.',
    );
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    assert.equal(
      await refusal(() =>
        iamClient.send(new iam.CreateRoleCommand({ RoleName: 'two words', AssumeRolePolicyDocument: trust })),
      ),
      "ValidationError 400: 1 validation error detected: Value 'two words' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
    await iamClient.send(new iam.CreateRoleCommand({ RoleName: 'twice', AssumeRolePolicyDocument: trust }));
    assert.equal(
      await refusal(() =>
        iamClient.send(new iam.CreateRoleCommand({ RoleName: 'twice', AssumeRolePolicyDocument: trust })),
      ),
      'EntityAlreadyExistsException 409: Role with name twice already exists.',
    );
    assert.equal(
      await refusal(() =>
        iamClient.send(
          new iam.PutRolePolicyCommand({ RoleName: 'twice', PolicyName: 'p', PolicyDocument: '{not json' }),
        ),
      ),
      'MalformedPolicyDocumentException 400: This policy contains invalid Json',
    );
    await iamClient.send(
      new iam.PutRolePolicyCommand({
        RoleName: 'twice',
        PolicyName: 'p',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      }),
    );
    assert.equal(
      await refusal(() => iamClient.send(new iam.DeleteRoleCommand({ RoleName: 'twice' }))),
      'DeleteConflictException 409: Cannot delete entity, must delete policies first.',
    );
    assert.equal(
      await refusal(() =>
        iamClient.send(
          new iam.AttachRolePolicyCommand({
            RoleName: 'twice',
            PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy',
          }),
        ),
      ),
      'NoSuchEntityException 404: Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.',
    );
  });

  it('STS', async () => {
    const identity = await stsClient.send(new sts.GetCallerIdentityCommand({}));
    check('sts', 'GetCallerIdentity', identity);
    assert.equal(identity.Account, ACCOUNT);
    assert.equal(identity.Arn, `arn:aws:iam::${ACCOUNT}:user/localcloud`);
    assert.match(identity.UserId ?? '', /^AIDA[A-Z2-7]{17}$/);

    await iamClient.send(
      new iam.CreateRoleCommand({
        RoleName: 'deployer',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
            {
              Effect: 'Allow',
              Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.circleci.com/org/${ORG}` },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { [`oidc.circleci.com/org/${ORG}:aud`]: ORG } },
            },
          ],
        }),
      }),
    );
    check(
      'sts',
      'AssumeRole',
      await stsClient.send(
        new sts.AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`,
          RoleSessionName: 'contract',
        }),
      ),
    );
    const { token } = await controlClient(t.lc.url).circleCiToken({ orgId: ORG, projectId: PROJECT });
    check(
      'sts',
      'AssumeRoleWithWebIdentity',
      await stsClient.send(
        new sts.AssumeRoleWithWebIdentityCommand({
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`,
          RoleSessionName: 'contract',
          WebIdentityToken: token,
        }),
      ),
    );
  });

  it('covers every implemented IAM and STS operation', () => {
    for (const service of ['iam', 'sts'] as const) {
      assert.deepEqual(
        contract.exercised(service),
        Object.keys(loadServiceModel(service).operations).sort(),
        `${service} operations without a contract check`,
      );
    }
  });
});

describe('contract: STS raw wire format', () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({});
  });
  after(async () => t.close());

  const post = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(t.lc.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0`,
        ...headers,
      },
      body,
    });
    return { status: response.status, text: await response.text() };
  };

  it('STS GetCallerIdentity: awsQuery with its result wrapper, the caller named by the signing access key; unsigned, refused as AWS refuses it', async () => {
    const { status, text } = await post('Action=GetCallerIdentity&Version=2011-06-15');
    assert.equal(status, 200);
    assert.match(
      text,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><GetCallerIdentityResult><UserId>AIDA[A-Z2-7]{17}<\/UserId><Account>123456789012<\/Account><Arn>arn:aws:iam::123456789012:user\/localcloud<\/Arn><\/GetCallerIdentityResult><ResponseMetadata>/,
    );
    const userId = (key: string) =>
      post('Action=GetCallerIdentity&Version=2011-06-15', {
        authorization: `AWS4-HMAC-SHA256 Credential=${key}/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0`,
      }).then(({ text: body }) => /<UserId>([^<]+)<\/UserId>/.exec(body)?.[1]);
    const [one, again, other] = await Promise.all([userId('AKIDONE'), userId('AKIDONE'), userId('AKIDTWO')]);
    assert.equal(one, again, 'one access key, one caller');
    assert.notEqual(one, other, 'two access keys, two callers');

    // No SigV4 credential at all: routed by its Version, refused for want of one.
    const unsigned = await fetch(t.lc.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    assert.equal(unsigned.status, 403);
    assert.match(
      await unsigned.text(),
      /<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/,
    );
  });

  it('STS errors on the wire: InvalidIdentityToken 400 and AccessDenied 403 in <ErrorResponse>', async () => {
    const unsigned = (body: string) =>
      fetch(t.lc.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }).then(async (r) => ({ status: r.status, text: await r.text() }));
    const bad = await unsigned(
      `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A${ACCOUNT}%3Arole%2Fx&RoleSessionName=checker&WebIdentityToken=not-a-jwt`,
    );
    assert.equal(bad.status, 400);
    assert.match(
      bad.text,
      /<Error><Type>Sender<\/Type><Code>InvalidIdentityToken<\/Code><Message>The web identity token/,
    );
    const denied = await post(
      `Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A${ACCOUNT}%3Arole%2Fnone&RoleSessionName=checker`,
    );
    assert.equal(denied.status, 403);
    assert.match(
      denied.text,
      /<Code>AccessDenied<\/Code><Message>User: arn:aws:iam::123456789012:user\/localcloud is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/none<\/Message>/,
    );
  });
});
