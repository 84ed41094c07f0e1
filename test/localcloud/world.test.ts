// World files: validation errors name the path; a world is applied through the models.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cloud } from '../../src/localcloud/cloud.js';
import { applyWorld, parseWorld, parseWorldText, WorldError } from '../../src/localcloud/world.js';

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
  - {name: web-asg, instances: 4, availabilityZones: [us-west-2a, us-west-2b], targetGroups: [web-tg], agent: real}
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
