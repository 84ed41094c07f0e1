// tier: unit
// The agent of new instances: a world group without `agent` takes the world's `instances.agent` (else
// the cloud's setting), one that names its agent keeps it, and the setting outlives the world that
// set it until a reset.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cloud } from '../../src/cloud.js';
import { applyWorld, parseWorld } from '../../src/world.js';

const group = (name: string, agent?: 'synthetic' | 'real') => ({
  name,
  instances: 1,
  availabilityZones: ['us-east-1a'],
  ...(agent ? { agent } : {}),
});

describe('the agent of new instances', () => {
  it('is the world’s instances.agent for groups that name none; a group that names its agent keeps it', () => {
    // A bare cloud starts no sandboxes: the agent is all there is to see.
    const cloud = new Cloud({ timeScale: 1000 });
    try {
      assert.equal(cloud.defaultAgent, 'synthetic');
      const models = applyWorld(
        cloud,
        parseWorld({
          instances: { agent: 'real' },
          autoScalingGroups: [group('plain'), group('named', 'synthetic')],
        }),
      );
      assert.equal(models.autoscaling.get('plain')?.agent, 'real');
      assert.equal(models.autoscaling.get('named')?.agent, 'synthetic');
      assert.equal(cloud.defaultAgent, 'real');
      // A later world without the key leaves the setting as it is.
      applyWorld(cloud, parseWorld({ autoScalingGroups: [group('later')] }));
      assert.equal(models.autoscaling.get('later')?.agent, 'real');
      cloud.reset();
      assert.equal(cloud.defaultAgent, 'synthetic');
    } finally {
      cloud.scheduler.cancelAll();
    }
  });

  it('a world that fails part way takes its setting back', () => {
    const cloud = new Cloud({ timeScale: 1000 });
    try {
      assert.throws(() =>
        applyWorld(
          cloud,
          parseWorld({
            instances: { agent: 'real' },
            images: [{ id: 'ami-0123456789abcdef0', serves: '/' }],
            applications: ['web', 'web'],
          }),
        ),
      );
      assert.equal(cloud.defaultAgent, 'synthetic');
      assert.equal(cloud.images.get('ami-0123456789abcdef0'), undefined);
    } finally {
      cloud.scheduler.cancelAll();
    }
  });
});
