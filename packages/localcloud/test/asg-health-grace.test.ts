// tier: unit
// Auto Scaling's health check grace period is AWS time on every clock: an instance whose target is
// unhealthy from the start is replaced once HealthCheckGracePeriod (300 s) of AWS time has passed
// since it entered InService, not before, whether timestamps are wall time (scaled: AWS durations
// divided by timeScale), virtual (manual) or accelerated AWS time. Each clock is driven by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cloud } from '../src/cloud.js';
import { createAcceleratedScheduler, createManualScheduler, type ManualScheduler } from '../src/clock.js';
import type { Scheduler } from '../src/ports.js';
import { applyWorld, parseWorld } from '../src/world.js';
import { HandWall } from './hand-wall.js';

const START = Date.parse('2031-01-01T00:00:00Z');
const SCALE = 60;

const WORLD = parseWorld({
  targetGroups: [{ name: 'web-tg', healthCheck: { path: '/healthcheck', intervalSeconds: 10 } }],
  loadBalancers: [{ name: 'web-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
  autoScalingGroups: [
    {
      name: 'web-asg',
      instances: 1,
      availabilityZones: ['us-east-1a'],
      targetGroups: ['web-tg'],
      // Nothing on the instance answers /healthcheck: its target is unhealthy from the start.
      healthCheckType: 'ELB',
      healthCheckGracePeriod: 300,
    },
  ],
});

/**
 * The scaled clock's contract (clock.ts createScheduler: wall-clock timestamps, timers after
 * awsMs / timeScale of wall time), on a manual clock of AWS time so that nothing waits on the wall.
 */
function handScaled(aws: ManualScheduler, timeScale: number): Scheduler {
  return {
    timeScale,
    now: () => new Date(START + (aws.nowMs() - START) / timeScale),
    after: (awsMs, fn) => aws.after(awsMs, fn),
    cancelAll: () => aws.cancelAll(),
  };
}

interface HandClock {
  readonly scheduler: Scheduler;
  /** Moves AWS time forward by `ms`, firing what falls due. */
  advance(ms: number): Promise<void>;
}

const clocks: Record<string, () => HandClock> = {
  manual: () => {
    const scheduler = createManualScheduler({ start: START });
    return { scheduler, advance: async (ms) => void (await scheduler.advance(ms)) };
  },
  [`scaled ×${SCALE}`]: () => {
    const aws = createManualScheduler({ start: START });
    return { scheduler: handScaled(aws, SCALE), advance: async (ms) => void (await aws.advance(ms)) };
  },
  [`accelerated ×${SCALE}`]: () => {
    const wall = new HandWall(START);
    const scheduler = createAcceleratedScheduler({ timeScale: SCALE, start: START, wall });
    return {
      scheduler,
      advance: async (ms) => {
        // One AWS second at a time, letting each fired timer's continuations run.
        for (let moved = 0; moved < ms; moved += 1000) {
          wall.move(1000 / SCALE);
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    };
  },
};

describe('the health check grace period runs on AWS time', () => {
  for (const [name, make] of Object.entries(clocks)) {
    it(`replaces an unhealthy instance once 300 s of AWS time have passed, not before (${name})`, async () => {
      const clock = make();
      const cloud = new Cloud({ scheduler: clock.scheduler, realInstances: { enabled: false } });
      try {
        applyWorld(cloud, WORLD);
        const autoscaling = cloud.region('us-east-1').autoscaling;
        const members = () =>
          autoscaling
            .require('web-asg')
            .instances.filter((m) => m.lifecycleState === 'InService')
            .map((m) => m.instanceId);
        const [first] = members();
        assert.ok(first);
        await clock.advance(270_000);
        assert.deepEqual(members(), [first], 'still within its grace period after 270 s');
        await clock.advance(60_000);
        assert.ok(!members().includes(first), 'replaced after 330 s: its grace period is over');
      } finally {
        await cloud.close();
      }
    });
  }
});
