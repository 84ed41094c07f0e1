// tier: unit
// Fault rules: validation, API matching, instance matching and binding, counts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultRules, parseFaultRule, throttlingError } from '../src/faults.js';
import { seededRandom } from '../src/random.js';

const query = {
  deploymentGroup: 'web-dev',
  deploymentId: 'd-AAAAAAAAA',
  instanceId: 'i-0abc',
  fleet: 'green' as const,
  index: 0,
  event: 'AfterInstall',
};

describe('fault rules', () => {
  it('validates rules with messages that name the field', () => {
    assert.throws(
      () => parseFaultRule({ scope: 'instance', event: 'AfterInstall', effect: 'fail' }),
      /needs "instanceId" or "deploymentGroup"/,
    );
    assert.throws(
      () => parseFaultRule({ scope: 'instance', deploymentGroup: 'g', fleet: 'green', effect: 'fail' }),
      /index: "fleet" and "index" go together/,
    );
    assert.throws(
      () => parseFaultRule({ scope: 'api', service: 'ec2', effect: 'explode' }),
      /^Error: invalid fault rule: effect:|invalid fault rule: effect/,
    );
    assert.equal(parseFaultRule({ scope: 'api', service: 'ec2', effect: 'throttle' }).scope, 'api');
  });

  it('throttles with each service’s own code and status', () => {
    assert.deepEqual(
      [throttlingError('codedeploy').code, throttlingError('codedeploy').status],
      ['ThrottlingException', 400],
    );
    assert.deepEqual(
      [throttlingError('autoscaling').code, throttlingError('autoscaling').status],
      ['Throttling', 400],
    );
    assert.deepEqual(
      [throttlingError('ec2').code, throttlingError('ec2').status],
      ['RequestLimitExceeded', 503],
    );
  });

  it('matches API rules by service and operation, with counts used up', () => {
    const rules = new FaultRules(seededRandom(7));
    rules.add({
      scope: 'api',
      service: 'codedeploy',
      operation: 'GetDeployment',
      effect: 'error500',
      count: 1,
    });
    assert.equal(rules.forApiCall('codedeploy', 'ListDeployments'), undefined);
    assert.equal(rules.forApiCall('codedeploy', 'GetDeployment')?.kind, 'error');
    assert.equal(rules.forApiCall('codedeploy', 'GetDeployment'), undefined);
  });

  it('fires probabilistic rules some of the time, reproducibly for a seed', () => {
    const fired = (seed: number) => {
      const rules = new FaultRules(seededRandom(seed));
      rules.add({ scope: 'api', service: 'ec2', effect: 'throttle', probability: 0.3 });
      return Array.from({ length: 200 }, () => rules.forApiCall('ec2', 'DescribeInstances') !== undefined);
    };
    const hits = fired(1).filter(Boolean).length;
    assert.ok(hits > 20 && hits < 120, `fired ${hits} of 200`);
    assert.deepEqual(fired(1), fired(1));
  });

  it('binds a fleet/index rule to the first deployment that asks', () => {
    const rules = new FaultRules(seededRandom(1));
    rules.add({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    assert.equal(rules.forInstanceEvent({ ...query, event: 'BeforeInstall' }), undefined);
    assert.deepEqual(rules.forInstanceEvent(query), { ruleId: 'fault-1', effect: 'fail', exitCode: 3 });
    assert.equal(rules.forInstanceEvent({ ...query, index: 1 }), undefined);
    assert.equal(rules.forInstanceEvent({ ...query, deploymentId: 'd-BBBBBBBBB' }), undefined);
    rules.add({ scope: 'instance', instanceId: 'i-0def', effect: 'agent-down' });
    assert.equal(
      rules.forInstanceEvent({ ...query, instanceId: 'i-0def', event: 'ApplicationStop' })?.effect,
      'agent-down',
    );
  });
});
