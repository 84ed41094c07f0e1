// tier: unit
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { worldFromTemplate } from '../../src/demo/template-world.js';
import { parseWorld } from '@greenlight/localcloud';
import { parseTemplate } from '../../src/sam/template.js';

const template = parseTemplate(
  readFileSync(new URL('../../sam-template.yaml', import.meta.url), 'utf8'),
  'sam-template.yaml',
).document;

const options = {
  parameters: { Environment: 'dev' },
  accountId: '123456789012',
  region: 'us-east-1',
  agent: 'real' as const,
  availabilityZones: ['us-east-1a', 'us-east-1b'],
};

describe('the demo world comes from sam-template.yaml', () => {
  it('the dev fleet, target group, listener, alarms and bucket are the template’s', () => {
    const world = parseWorld(worldFromTemplate(template, options));
    assert.deepEqual(
      world.autoScalingGroups.map((g) => [g.name, g.instances, g.targetGroups, g.launchTemplate, g.agent]),
      // The seed fleet is not in the target group (finding B3 of issue 17): CodeDeploy registers green.
      [['web-dev-asg', 4, [], 'web-dev', 'real']],
    );
    const tg = world.targetGroups[0];
    assert.equal(tg?.name, 'web-dev-tg');
    assert.equal(tg?.port, 8000);
    assert.deepEqual(tg?.healthCheck, {
      path: '/healthcheck',
      port: '8000',
      intervalSeconds: 15,
      timeoutSeconds: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
      matcher: '200',
    });
    assert.equal(tg?.deregistrationDelay, 30);
    assert.deepEqual(world.loadBalancers, [
      { name: 'web-dev-alb', listeners: [{ port: 0, protocol: 'HTTP', targetGroup: 'web-dev-tg' }] },
    ]);
    assert.deepEqual(world.alarms.map((a) => (typeof a === 'string' ? a : a.name)).sort(), [
      'web-dev-5xx',
      'web-dev-unhealthy-hosts',
    ]);
    assert.deepEqual(
      world.buckets.map((b) => (typeof b === 'string' ? b : b.name)),
      ['web-dev-revisions-123456789012-us-east-1'],
    );
  });

  it('the prod stack and a fleet size override follow the parameters', () => {
    const world = parseWorld(
      worldFromTemplate(template, { ...options, parameters: { Environment: 'prod' }, instances: 2 }),
    );
    assert.equal(world.autoScalingGroups[0]?.name, 'web-prod-asg');
    assert.equal(world.autoScalingGroups[0]?.instances, 2);
    assert.equal(world.targetGroups[0]?.name, 'web-prod-tg');
  });

  it('with a certificate the plain-HTTP listener redirects, so only the HTTPS one forwards', () => {
    const world = parseWorld(
      worldFromTemplate(template, {
        ...options,
        parameters: {
          Environment: 'dev',
          CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
        },
      }),
    );
    assert.deepEqual(world.loadBalancers[0]?.listeners, [
      { port: 0, protocol: 'HTTP', targetGroup: 'web-dev-tg' },
    ]);
  });
});
