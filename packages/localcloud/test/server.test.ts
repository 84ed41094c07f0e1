// tier: integration
// The server: routing, protocol errors, the control API and API-level fault rules, through the real SDK.
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startLocalCloud } from '../src/server.js';
import { caught, startTestCloud, type TestCloud } from './harness.js';

const WORLD = {
  targetGroups: [{ name: 'web-tg', port: 8000 }],
  autoScalingGroups: [
    { name: 'web-asg', instances: 2, availabilityZones: ['us-east-1a'], targetGroups: ['web-tg'] },
  ],
  alarms: ['web-5xx'],
};

// First in the file. In a shard other files' sockets (an SDK client's kept-alive connection) may
// still be closing while it counts, never opening: a failed start-up must not add one.
describe('local cloud start-up', () => {
  /**
   * The process's open sockets, listening ones included: a world that fails must not leave the
   * listener pool bound. (Unreferenced servers are invisible to getActiveResourcesInfo; /proc is not.)
   */
  const sockets = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length;

  it('closes what it started when the world fails to load', async () => {
    const before = sockets();
    await assert.rejects(
      startLocalCloud({
        world: {
          autoScalingGroups: [
            {
              name: 'web-asg',
              instances: 1,
              availabilityZones: ['us-east-1a'],
              targetGroups: ['missing-tg'],
            },
          ],
        },
      }),
      /target group missing-tg is not defined/,
    );
    await assert.rejects(startLocalCloud({ world: '/nonexistent/world.yml' }), /cannot read world file/);
    assert.ok(sockets() <= before, `sockets before the failed start-ups: ${before}, after: ${sockets()}`);
  });
});

