// tier: integration
// Clients take region, endpoint and credentials from the environment a command is given, not from
// the process's: the same code runs against AWS from CI and against a local cloud from a test or the
// demo, with nothing rewriting process.env in between.
import assert from 'node:assert/strict';
import { ListApplicationsCommand } from '@aws-sdk/client-codedeploy';
import { after, before, describe, it } from 'node:test';
import { clientConfig, createAwsClients, isLoopbackEndpoint } from '../../src/aws/clients.js';
import { credentials, startCloud, type TestCloud } from '../support/cloud.js';

describe('client configuration from the injected environment', () => {
  it('reads region, per-service and general endpoints, and static keys with the SDK’s names and order', () => {
    const env = {
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
      AWS_PROFILE: 'ignored-when-keys-are-set',
    };
    const codedeploy = clientConfig('codedeploy', {}, env);
    assert.equal(codedeploy.region, 'eu-west-1');
    assert.equal(codedeploy.endpoint, 'http://127.0.0.1:4566');
    assert.deepEqual(codedeploy.credentials, {
      accessKeyId: 'AKID',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
    assert.equal(codedeploy.profile, undefined);
    assert.equal(clientConfig('s3', {}, env).endpoint, 'http://127.0.0.1:9000');
    assert.equal(clientConfig('ec2', {}, { ...env, AWS_REGION: 'us-west-2' }).region, 'us-west-2');
    assert.equal(clientConfig('ec2', { region: 'ap-south-1' }, env).region, 'ap-south-1', 'a flag wins');
  });

  it('a profile when no keys are given, or when --profile names one; configured endpoints can be ignored', () => {
    assert.equal(clientConfig('codedeploy', {}, { AWS_PROFILE: 'ci' }).profile, 'ci');
    const flagged = clientConfig(
      'codedeploy',
      { profile: 'admin' },
      { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' },
    );
    assert.equal(flagged.profile, 'admin');
    assert.equal(flagged.credentials, undefined);
    const ignored = clientConfig(
      'codedeploy',
      {},
      {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
      },
    );
    assert.equal(ignored.endpoint, undefined);
    assert.equal(clientConfig('codedeploy', {}, {}).endpoint, undefined, 'nothing set: AWS’s own endpoints');
  });

  describe('against a local cloud', () => {
    let cloud: TestCloud;
    before(async () => {
      cloud = await startCloud();
    });
    after(() => cloud.close());

    it('a client built from an injected environment alone reaches the endpoint it names', async () => {
      assert.equal(process.env.AWS_ENDPOINT_URL, undefined, 'the process itself points nowhere');
      const clients = createAwsClients(
        {},
        {
          AWS_ENDPOINT_URL: cloud.lc.url,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIDINJECTED',
          AWS_SECRET_ACCESS_KEY: 'injected-secret',
        },
      );
      try {
        const codedeploy = await clients.codedeploy();
        const out = await codedeploy.send(new ListApplicationsCommand({}));
        assert.deepEqual(out.applications ?? [], []);
        const requests = await cloud.requests();
        assert.ok((requests['codedeploy:ListApplications'] ?? 0) >= 1, JSON.stringify(requests));
      } finally {
        clients.destroy();
      }
    });

    it('retries against it as the standard mode does: every attempt made, then the throttle reported', async () => {
      // The backoff is short on a local endpoint (isLoopbackEndpoint); attempts and what is retried are not.
      await cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'ListApplications',
        effect: 'throttle',
      });
      const before = (await cloud.requests())['codedeploy:ListApplications'] ?? 0;
      const clients = createAwsClients({
        endpoint: cloud.lc.url,
        region: 'us-east-1',
        credentials,
        maxAttempts: 4,
      });
      try {
        const codedeploy = await clients.codedeploy();
        await assert.rejects(codedeploy.send(new ListApplicationsCommand({})), {
          name: 'ThrottlingException',
        });
        const after = (await cloud.requests())['codedeploy:ListApplications'] ?? 0;
        assert.equal(after - before, 4, 'four attempts, as maxAttempts says');
      } finally {
        clients.destroy();
        await cloud.clearFaults();
      }
    });

    it('a call whose answer never comes fails as a timeout and is retried, instead of waiting forever', async () => {
      // The first ListApplications is held for ten minutes of real time (a stalled connection); the
      // socket's idle limit ends that attempt, and the next one is answered.
      await cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'ListApplications',
        effect: 'delay',
        ms: 600_000,
        count: 1,
      });
      const before = (await cloud.requests())['codedeploy:ListApplications'] ?? 0;
      const calls: { retries: number; error?: string }[] = [];
      const clients = createAwsClients(
        {
          endpoint: cloud.lc.url,
          region: 'us-east-1',
          credentials,
          maxAttempts: 3,
          socketIdleTimeoutMs: 2_000,
          onCall: (call) => calls.push(call),
        },
        {},
      );
      try {
        const codedeploy = await clients.codedeploy();
        const out = await codedeploy.send(new ListApplicationsCommand({}));
        assert.deepEqual(out.applications ?? [], []);
        const after = (await cloud.requests())['codedeploy:ListApplications'] ?? 0;
        assert.ok(after - before >= 2, `the held attempt and a retry: ${after - before}`);
        assert.equal(calls.length, 1);
        assert.ok((calls[0]?.retries ?? 0) >= 1, JSON.stringify(calls));
      } finally {
        clients.destroy();
        await cloud.clearFaults();
      }
    });
  });

  it('an endpoint on this machine is told from one a network away', () => {
    for (const url of [
      'http://127.0.0.1:4566',
      'http://localhost:4566',
      'http://api.localhost',
      'http://[::1]:80',
      'http://127.3.2.1',
    ])
      assert.ok(isLoopbackEndpoint(url), url);
    for (const url of [
      'https://codedeploy.us-east-1.amazonaws.com',
      'http://10.0.0.5:4566',
      'http://localhost.example.com',
      'not a url',
    ])
      assert.ok(!isLoopbackEndpoint(url), url);
  });
});
