// tier: integration
// Which AWS the clients talk to, learnt once and told first; every call told on --verbose; calls that
// cannot be made (no region, no credentials) or are refused say what to set or who was refused. Real
// SDK clients against the local cloud, which answers STS GetCallerIdentity as AWS does.
import assert from 'node:assert/strict';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  GetApplicationCommand,
  GetDeploymentGroupCommand,
  ListApplicationsCommand,
} from '@aws-sdk/client-codedeploy';
import { after, before, describe, it } from 'node:test';
import type { AwsCallRecord } from '../../src/aws/call-log.js';
import { createAwsClients, type AwsClientOptions } from '../../src/aws/clients.js';
import { AwsOperationError, NO_REGION, awsCall } from '../../src/aws/errors.js';
import type { AwsIdentity } from '../../src/aws/identity.js';
import { credentials, startCloud, type TestCloud } from '../support/cloud.js';

// Nothing of this machine's own AWS set-up may leak in: the SDK's chain and its region lookup read the
// process's environment and files, whatever greenlight is given.
for (const name of [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
])
  delete process.env[name];
process.env.AWS_CONFIG_FILE = '/nonexistent/greenlight-test/config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/greenlight-test/credentials';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

describe('the clients say which AWS they talk to', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud();
  });
  after(() => cloud.close());

  /** GetApplication through awsCall, refused: the AwsOperationError greenlight would print. */
  async function refusedGetApplication(
    clients: ReturnType<typeof createAwsClients>,
  ): Promise<AwsOperationError> {
    const codedeploy = await clients.codedeploy();
    const error = await awsCall('GetApplication', 'web', () =>
      codedeploy.send(new GetApplicationCommand({ applicationName: 'web' })),
    ).then(
      () => assert.fail('GetApplication was not refused'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof AwsOperationError, String(error));
    return error;
  }

  function clientsWith(options: AwsClientOptions, env: Record<string, string> = cloud.env) {
    const identities: AwsIdentity[] = [];
    const calls: AwsCallRecord[] = [];
    const order: string[] = [];
    const clients = createAwsClients(
      {
        ...options,
        onIdentity: (identity) => {
          identities.push(identity);
          order.push('identity');
        },
        onCall: (call) => calls.push(call),
      },
      env,
    );
    return { clients, identities, calls, order };
  }

  it('asks STS once, alongside the first calls, and tells the identity before any of them answers', async () => {
    const before = (await cloud.requests())['sts:GetCallerIdentity'] ?? 0;
    const { clients, identities, order } = clientsWith({});
    try {
      const [codedeploy, autoscaling] = await Promise.all([clients.codedeploy(), clients.autoscaling()]);
      await Promise.all([
        codedeploy.send(new ListApplicationsCommand({})).then(() => order.push('ListApplications')),
        autoscaling
          .send(new DescribeAutoScalingGroupsCommand({}))
          .then(() => order.push('DescribeAutoScalingGroups')),
        codedeploy
          .send(new GetApplicationCommand({ applicationName: 'nope' }))
          .catch(() => order.push('GetApplication refused')),
      ]);
      await codedeploy.send(new ListApplicationsCommand({}));
      assert.equal(order[0], 'identity', `the identity line comes first: ${order.join(', ')}`);
      assert.equal(identities.length, 1, 'one identity line per run');
      assert.deepEqual(identities[0], {
        region: 'us-east-1',
        endpoint: cloud.lc.url,
        endpointIsAws: false,
        credentials: 'env (AWS_ACCESS_KEY_ID)',
        account: '123456789012',
        arn: 'arn:aws:iam::123456789012:user/localcloud',
        userId: identities[0]?.userId,
      });
      assert.match(identities[0]?.userId ?? '', /^AIDA[A-Z2-7]{17}$/);
      assert.equal(
        ((await cloud.requests())['sts:GetCallerIdentity'] ?? 0) - before,
        1,
        'GetCallerIdentity once',
      );
      assert.deepEqual(await clients.identity(), identities[0], 'asked again, the same answer, no new call');
    } finally {
      clients.destroy();
    }
  });

  // The test's own timeout bounds only a failure: without the identity's deadline it would hang.
  it(
    'an STS that never answers holds nothing: past its deadline the line says so and the calls go on',
    { timeout: 60_000 },
    async () => {
      await cloud.fault({
        scope: 'api',
        service: 'sts',
        operation: 'GetCallerIdentity',
        effect: 'delay',
        ms: 600_000,
      });
      const { clients, identities, order } = clientsWith({ identityDeadlineMs: 200 });
      try {
        const codedeploy = await clients.codedeploy();
        await codedeploy.send(new ListApplicationsCommand({})).then(() => order.push('ListApplications'));
        assert.deepEqual(order, ['identity', 'ListApplications']);
        assert.equal(identities[0]?.account, undefined);
        assert.equal(identities[0]?.problem, 'GetCallerIdentity did not answer within 0.2 s');
      } finally {
        clients.destroy();
        await cloud.clearFaults();
      }
    },
  );

  it('credentials handed over in code are said to be so', async () => {
    const { clients } = clientsWith({ endpoint: cloud.lc.url, region: 'us-east-1', credentials }, {});
    try {
      const identity = await clients.identity();
      assert.equal(identity.credentials, 'static keys (given by the caller)');
      assert.equal(identity.account, '123456789012');
    } finally {
      clients.destroy();
    }
  });

  it('--verbose hears of every call: service, operation, resource, status, error code, retries', async () => {
    const { clients, calls } = clientsWith({});
    try {
      const codedeploy = await clients.codedeploy();
      await cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'ListApplications',
        effect: 'throttle',
        count: 1,
      });
      await codedeploy.send(new ListApplicationsCommand({}));
      await assert.rejects(
        codedeploy.send(
          new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
        ),
      );
      const seen = calls.map(({ durationMs, ...rest }) => {
        assert.ok(durationMs >= 0);
        return rest;
      });
      assert.deepEqual(seen, [
        { service: 'sts', operation: 'GetCallerIdentity', status: 200, retries: 0 },
        { service: 'codedeploy', operation: 'ListApplications', status: 200, retries: 1 },
        {
          service: 'codedeploy',
          operation: 'GetDeploymentGroup',
          resource: 'web/web-dev',
          status: 400,
          error: 'ApplicationDoesNotExistException',
          retries: 0,
        },
      ]);
    } finally {
      await cloud.clearFaults();
      clients.destroy();
    }
  });

  it('access denied names the operation, the resource, the IAM action and the principal refused', async () => {
    const { clients } = clientsWith({});
    try {
      await cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'GetApplication',
        effect: 'error',
        code: 'AccessDeniedException',
        message: 'User is not authorized to perform: codedeploy:GetApplication',
      });
      const error = await refusedGetApplication(clients);
      assert.equal(error.exitCode, 3);
      assert.equal(error.errorClass, 'denied');
      assert.match(
        error.message,
        /^GetApplication on web failed: AccessDeniedException: User is not authorized to perform: codedeploy:GetApplication; arn:aws:iam::123456789012:user\/localcloud may not call codedeploy:GetApplication on web: allow codedeploy:GetApplication in that principal's IAM policy/,
      );
    } finally {
      await cloud.clearFaults();
      clients.destroy();
    }
  });

  it('no region: the call is not made, and the error says what to set (exit 2), not "Region is missing"', async () => {
    const { AWS_REGION: _region, ...env } = cloud.env;
    const { clients, identities } = clientsWith({}, env);
    try {
      const error = await refusedGetApplication(clients);
      assert.equal(error.exitCode, 2);
      assert.equal(error.message, NO_REGION);
      assert.equal(identities[0]?.problem, 'no region');
      assert.equal(identities[0]?.region, undefined);
    } finally {
      clients.destroy();
    }
  });

  it('no credentials anywhere: what the chain tried and what to set (exit 2), not a CredentialsProviderError', async () => {
    const { clients, identities } = clientsWith(
      {},
      { AWS_ENDPOINT_URL: cloud.lc.url, AWS_REGION: 'us-east-1' },
    );
    try {
      const error = await refusedGetApplication(clients);
      assert.equal(error.exitCode, 2);
      assert.match(
        error.message,
        /^no AWS credentials: the SDK looked for AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY/,
      );
      assert.match(error.message, /export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
      assert.doesNotMatch(error.message, /CredentialsProviderError|Could not load credentials/);
      assert.equal(identities[0]?.problem, 'no credentials');
      assert.equal(identities[0]?.credentials, 'none found');
    } finally {
      clients.destroy();
    }
  });

  it('a named profile that does not exist is named in the error', async () => {
    const { clients } = clientsWith(
      { profile: 'nowhere' },
      { AWS_ENDPOINT_URL: cloud.lc.url, AWS_REGION: 'us-east-1' },
    );
    try {
      const error = await refusedGetApplication(clients);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /^no AWS credentials from profile nowhere/);
      assert.match(error.message, /aws sso login --profile nowhere/);
    } finally {
      clients.destroy();
    }
  });
});
