// tier: unit
// The timeline is a pure function of the facts: lanes from CodeDeploy's labels (and the automatic
// deployments that installed scale-out instances), the traffic switch from green's AllowTraffic
// events, the termination wait from blue's last event to the deployment's completion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timelineOf } from '../../src/verify/timeline.js';
import { verdictJson } from '../../src/verify/report-json.js';
import { judge } from '../../src/verify/verdict.js';
import { validateReport } from './schema.js';
import { at, BLUE, GREEN, greenTarget, sampleFacts } from './sample-facts.js';

describe('timelineOf', () => {
  it('a lane per instance, green before blue, each event with its times', () => {
    const timeline = timelineOf(sampleFacts());
    assert.deepEqual(
      timeline.lanes.map((l) => [l.instanceId, l.lane]),
      [...GREEN.map((id) => [id, 'green']), ...BLUE.map((id) => [id, 'blue'])],
    );
    assert.equal(timeline.createTime, at(0));
    assert.equal(timeline.completeTime, at(22));
    const first = timeline.lanes[0]?.events[0];
    assert.deepEqual(first, {
      name: 'ApplicationStop',
      status: 'Succeeded',
      startTime: at(1),
      endTime: at(1.5),
    });
  });

  it('the switch spans green AllowTraffic; the wait runs from blue’s last event to completion', () => {
    const timeline = timelineOf(sampleFacts());
    assert.deepEqual(timeline.trafficSwitch, { start: at(11), end: at(11.2 + 0.5) });
    assert.deepEqual(timeline.terminationWait, {
      waitMinutes: 5,
      start: at(16.2 + 0.5),
      plannedEnd: at(21.7),
      end: at(22),
    });
  });

  it('while AllowTraffic runs the switch has no end; while the wait lasts it has none either', () => {
    const facts = sampleFacts();
    const running = greenTarget(2);
    const events = running.events.map((e) =>
      e.name === 'AllowTraffic' ? { name: e.name, status: 'InProgress', startTime: e.startTime } : e,
    );
    const { completeTime: _, ...unfinished } = facts.deployment;
    const timeline = timelineOf({
      ...facts,
      deployment: { ...unfinished, status: 'InProgress' },
      serving: [...facts.serving.slice(0, 2), { ...running, status: 'InProgress', events }],
    });
    assert.deepEqual(timeline.trafficSwitch, { start: at(11) });
    assert.equal(timeline.terminationWait?.end, undefined);
    assert.equal(timeline.completeTime, undefined);
  });

  it('no blue events read (a gate look): the wait is said without a start; KEEP_ALIVE has none', () => {
    const facts = sampleFacts();
    const { replacedTargets: _, ...withoutBlue } = facts;
    assert.deepEqual(timelineOf(withoutBlue).terminationWait, { waitMinutes: 5, end: at(22) });
    assert.equal(timelineOf(withoutBlue).lanes.length, 3);
    const keep = timelineOf({
      ...facts,
      deployment: {
        ...facts.deployment,
        terminateBlue: { action: 'KEEP_ALIVE', waitMinutes: 0 },
        instanceTerminationWaitStarted: false,
      },
    });
    assert.equal(keep.terminationWait, undefined);
  });

  it('in place: one lane kind, no switch or wait; scale-out lanes carry their own deployment', () => {
    const facts = sampleFacts();
    const inPlace = timelineOf({
      ...facts,
      deployment: { ...facts.deployment, deploymentType: 'IN_PLACE', withTrafficControl: false },
      serving: facts.serving.map(({ label: _, ...t }) => t),
      replaced: [],
      replacedTargets: [],
      followUps: [
        {
          deploymentId: 'd-SCALEOUT1',
          status: 'Succeeded',
          creator: 'autoscaling',
          revision: 'c'.repeat(40),
          sameRevision: true,
          targets: [{ ...greenTarget(0), instanceId: 'i-0late00000000001' }],
        },
      ],
    });
    assert.deepEqual(
      inPlace.lanes.map((l) => [l.lane, l.deploymentId]),
      [
        ['in-place', 'd-ABCDEFGHI'],
        ['in-place', 'd-ABCDEFGHI'],
        ['in-place', 'd-ABCDEFGHI'],
        ['scale-out', 'd-SCALEOUT1'],
      ],
    );
    assert.equal(inPlace.trafficSwitch, undefined);
  });

  it('the verdict carries the timeline, and the fleet rows their ASG, health per group and deployment', () => {
    const verdict = judge(sampleFacts({ failFirst: true }));
    assert.equal(verdict.timeline.lanes.length, 6);
    const failed = verdict.instances.find((i) => i.instanceId === GREEN[0]);
    assert.equal(failed?.verdict, 'fail');
    assert.equal(failed?.autoScalingGroup, 'CodeDeploy_web-dev_d-ABCDEFGHI');
    assert.deepEqual(failed?.deployedBy, { deploymentId: 'd-ABCDEFGHI', status: 'Failed' });
    assert.deepEqual(failed?.targetHealth, [{ targetGroup: 'web-dev-tg', state: 'unused' }]);
    assert.deepEqual(validateReport(verdictJson(verdict)), []);
    assert.notDeepEqual(
      validateReport({
        ...verdictJson(verdict),
        timeline: { lanes: [{ instanceId: 'i-1', lane: 'purple' }] },
      }),
      [],
      'the schema rejects a lane it does not know',
    );
  });
});