describe('local cloud server', () => {
  let t: TestCloud;
  const control = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${t.lc.url}/_localcloud/${path}`, {
      method,
      ...(body !== undefined ? { body } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    t = await startTestCloud();
  });
  after(async () => t.close());
  beforeEach(async () => {
    await control('POST', 'reset');
    await control('POST', 'world', JSON.stringify(WORLD));
  });

  it('listens on 127.0.0.1 only', () => {
    assert.match(t.lc.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(t.lc.port > 0);
  });

  it('answers health and counts requests per service and operation since the last reset', async () => {
    assert.deepEqual(await control('GET', 'health'), { status: 200, body: { status: 'ok' } });
    await t.ec2.send(new DescribeInstancesCommand({}));
    await t.ec2.send(new DescribeInstancesCommand({}));
    await t.cloudwatch.send(new DescribeAlarmsCommand({}));
    assert.deepEqual((await control('GET', 'requests')).body, {
      'ec2:DescribeInstances': 2,
      'monitoring:DescribeAlarms': 1,
    });
    await control('POST', 'reset');
    assert.deepEqual((await control('GET', 'requests')).body, {});
  });

  it('reset forgets every resource', async () => {
    await control('POST', 'reset');
    const groups = await t.autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    assert.deepEqual(groups.AutoScalingGroups, []);
  });

  it('accepts a YAML world and rejects a bad one naming the path', async () => {
    const ok = await control('POST', 'world', 'region: eu-west-1\nalarms: [eu-alarm]\n');
    assert.equal(ok.status, 200);
    const bad = await control(
      'POST',
      'world',
      'autoScalingGroups:\n  - {name: x, instances: many, availabilityZones: [a]}\n',
    );
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error), /autoScalingGroups\.0\.instances/);
  });

  it('a throttle rule returns the service’s own code, and the SDK’s standard retry gets past it', async () => {
    const added = await control(
      'POST',
      'faults',
      JSON.stringify({
        scope: 'api',
        service: 'autoscaling',
        operation: 'DescribeAutoScalingGroups',
        effect: 'throttle',
        count: 1,
      }),
    );
    assert.match(String(added.body.id), /^fault-\d+$/);
    const result = await t.autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    assert.equal(result.AutoScalingGroups?.length, 1);
    assert.equal(result.$metadata.attempts, 2);
    assert.equal((await control('GET', 'requests')).body['autoscaling:DescribeAutoScalingGroups'], 2);
  });

  it('EC2 throttling is RequestLimitExceeded with HTTP 503', async () => {
    await control(
      'POST',
      'faults',
      JSON.stringify({ scope: 'api', service: 'ec2', operation: '*', effect: 'throttle' }),
    );
    const error = await caught(() => t.ec2.send(new DescribeInstancesCommand({})));
    assert.equal(error.name, 'RequestLimitExceeded');
    assert.equal(error.message, 'Request limit exceeded.');
    assert.equal(error.$metadata?.httpStatusCode, 503);
    assert.equal((await control('GET', 'requests')).body['ec2:DescribeInstances'], 3);
  });

  it('count-limited rules run out; DELETE removes every rule', async () => {
    await control(
      'POST',
      'faults',
      JSON.stringify({ scope: 'api', service: 'elasticloadbalancing', effect: 'error500', count: 2 }),
    );
    const listed = await control('GET', 'faults');
    assert.equal((listed.body.faults as unknown[]).length, 1);
    const result = await t.elbv2.send(new DescribeTargetGroupsCommand({}));
    assert.equal(result.$metadata.attempts, 3);
    assert.equal(((await control('GET', 'faults')).body.faults as { remaining: number }[])[0]?.remaining, 0);
    await control(
      'POST',
      'faults',
      JSON.stringify({ scope: 'api', service: 'monitoring', effect: 'throttle' }),
    );
    assert.equal((await control('DELETE', 'faults')).status, 200);
    assert.deepEqual((await control('GET', 'faults')).body.faults, []);
    assert.equal((await t.cloudwatch.send(new DescribeAlarmsCommand({}))).$metadata.attempts, 1);
  });

  it('a reset rule drops the connection', async () => {
    await control(
      'POST',
      'faults',
      JSON.stringify({ scope: 'api', service: 'ec2', effect: 'reset', count: 5 }),
    );
    const error = await caught(() => t.ec2.send(new DescribeInstancesCommand({})));
    assert.match(
      `${error.name} ${(error as { code?: string }).code ?? ''} ${error.message}`,
      /ECONNRESET|socket hang up/,
    );
  });

  it('a delay rule still answers', async () => {
    await control(
      'POST',
      'faults',
      JSON.stringify({
        scope: 'api',
        service: 'monitoring',
        operation: 'DescribeAlarms',
        effect: 'delay',
        ms: 20,
        count: 1,
      }),
    );
    const result = await t.cloudwatch.send(new DescribeAlarmsCommand({}));
    assert.equal(result.MetricAlarms?.[0]?.AlarmName, 'web-5xx');
  });

  it('rejects a bad fault rule with a clear message', async () => {
    const bad = await control(
      'POST',
      'faults',
      JSON.stringify({ scope: 'api', service: 'sqs', effect: 'throttle' }),
    );
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error), /^invalid fault rule: service:/);
    const delay = await control(
      'POST',
      'faults',
      JSON.stringify({ scope: 'api', service: 'ec2', effect: 'delay' }),
    );
    assert.match(String(delay.body.error), /ms: a delay rule needs "ms"/);
    const notJson = await control('POST', 'faults', '{');
    assert.equal(notJson.status, 400);
  });

  it('unknown operations fail loudly in each protocol, naming the operation', async () => {
    const json = await fetch(t.lc.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'CodeDeploy_20141006.RegisterOnPremisesInstance',
      },
      body: '{}',
    });
    assert.equal(json.status, 400);
    assert.deepEqual(await json.json(), {
      __type: 'UnknownOperationException',
      message: 'Operation RegisterOnPremisesInstance is not implemented by the local cloud',
    });
    const query = await fetch(t.lc.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeScheduledActions&Version=2011-01-01',
    });
    assert.equal(query.status, 400);
    assert.match(
      await query.text(),
      /<Code>InvalidAction<\/Code><Message>Operation DescribeScheduledActions is not implemented by the local cloud<\/Message>/,
    );
  });

  it('malformed input gets the protocol’s error, never a crash', async () => {
    const badJson = await fetch(t.lc.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
      },
      body: '{"AlarmNames": [',
    });
    assert.equal(badJson.status, 400);
    assert.equal(((await badJson.json()) as { __type: string }).__type, 'SerializationException');
    const wrongType = await fetch(t.lc.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
      },
      body: '{"MaxRecords": "ten"}',
    });
    assert.deepEqual(await wrongType.json(), {
      __type: 'SerializationException',
      message: 'DescribeAlarms.MaxRecords: expected an integer, got a string',
    });
    const badInteger = await fetch(t.lc.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeAutoScalingGroups&Version=2011-01-01&MaxRecords=lots',
    });
    assert.match(await badInteger.text(), /<Code>ValidationError<\/Code>/);
    const health = await control('GET', 'health');
    assert.equal(health.status, 200);
  });

  it('refuses a body over 10 MB with the protocol’s error', async () => {
    const body = `Action=DescribeAutoScalingGroups&Version=2011-01-01&X=${'a'.repeat(10 * 1024 * 1024 + 1)}`;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${t.lc.url}/`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(status, 413);
    assert.equal((await control('GET', 'health')).status, 200);
  });

  it('a path that does not percent-decode is S3’s InvalidURI, in S3’s XML', async () => {
    const response = await fetch(`${t.lc.url}/b%zz/k`);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-type'), 'application/xml');
    assert.match(
      await response.text(),
      /<Error><Code>InvalidURI<\/Code><Message>Couldn't parse the specified URI\.<\/Message>/,
    );
  });

  it('a control body over 10 MB is refused with 413 and a JSON error', async () => {
    const response = await fetch(`${t.lc.url}/_localcloud/world`, {
      method: 'POST',
      body: ' '.repeat(10 * 1024 * 1024 + 1),
    });
    assert.equal(response.status, 413);
    assert.deepEqual(await response.json(), { error: 'the body is larger than 10485760 bytes' });
  });

  it('routes query requests by the credential scope and takes the region from it', async () => {
    await control('POST', 'world', JSON.stringify({ region: 'eu-west-1', alarms: ['eu-only'] }));
    const response = await fetch(t.lc.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/monitoring/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: 'Action=DescribeAlarms&Version=2010-08-01',
    });
    const text = await response.text();
    assert.match(
      text,
      /<DescribeAlarmsResult><CompositeAlarms\/><MetricAlarms><member><AlarmName>eu-only<\/AlarmName>/,
    );
    assert.match(text, /<CompositeAlarms\/>/);
  });
});
