// tier: unit
// The identity line's words: which account, region, endpoint and credential source, from facts the
// clients gathered (clients.ts asks STS and the SDK's chain; this is what a person then reads).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeTarget } from '../../src/aws/clients.js';
import { credentialSourceOf, identityLine, isAwsEndpoint } from '../../src/aws/identity.js';

describe('the identity line', () => {
  it('names account, principal, region, an endpoint that is not AWS, and the credential source', () => {
    assert.equal(
      identityLine({
        account: '123456789012',
        arn: 'arn:aws:iam::123456789012:user/localcloud',
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:4566',
        endpointIsAws: false,
        credentials: 'env (AWS_ACCESS_KEY_ID)',
      }),
      'AWS: account 123456789012 (arn:aws:iam::123456789012:user/localcloud) · region us-east-1 · ' +
        'endpoint http://127.0.0.1:4566 (not AWS) · credentials env (AWS_ACCESS_KEY_ID)',
    );
  });

  it("says AWS's own endpoints, an unknown account with the reason, and no region", () => {
    const line = identityLine({ endpointIsAws: true, credentials: 'none found', problem: 'no region' });
    assert.equal(
      line,
      'AWS: account unknown (no region) · region none · endpoint AWS (*.<region>.amazonaws.com) · credentials none found',
    );
    assert.match(
      identityLine({ region: 'eu-west-1', endpointIsAws: true, credentials: 'profile ci', account: '1' }),
      /endpoint AWS \(\*\.eu-west-1\.amazonaws\.com\)/,
    );
  });

  it('lists a per-service endpoint beside the general one', () => {
    const target = describeTarget(
      {},
      { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' },
    );
    assert.deepEqual(target, {
      region: 'us-east-1',
      serviceEndpoints: { s3: 'http://127.0.0.1:9000' },
      endpointIsAws: false,
    });
    assert.match(
      identityLine({ ...target, credentials: 'env (AWS_ACCESS_KEY_ID)' }),
      /endpoint AWS \(\*\.us-east-1\.amazonaws\.com\), s3 http:\/\/127\.0\.0\.1:9000 \(not AWS\)/,
    );
    assert.deepEqual(describeTarget({ region: 'eu-west-1' }, {}), {
      region: 'eu-west-1',
      endpointIsAws: true,
    });
    assert.deepEqual(
      describeTarget(
        {},
        {
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL: 'https://vpce-1.codedeploy.us-east-1.vpce.amazonaws.com',
        },
      ),
      {
        region: 'us-east-1',
        endpoint: 'https://vpce-1.codedeploy.us-east-1.vpce.amazonaws.com',
        endpointIsAws: true,
      },
    );
  });

  it("tells AWS's hosts from others", () => {
    assert.equal(isAwsEndpoint('https://sts.us-east-1.amazonaws.com'), true);
    assert.equal(isAwsEndpoint('https://codedeploy.cn-north-1.amazonaws.com.cn'), true);
    assert.equal(isAwsEndpoint('https://sts-fips.us-east-1.api.aws'), true);
    assert.equal(isAwsEndpoint('http://127.0.0.1:4566'), false);
    assert.equal(isAwsEndpoint('http://localhost.amazonaws.com.evil.example'), false);
    assert.equal(isAwsEndpoint('not a url'), false);
  });
});

describe('the credential source, from what the SDK recorded on the credentials', () => {
  const env = {};
  const table: [
    Record<string, string> | undefined,
    { profile?: string; env?: Record<string, string> },
    string,
  ][] = [
    [{ CREDENTIALS_ENV_VARS: 'g' }, {}, 'env (AWS_ACCESS_KEY_ID)'],
    [{ CREDENTIALS_PROFILE: 'n' }, { profile: 'ci' }, 'profile ci'],
    [{ CREDENTIALS_PROFILE: 'n' }, {}, 'profile default'],
    [{ CREDENTIALS_PROFILE: 'n' }, { env: { AWS_PROFILE: 'admin' } }, 'profile admin'],
    [{ CREDENTIALS_PROFILE_SSO: 'r', CREDENTIALS_SSO: 's' }, { profile: 'dev' }, 'SSO (profile dev)'],
    [
      { CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN: 'h', CREDENTIALS_STS_ASSUME_ROLE_WEB_ID: 'k' },
      { env: { AWS_ROLE_ARN: 'arn:aws:iam::1:role/deploy' } },
      'web identity (AWS_WEB_IDENTITY_TOKEN_FILE, role arn:aws:iam::1:role/deploy)',
    ],
    [{ CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN: 'q' }, { profile: 'oidc' }, 'web identity (profile oidc)'],
    [
      { CREDENTIALS_PROFILE_SOURCE_PROFILE: 'o', CREDENTIALS_STS_ASSUME_ROLE: 'i' },
      { profile: 'prod' },
      'profile prod (assumed role)',
    ],
    [{ CREDENTIALS_PROFILE_PROCESS: 'v' }, { profile: 'vault' }, 'profile vault (credential_process)'],
    [{ CREDENTIALS_HTTP: 'z' }, {}, 'container role'],
    [undefined, { env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials' } }, 'container role'],
    [undefined, {}, 'instance role (instance metadata)'],
  ];
  for (const [source, inputs, expected] of table) {
    it(`${JSON.stringify(source ?? {})} → ${expected}`, () =>
      assert.equal(
        credentialSourceOf(source, {
          ...(inputs.profile ? { profile: inputs.profile } : {}),
          env: inputs.env ?? env,
        }),
        expected,
      ));
  }
});
