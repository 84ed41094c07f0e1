// tier: integration
// The verdict's timeline of real blue/green releases on the local cloud (synthetic agent, manual
// clock): every time comes from what CodeDeploy's API returned (BatchGetDeploymentTargets' lifecycle
// events, GetDeployment's times), and it tells the blue/green order AWS documents — green installs,
// green's AllowTraffic (the switch), blue's BlockTraffic, then the termination wait until the
// deployment completes. A failed instance's later events are Skipped: an end and no start.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyGroup, parseRevision, release, type Deps, type EnvironmentConfig } from '../../src/index.js';
import type { VerifyReport } from '../../src/verify/report-json.js';
import { devEnvironment, startCloud, type TestCloud } from '../support/cloud.js';
import { validateReport } from './schema.js';

const V1 = 'a1'.repeat(20);
const V2 = 'b2'.repeat(20);
const t = (iso: string | undefined): number => {
  assert.ok(iso, 'a time');
  return Date.parse(iso);
};

describe('the timeline of a release, from what CodeDeploy returns', () => {
  let cloud: TestCloud;
  let env: EnvironmentConfig;
  let deps: Deps;
  let first: VerifyReport;
  let second: VerifyReport;

  before(async () => {
    cloud = await startCloud();
    env = devEnvironment();
    deps = { aws: cloud.aws, clock: cloud.clock, logger: { emit: () => undefined } };
    await applyGroup({ env }, deps);
    const one = await release({ env, revision: parseRevision(V1), build: {}, pollMs: 15_000 }, deps);
    assert.equal(one.exitCode, 0);
    first = one.result.verification as VerifyReport;
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    const two = await release({ env, revision: parseRevision(V2), build: {}, pollMs: 15_000 }, deps);
    await cloud.clearFaults();
    assert.equal(two.exitCode, 1, 'one green instance failed AfterInstall');
    second = two.result.verification as VerifyReport;
  });
  after(async () => {
    await cloud.close();
  });

  it('validates against the schema, with a lane per green and per blue instance', () => {
    assert.deepEqual(validateReport(second), []);
    const lanes = second.timeline.lanes;
    const green = lanes.filter((l) => l.lane === 'green').map((l) => l.instanceId);
    const blue = lanes.filter((l) => l.lane === 'blue').map((l) => l.instanceId);
    assert.equal(green.length, 4);
    // The blue fleet is the first release's green one.
    assert.deepEqual(
      [...blue].sort(),
      first.timeline.lanes
        .filter((l) => l.lane === 'green')
        .map((l) => l.instanceId)
        .sort(),
    );
    assert.ok(lanes.every((l) => l.deploymentId === second.deploymentId));
    for (const l of lanes.filter((x) => x.lane === 'blue'))
      assert.deepEqual(
        l.events.map((e) => e.name),
        ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'],
      );
  });

  it('every event that ran has a start and an end, in order, within the deployment', () => {
    const { timeline } = second;
    const created = t(timeline.createTime);
    const completed = t(timeline.completeTime);
    assert.ok(created <= t(timeline.startTime));
    for (const lane of timeline.lanes) {
      let previous = created;
      for (const e of lane.events.filter((x) => x.startTime)) {
        assert.ok(t(e.startTime) >= previous, `${lane.instanceId} ${e.name} starts after the event before`);
        assert.ok(t(e.endTime) >= t(e.startTime), `${lane.instanceId} ${e.name} ends after it starts`);
        assert.ok(t(e.endTime) <= completed);
        previous = t(e.endTime);
      }
    }
  });

  it('names the failed instance: AfterInstall Failed, the events after it Skipped (an end, no start)', () => {
    const failed = second.instances.find((i) => i.verdict === 'fail' && i.role === 'green');
    assert.ok(failed);
    const lane = second.timeline.lanes.find((l) => l.instanceId === failed.instanceId);
    assert.equal(lane?.lane, 'green');
    assert.equal(lane?.targetStatus, 'Failed');
    const after = lane.events.slice(lane.events.findIndex((e) => e.name === 'AfterInstall'));
    assert.equal(after[0]?.status, 'Failed');
    assert.ok(after[0]?.startTime && after[0].endTime);
    for (const e of after.slice(1)) {
      assert.equal(e.status, 'Skipped', e.name);
      assert.equal(e.startTime, undefined, e.name);
      assert.ok(e.endTime, e.name);
    }
  });

  it('marks the traffic switch (green AllowTraffic) before blue BlockTraffic, then the termination wait', () => {
    const { timeline } = second;
    const sw = timeline.trafficSwitch;
    assert.ok(sw?.end, 'the switch ended');
    const allow = timeline.lanes
      .filter((l) => l.lane === 'green')
      .flatMap((l) => l.events.filter((e) => e.name === 'AllowTraffic' && e.startTime));
    assert.equal(allow.length, 3, 'the three green instances that installed took traffic');
    assert.equal(t(sw.start), Math.min(...allow.map((e) => t(e.startTime))));
    assert.equal(t(sw.end), Math.max(...allow.map((e) => t(e.endTime))));
    const blueEvents = timeline.lanes.filter((l) => l.lane === 'blue').flatMap((l) => l.events);
    for (const e of blueEvents) assert.ok(t(e.startTime) >= t(sw.end), `blue ${e.name} after the switch`);
    const wait = timeline.terminationWait;
    assert.ok(wait);
    assert.equal(wait.waitMinutes, 5);
    assert.equal(t(wait.start), Math.max(...blueEvents.map((e) => t(e.endTime))));
    assert.equal(wait.end, timeline.completeTime, 'blue is terminated as the deployment completes');
    // Nobody cut the wait short (ContinueDeployment TERMINATION_WAIT): it lasted the configured five minutes.
    assert.equal(t(wait.plannedEnd) - t(wait.start), 5 * 60_000);
    assert.ok(t(wait.end) >= t(wait.plannedEnd));
  });

  it('the fleet rows say the ASG, the target health per group and the deployment that installed each', () => {
    const asg = `CodeDeploy_web-dev_${second.deploymentId}`;
    for (const row of second.instances.filter((i) => i.role === 'green')) {
      assert.equal(row.autoScalingGroup, asg);
      assert.deepEqual(row.deployedBy?.deploymentId, second.deploymentId);
      assert.equal(row.targetHealth?.[0]?.targetGroup, 'web-dev-tg');
      assert.ok(row.availabilityZone?.startsWith('us-east-1'));
    }
    const failed = second.instances.find((i) => i.verdict === 'fail' && i.role === 'green');
    assert.equal(failed?.deployedBy?.status, 'Failed');
  });
});
