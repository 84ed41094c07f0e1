// tier: integration
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListApplicationsCommand, ListDeploymentConfigsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { createAwsClients, type AwsClients } from '../../../../src/aws/clients.js';
import { API_BODY_LIMIT } from '../../src/router.js';
import { startLocalCloud, type RunningLocalCloud } from '../../src/server.js';
import { hostileString } from './hostile-values.js';
import { rawRequest, type RawResponse } from './raw-http.js';
import { fuzzRuns } from '../../../../test/fuzz/runs.js';

// The control API with random JSON and YAML: every answer is JSON with 200, 400 or 404 (never a
// 500), and a refused world or fault rule changes nothing.

const RUNS = fuzzRuns(20261127, 120);
// Each world run reads the whole inventory twice: fewer runs.
const WORLD_RUNS = fuzzRuns(20261128, 50);
const REGIONS = ['us-east-1', 'eu-west-1'];

const names = fc.constantFrom('web', 'web-tg', 'web-asg', 'web-lt', 'web-bucket', 'other', 'web-alarm');
const small = fc.oneof(fc.nat({ max: 2 }), fc.constantFrom(-1, 0.5, 70000));
const loose = fc.oneof(
  hostileString,
  small,
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);
const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary }, { weight: 1, arbitrary: loose });

