// tier: unit
// World files: validation errors name the path; a world is applied through the models.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cloud } from '../src/cloud.js';
import { applyWorld, parseWorld, parseWorldText, WorldError } from '../src/world.js';

describe('world', () => {
  it('names the path of each problem', () => {
    assert.throws(
      () =>
        parseWorld({
          autoScalingGroups: [{ name: 'web', instances: -1, availabilityZones: [] }],
          buckets: [3],
        }),
      (error: unknown) =>
        error instanceof WorldError &&
        /autoScalingGroups\.0\.instances/.test(error.message) &&
        /autoScalingGroups\.0\.availabilityZones/.test(error.message) &&
        /buckets\.0/.test(error.message),
    );
    assert.throws(
      () => parseWorldText('region: [', 'w.yml'),
      /^Error: w.yml is not valid YAML or JSON|w.yml is not valid YAML or JSON/,
    );
    assert.throws(() => parseWorld({ surprise: true }), /unrecognized key|surprise/i);
  });

  it('applies target groups, load balancers, groups, alarms, buckets and GitHub mappings', () => {
    const cloud = new Cloud({ timeScale: 1000 });
    const world = parseWorldText(`
region: us-west-2
targetGroups:
  - {name: web-tg, port: 8000, healthCheck: {path: /healthcheck, intervalSeconds: 30, healthyThreshold: 2, unhealthyThreshold: 5}}
loadBalancers:
  - {name: web-alb, listeners: [{port: 0, targetGroup: web-tg}]}
autoScalingGroups:
  - {name: web-asg, instances: 4, availabilityZones: [us-west-2a, us-west-2b], targetGroups: [web-tg], agent: real, serves: /healthcheck}
alarms: [{name: web-5xx, state: ALARM}]
buckets: [web-revisions]
github: {owner/repo: ./repo}
`);
    const models = applyWorld(cloud, world);
    const group = models.autoscaling.get('web-asg');
    assert.equal(group?.instances.length, 4);
    assert.equal(group?.agent, 'real');
    assert.ok(group?.instances.every((i) => i.lifecycleState === 'InService'));
    assert.deepEqual(
      group?.instances.map((i) => i.availabilityZone),
      ['us-west-2a', 'us-west-2b', 'us-west-2a', 'us-west-2b'],
    );
    const tg = models.elbv2.getTargetGroupByName('web-tg')!;
    assert.ok(group.instances.every((i) => models.elbv2.health(tg.arn, i.instanceId).state === 'healthy'));
    assert.equal(models.ec2.get(group.instances[0]!.instanceId)?.state, 'running');
    assert.equal(models.cloudwatch.alarmState('web-5xx'), 'ALARM');
    assert.ok(cloud.s3.requireBucket('web-revisions'));
    assert.equal(cloud.github.get('owner/repo'), './repo');
    cloud.scheduler.cancelAll();
  });

  /** Every resource a world can make, by kind and name: what a refused world must leave as it was. */
  function inventory(cloud: Cloud): string[] {
    return cloud
      .allRegions()
      .flatMap((m) => [
        ...m.ec2.allLaunchTemplates().map((t) => `lt ${t.name}`),
        ...m.elbv2.allTargetGroups().map((g) => `tg ${g.name} ${[...g.loadBalancerArns].length}`),
        ...m.elbv2.allLoadBalancers().map((b) => `lb ${b.name}`),
        ...m.elbv2.allListeners().map((l) => `listener ${l.port}`),
        ...m.autoscaling.all().map((g) => `asg ${g.name}`),
        ...m.ec2.all().map((i) => `instance ${i.instanceId}`),
        ...m.cloudwatch.all().map((a) => `alarm ${a.name} ${a.state}`),
        ...(m.codedeploy.listApplications({}) as { applications: string[] }).applications.map(
          (a) => `app ${a}`,
        ),
      ])
      .concat(
        cloud.s3.allBuckets().map((b) => `bucket ${b.name}`),
        [...cloud.github].map(([repo, path]) => `github ${repo} ${path}`),
      );
  }

  it('checks every name and reference before it creates anything', () => {
    const cloud = new Cloud();
    applyWorld(cloud, parseWorld({ targetGroups: [{ name: 'web-tg' }], alarms: ['web-5xx'] }));
    const before = inventory(cloud);
    const refused = (world: unknown, message: RegExp) => {
      assert.throws(() => applyWorld(cloud, parseWorld(world)), message);
      assert.deepEqual(inventory(cloud), before, `refused, yet changed: ${JSON.stringify(world)}`);
    };
    const zone = ['us-east-1a'];
    refused(
      {
        launchTemplates: [{ name: 'a-lt' }],
        targetGroups: [{ name: 'a-tg' }],
        loadBalancers: [{ name: 'a-alb', listeners: [{ port: 0, targetGroup: 'b-tg' }] }],
        buckets: ['a-bucket'],
      },
      /loadBalancers\.0\.listeners\.0\.targetGroup: target group b-tg is not defined in targetGroups/,
    );
    refused(
      { autoScalingGroups: [{ name: 'g', instances: 1, availabilityZones: zone, launchTemplate: 'nope' }] },
      /autoScalingGroups\.0\.launchTemplate: launch template nope is not defined/,
    );
    refused(
      {
        autoScalingGroups: [
          { name: 'g', instances: 1, availabilityZones: zone },
          { name: 'g', instances: 1, availabilityZones: zone },
        ],
      },
      /autoScalingGroups\.1: g is already defined at autoScalingGroups\.0/,
    );
    refused({ targetGroups: [{ name: 'web-tg', port: 9000 }] }, /targetGroups\.0: DuplicateTargetGroupName/);
    refused({ buckets: ['UPPER'] }, /buckets\.0: InvalidBucketName/);
    refused(
      { autoScalingGroups: [{ name: 'g', instances: 10_001, availabilityZones: zone }] },
      /autoScalingGroups\.0: ValidationError: Max bound, 10001, must be less than or equal to 10000/,
    );
    refused(
      {
        loadBalancers: [
          {
            name: 'b',
            listeners: [
              { port: 8080, targetGroup: 'web-tg' },
              { port: 8080, targetGroup: 'web-tg' },
            ],
          },
        ],
      },
      /loadBalancers\.0\.listeners\.1\.port: load balancer b already listens on port 8080/,
    );
    cloud.scheduler.cancelAll();
  });

  it('takes back what it created when a later step fails, listener ports and alarm states included', () => {
    const opened: number[] = [];
    const closed: number[] = [];
    let nextPort = 30000;
    const cloud = new Cloud({
      openListener: ({ address }) => {
        const port = nextPort++;
        opened.push(port);
        return { served: Promise.resolve({ address, port }), close: () => closed.push(port) };
      },
    });
    applyWorld(cloud, parseWorld({ alarms: [{ name: 'web-5xx', state: 'OK' }], github: { 'o/r': './old' } }));
    const before = inventory(cloud);
    // CodeDeploy refuses the second application only after everything before it was created.
    assert.throws(
      () =>
        applyWorld(
          cloud,
          parseWorld({
            launchTemplates: [{ name: 'web-lt' }],
            targetGroups: [{ name: 'web-tg' }],
            loadBalancers: [{ name: 'web-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
            alarms: [{ name: 'web-5xx', state: 'ALARM' }, 'web-latency'],
            buckets: ['web-revisions'],
            github: { 'o/r': './new', 'o/other': './other' },
            deploymentConfigs: [
              { name: 'all-healthy', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } },
            ],
            applications: ['web', 'web'],
          }),
        ),
      /ApplicationAlreadyExistsException: applications\.1/,
    );
    assert.deepEqual(inventory(cloud), before);
    assert.deepEqual(closed, opened, 'the listener port is closed again');
    assert.equal(opened.length, 1);
    const configs = cloud.region('us-east-1').codedeploy.listDeploymentConfigs({}) as {
      deploymentConfigsList: string[];
    };
    assert.ok(!configs.deploymentConfigsList.includes('all-healthy'));
    cloud.scheduler.cancelAll();
  });

  it('keeps a tag named __proto__ as a tag, and names the tag whose value is not a string', () => {
    const cloud = new Cloud();
    const world = parseWorldText(
      '{"autoScalingGroups": [{"name": "g", "instances": 1, "availabilityZones": ["us-east-1a"], "tags": {"__proto__": "p", "env": "dev"}}]}',
    );
    const group = applyWorld(cloud, world).autoscaling.get('g');
    assert.deepEqual(
      [...(group?.tags ?? [])],
      [
        ['__proto__', 'p'],
        ['env', 'dev'],
      ],
    );
    assert.throws(
      () =>
        parseWorld({
          autoScalingGroups: [{ name: 'g', instances: 1, availabilityZones: ['a'], tags: { env: 1 } }],
        }),
      /autoScalingGroups\.0\.tags\.env: expected a string/,
    );
    cloud.scheduler.cancelAll();
  });

  it('reports references to undefined resources with their path', () => {
    const cloud = new Cloud();
    const world = parseWorld({
      autoScalingGroups: [
        { name: 'web', instances: 1, availabilityZones: ['us-east-1a'], targetGroups: ['missing-tg'] },
      ],
    });
    assert.throws(
      () => applyWorld(cloud, world),
      /autoScalingGroups\.0\.targetGroups\.0: target group missing-tg is not defined/,
    );
    cloud.scheduler.cancelAll();
  });
});

describe('world applications: validation', () => {
  it('names the path of a malformed entry', () => {
    assert.throws(
      () =>
        parseWorld({
          applications: [{ name: 'web', computePlatform: 'Mainframe' }],
          deploymentConfigs: [{ name: 'x', minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 } }],
        }),
      (error: unknown) =>
        error instanceof WorldError &&
        /applications\.0\.computePlatform/.test(error.message) &&
        /deploymentConfigs\.0\.minimumHealthyHosts\.type/.test(error.message),
    );
  });

  it("reports what CodeDeploy refuses with the entry's path and AWS's error", () => {
    const cloud = new Cloud();
    assert.throws(
      () => applyWorld(cloud, parseWorld({ applications: ['web', 'web'] })),
      /could not be applied: ApplicationAlreadyExistsException: applications\.1: Application already exists: web$/,
    );
    assert.throws(
      () =>
        applyWorld(
          cloud,
          parseWorld({
            deploymentConfigs: [
              { name: 'CodeDeployDefault.Mine', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } },
            ],
          }),
        ),
      /InvalidDeploymentConfigNameException: deploymentConfigs\.0: /,
    );
    cloud.scheduler.cancelAll();
  });
});