const worldArbitrary = fc.record(
  {
    region: maybe(fc.constantFrom(...REGIONS, 'mars-1', 'US-EAST-1')),
    launchTemplates: maybe(fc.array(fc.record({ name: maybe(names) }), { maxLength: 2 })),
    targetGroups: maybe(
      fc.array(
        fc.record(
          {
            name: maybe(names),
            port: maybe(fc.constantFrom(80, 8000, 0, 65536)),
            protocol: maybe(fc.constantFrom('HTTP', 'TCP', 'UDP')),
            healthCheck: maybe(
              fc.record(
                { path: maybe(fc.constantFrom('/', '/health')), intervalSeconds: maybe(small) },
                { requiredKeys: [] },
              ),
            ),
          },
          { requiredKeys: ['name'] },
        ),
        { maxLength: 2 },
      ),
    ),
    loadBalancers: maybe(
      fc.array(
        fc.record(
          {
            name: maybe(names),
            listeners: maybe(
              fc.array(fc.record({ port: maybe(fc.constant(0)), targetGroup: maybe(names) }), {
                maxLength: 2,
              }),
            ),
          },
          { requiredKeys: ['name'] },
        ),
        { maxLength: 2 },
      ),
    ),
    autoScalingGroups: maybe(
      fc.array(
        fc.record(
          {
            name: maybe(names),
            instances: maybe(small),
            availabilityZones: maybe(fc.constant(['us-east-1a'])),
            targetGroups: maybe(fc.array(names, { maxLength: 2 })),
            launchTemplate: maybe(names),
            agent: maybe(fc.constant('synthetic')),
            tags: maybe(fc.dictionary(hostileString, hostileString, { maxKeys: 2 })),
          },
          { requiredKeys: ['name', 'instances', 'availabilityZones'] },
        ),
        { maxLength: 2 },
      ),
    ),
    alarms: maybe(
      fc.array(
        fc.oneof(
          names,
          fc.record(
            { name: maybe(names), state: maybe(fc.constantFrom('OK', 'ALARM', 'BAD')) },
            { requiredKeys: [] },
          ),
        ),
        { maxLength: 2 },
      ),
    ),
    buckets: maybe(fc.array(fc.oneof(names, fc.constantFrom('UPPER', 'a')), { maxLength: 2 })),
    applications: maybe(fc.array(names, { maxLength: 2 })),
    deploymentConfigs: maybe(
      fc.array(
        fc.record(
          {
            name: maybe(names),
            minimumHealthyHosts: maybe(
              fc.record({ type: maybe(fc.constantFrom('HOST_COUNT', 'FLEET_PERCENT')), value: maybe(small) }),
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 2 },
      ),
    ),
    github: maybe(
      fc.dictionary(fc.constantFrom('owner/repo', 'bad', 'a/b/c'), fc.constantFrom('/tmp', ''), {
        maxKeys: 2,
      }),
    ),
  },
  { requiredKeys: [] },
);

/** A world as the control API gets it: JSON, YAML, or text that is neither. */
const worldBody = fc.oneof(
  { weight: 4, arbitrary: worldArbitrary.map((w) => JSON.stringify(w)) },
  { weight: 2, arbitrary: worldArbitrary.map((w) => stringify(w)) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      hostileString,
      fc.json(),
      fc.constantFrom(
        '',
        'null',
        '[]',
        '{',
        ': :',
        '&a [*a]',
        '!!js/function "() => 1"',
        '{"region": "us-east-1", "region": "eu-west-1"}',
      ),
    ),
  },
);

const faultArbitrary = fc.oneof(
  fc.record(
    {
      scope: maybe(fc.constantFrom('api', 'instance', 'world')),
      service: maybe(fc.constantFrom('codedeploy', 'ec2', 's3', 'iam')),
      operation: maybe(fc.constantFrom('*', 'GetDeployment', '')),
      effect: maybe(
        fc.constantFrom('throttle', 'error500', 'reset', 'delay', 'error', 'fail', 'timeout', 'explode'),
      ),
      ms: maybe(fc.constantFrom(0, 10, -1, 1e9)),
      code: maybe(fc.constantFrom('AccessDeniedException', 'Bad Code', '<x>')),
      status: maybe(fc.constantFrom(400, 503, 200, 999)),
      probability: maybe(fc.constantFrom(0, 0.3, 1, 2, -1)),
      count: maybe(fc.constantFrom(1, 0, 2.5)),
      deploymentGroup: maybe(names),
      instanceId: maybe(fc.constantFrom('i-0abc', 'i-XYZ', '')),
      fleet: maybe(fc.constantFrom('green', 'blue', 'red')),
      index: maybe(small),
      event: maybe(fc.constantFrom('AfterInstall', '')),
      exitCode: maybe(fc.constantFrom(1, 0, 256)),
    },
    { requiredKeys: [] },
  ),
  fc.json().map((text) => JSON.parse(text) as unknown),
);

describe('local cloud control API on hostile input', () => {
  let cloud: RunningLocalCloud;
  let aws: Record<string, AwsClients>;

  before(async () => {
    cloud = await startLocalCloud({ timeScale: 3000 });
    aws = Object.fromEntries(
      REGIONS.map((region) => [
        region,
        createAwsClients({
          endpoint: cloud.url,
          region,
          credentials: { accessKeyId: 'AKIDFUZZ', secretAccessKey: 'fuzz' },
          maxAttempts: 1,
        }),
      ]),
    );
  });

  after(async () => {
    for (const clients of Object.values(aws)) clients.destroy();
    await cloud.close();
  });

  const control = (method: string, path: string, body?: string): Promise<RawResponse> =>
    rawRequest(cloud.port, {
      method,
      path: `/_localcloud/${path}`,
      headers: [['Content-Type', 'application/json']],
      ...(body !== undefined ? { body } : {}),
    });

  function answer(response: RawResponse, allowed: number[], context: string): Record<string, unknown> {
    const where = `${context}\nHTTP ${response.status} ${response.body.toString('utf8').slice(0, 400)}`;
    assert.ok(!response.dropped, `dropped connection: ${where}`);
    assert.ok(allowed.includes(response.status), `status not in ${allowed.join(', ')}: ${where}`);
    assert.match(response.headers['content-type'] ?? '', /^application\/json/, where);
    const body = JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
    if (response.status >= 400) assert.equal(typeof body.error, 'string', `an error message: ${where}`);
    return body;
  }

  /** Every resource the world can make, by name, in both regions, read through the AWS APIs. */
  async function inventory(): Promise<string[]> {
    const found: string[] = [];
    for (const region of REGIONS) {
      const clients = aws[region] as AwsClients;
      const asgs = await (await clients.autoscaling()).send(new DescribeAutoScalingGroupsCommand({}));
      found.push(
        ...(asgs.AutoScalingGroups ?? []).map(
          (g) => `${region} asg ${g.AutoScalingGroupName} ${g.Instances?.length}`,
        ),
      );
      const tgs = await (await clients.elbv2()).send(new DescribeTargetGroupsCommand({}));
      found.push(...(tgs.TargetGroups ?? []).map((g) => `${region} tg ${g.TargetGroupName}`));
      const lbs = await (await clients.elbv2()).send(new DescribeLoadBalancersCommand({}));
      found.push(...(lbs.LoadBalancers ?? []).map((b) => `${region} lb ${b.LoadBalancerName}`));
      const lts = await (await clients.ec2()).send(new DescribeLaunchTemplatesCommand({}));
      found.push(...(lts.LaunchTemplates ?? []).map((t) => `${region} lt ${t.LaunchTemplateName}`));
      const alarms = await (await clients.cloudwatch()).send(new DescribeAlarmsCommand({}));
      found.push(...(alarms.MetricAlarms ?? []).map((a) => `${region} alarm ${a.AlarmName} ${a.StateValue}`));
      const apps = await (await clients.codedeploy()).send(new ListApplicationsCommand({}));
      found.push(...(apps.applications ?? []).map((a) => `${region} app ${a}`));
      const configs = await (await clients.codedeploy()).send(new ListDeploymentConfigsCommand({}));
      found.push(...(configs.deploymentConfigsList ?? []).map((c) => `${region} config ${c}`));
    }
    const buckets = await (await (aws['us-east-1'] as AwsClients).s3()).send(new ListBucketsCommand({}));
    found.push(...(buckets.Buckets ?? []).map((b) => `bucket ${b.Name}`));
    return found.sort();
  }

  it('any method and path under /_localcloud/ gets JSON: 200, 400 or 404, never a 500', async () => {
    const path = fc.oneof(
      fc.constantFrom(
        'health',
        'reset',
        'world',
        'faults',
        'requests',
        'faults/',
        'world/',
        '',
        'health/../reset',
      ),
      hostileString.map((t) => encodeURIComponent(t)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
        path,
        fc.oneof(fc.json(), hostileString),
        async (method, p, body) => {
          const response = await control(method, p, body);
          answer(response, [200, 400, 404], `${method} ${p} ${body.slice(0, 100)}`);
        },
      ),
      RUNS,
    );
  });

  it('a fault rule is stored whole or refused with 400 and nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(faultArbitrary, async (rule) => {
        const before = answer(await control('GET', 'faults'), [200], 'list').faults as unknown[];
        const body = JSON.stringify(rule) ?? 'null';
        const response = await control('POST', 'faults', body);
        const result = answer(response, [200, 400], body);
        const after = answer(await control('GET', 'faults'), [200], 'list').faults as unknown[];
        if (response.status === 200) {
          assert.equal(typeof result.id, 'string');
          assert.equal(after.length, before.length + 1);
        } else assert.deepEqual(after, before, `a refused rule changed the rules: ${body}`);
        // An accepted rule could throttle or reset the inventory's calls: clear them every time.
        answer(await control('DELETE', 'faults'), [200], 'clear');
      }),
      RUNS,
    );
  });

  it('a world refused by validation changes nothing; an accepted one is there', async () => {
    await fc.assert(
      fc.asyncProperty(worldBody, async (body) => {
        answer(await control('POST', 'reset'), [200], 'reset');
        const before = await inventory();
        const response = await control('POST', 'world', body);
        const result = answer(response, [200, 400], body);
        const after = await inventory();
        if (response.status === 200) {
          for (const name of (result.autoScalingGroups as string[] | undefined) ?? [])
            assert.ok(
              after.some((line) => line.includes(` asg ${name} `)),
              `${name} exists`,
            );
        } else if (/is not a valid world|is not valid YAML or JSON/.test(String(result.error))) {
          assert.deepEqual(after, before, `refused (${String(result.error)}) yet changed: ${body}`);
        }
      }),
      WORLD_RUNS,
    );
  });

  it('a world refused while it is applied (a missing reference, a name taken) changes nothing', async () => {
    const refusedWhileApplied = async (body: string): Promise<void> => {
      answer(await control('POST', 'reset'), [200], 'reset');
      answer(
        await control('POST', 'world', JSON.stringify({ targetGroups: [{ name: 'web-tg' }] })),
        [200],
        'base',
      );
      const before = await inventory();
      const response = await control('POST', 'world', body);
      const result = answer(response, [200, 400], body);
      if (response.status === 400)
        assert.deepEqual(await inventory(), before, `refused (${String(result.error)}) yet changed: ${body}`);
    };
    const zone = ['us-east-1a'];
    await refusedWhileApplied(
      JSON.stringify({
        targetGroups: [{ name: 'a-tg' }],
        autoScalingGroups: [{ name: 'g', instances: 1, availabilityZones: zone, targetGroups: ['missing'] }],
      }),
    );
    await refusedWhileApplied(
      JSON.stringify({
        autoScalingGroups: [
          { name: 'g', instances: 1, availabilityZones: zone },
          { name: 'g', instances: 1, availabilityZones: zone },
        ],
      }),
    );
    await fc.assert(fc.asyncProperty(worldBody, refusedWhileApplied), WORLD_RUNS);
  });

  it('a control body over 10 MB is refused with 413 and JSON', async () => {
    const response = await control('POST', 'world', ' '.repeat(API_BODY_LIMIT + 1));
    answer(response, [413], 'a body over the limit');
  });
});
