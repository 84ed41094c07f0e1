// tier: unit
// The gate's judgement of one look, its poll interval, its URL and its reports are pure: facts and
// outcomes built by hand, results asserted directly. The alarms over the bake: alarm-window.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/config/duration.js';
import { judgeAlarms, type AlarmWatch } from '../../src/gate/alarm-window.js';
import { describeProblems, describeTargetHealth, judgeBake } from '../../src/gate/checks.js';
import { effectivePollMs, MIN_LOOKS, type GateOutcome } from '../../src/gate/gate.js';
import { gateJunit } from '../../src/gate/report-junit.js';
import { gateMarkdown } from '../../src/gate/report-markdown.js';
import { environmentUrl, smokeVariables } from '../../src/gate/smoke.js';
import type { Facts } from '../../src/verify/facts.js';
import { checkJunit } from '../verify/junit-xml.js';

const SHA = 'c'.repeat(40);
const green = ['i-g1', 'i-g2', 'i-g3'];

function facts(changes: Partial<Facts> = {}): Facts {
  return {
    deployment: {
      deploymentId: 'd-ABCDEFGHI',
      application: 'web',
      deploymentGroup: 'web-dev',
      status: 'Succeeded',
      creator: 'user',
      revision: SHA,
      expectedVersion: SHA,
      deploymentType: 'BLUE_GREEN',
      withTrafficControl: true,
      greenFleet: 'COPY_AUTO_SCALING_GROUP',
      ready: 'CONTINUE_DEPLOYMENT',
      terminateBlue: { action: 'TERMINATE', waitMinutes: 5 },
      instanceTerminationWaitStarted: true,
    },
    serving: green.map((id) => ({ instanceId: id, label: 'Green', status: 'Succeeded', events: [] })),
    replaced: [],
    asg: {
      name: 'CodeDeploy_web-dev_d-ABCDEFGHI',
      found: true,
      desiredCapacity: 3,
      instances: green.map((id) => ({
        instanceId: id,
        availabilityZone: 'us-east-1a',
        lifecycleState: 'InService',
        healthStatus: 'Healthy',
      })),
    },
    targetGroups: [
      {
        name: 'web-tg',
        found: true,
        arn: 'arn:tg',
        targets: green.map((id) => ({ instanceId: id, port: 8000, state: 'healthy' })),
      },
    ],
    instances: {},
    alarms: [
      { name: 'web-5xx', state: 'OK' },
      { name: 'web-latency', state: 'OK' },
    ],
    ignoreAlarmFailure: false,
    served: {
      mode: 'instances',
      answers: Object.fromEntries(green.map((id) => [id, { url: `http://${id}/healthcheck`, version: SHA }])),
    },
    followUps: [],
    phase: 'after-traffic',
    otherAsgs: [],
    trafficMoved: true,
    gatheredAt: '2024-05-01T12:00:00.000Z',
    ...changes,
  };
}

const SINCE = Date.parse('2024-05-01T12:00:00.000Z');

/** The look's alarm judgement: web-5xx and web-latency OK since before the bake, but for `changes`. */
function alarms(changes: Record<string, Partial<AlarmWatch>> = {}) {
  const watches = ['web-5xx', 'web-latency'].map((name): AlarmWatch => ({
    name,
    state: 'OK',
    updatedAt: SINCE - 60_000,
    transitionedAt: SINCE - 60_000,
    changes: [],
    ...changes[name],
  }));
  return judgeAlarms({ since: SINCE, until: SINCE + 30_000, alarms: watches }, new Set(), {
    insufficientData: 'fail',
    ignoreMissing: false,
  });
}

describe('judging one look of a bake', () => {
  it('an instance registered during the bake that no deployment installed fails the look', () => {
    const base = facts();
    const tg = base.targetGroups[0];
    assert.ok(tg?.found);
    const j = judgeBake(
      facts({
        targetGroups: [{ ...tg, targets: [...tg.targets, { instanceId: 'i-stranger', state: 'healthy' }] }],
        instances: {
          'i-stranger': { instanceId: 'i-stranger', state: 'running', autoScalingGroup: 'api-asg' },
        },
      }),
      alarms(),
    );
    assert.equal(j.ok, false);
    assert.ok(
      j.problems.some((p) => p.subject === 'i-stranger' && /from Auto Scaling group api-asg/.test(p.detail)),
      JSON.stringify(j.problems),
    );
  });

  it('a quiet environment is good, with every instance watched', () => {
    const j = judgeBake(facts(), alarms());
    assert.equal(j.ok, true);
    assert.deepEqual(j.problems, []);
    assert.deepEqual(j.instances, green);
    assert.deepEqual(
      j.rules.map((r) => [r.rule, r.verdict]),
      [
        ['alarms', 'pass'],
        ['target-health', 'pass'],
        ['served-version', 'pass'],
        ['blue-deregistered', 'pass'],
      ],
    );
  });

  it('an alarm that was in ALARM during the bake is a problem of the look, named by the alarm', () => {
    const j = judgeBake(facts(), alarms({ 'web-latency': { state: 'ALARM', reason: 'p99 > 2s' } }));
    assert.equal(j.ok, false);
    assert.deepEqual(j.problems, [
      { kind: 'alarm', subject: 'web-latency', detail: 'alarm web-latency is ALARM: p99 > 2s' },
    ]);
    assert.deepEqual(
      j.rules.map((r) => [r.rule, r.verdict]),
      [
        ['alarms', 'fail'],
        ['target-health', 'pass'],
        ['served-version', 'pass'],
        ['blue-deregistered', 'pass'],
      ],
    );
  });

  it('what --ignore-alarms let through is carried into the look', () => {
    const firing = { state: 'ALARM', reason: 'p99 > 2s' };
    const judged = judgeAlarms(
      {
        since: SINCE,
        until: SINCE + 1,
        alarms: [{ name: 'web-latency', ...firing, changes: [] }],
      },
      new Set(['web-latency']),
      { insufficientData: 'fail', ignoreMissing: false },
    );
    const j = judgeBake(facts(), judged);
    assert.equal(j.ok, true);
    assert.deepEqual(j.excusedAlarms, ['web-latency']);
    assert.deepEqual([...j.escaped], ['web-latency']);
  });

  it('an unhealthy green instance is a problem named by the instance', () => {
    const f = facts();
    const tg = f.targetGroups[0];
    assert.ok(tg?.found);
    const j = judgeBake(
      {
        ...f,
        targetGroups: [
          {
            ...tg,
            targets: tg.targets.map((t) =>
              t.instanceId === 'i-g2' ? { ...t, state: 'unhealthy', reason: 'Target.FailedHealthChecks' } : t,
            ),
          },
        ],
      },
      alarms(),
    );
    assert.deepEqual(j.problems, [
      {
        kind: 'instance',
        subject: 'i-g2',
        detail: 'i-g2 is unhealthy (Target.FailedHealthChecks) in web-tg',
      },
    ]);
  });

  it('an instance that left its Auto Scaling group (scale-in) is not held to being healthy', () => {
    const f = facts();
    assert.ok(f.asg?.found);
    const asg = {
      ...f.asg,
      instances: f.asg.instances.map((i) =>
        i.instanceId === 'i-g3' ? { ...i, lifecycleState: 'Terminating:Wait' } : i,
      ),
    };
    const tg = f.targetGroups[0];
    assert.ok(tg?.found);
    const targets = tg.targets.map((t) => (t.instanceId === 'i-g3' ? { ...t, state: 'draining' } : t));
    const j = judgeBake({ ...f, asg, targetGroups: [{ ...tg, targets }] }, alarms());
    assert.equal(j.ok, true, describeProblems(j.problems));
    assert.deepEqual(j.instances, ['i-g1', 'i-g2']);
  });

  it('an instance Auto Scaling took out of service for a failed health check since the bake began fails the look, though the fleet now looks whole', () => {
    const f = facts();
    const j = judgeBake(f, alarms(), {
      replacements: [
        {
          group: 'CodeDeploy_web-dev_d-ABCDEFGHI',
          instanceId: 'i-g4',
          at: Date.parse('2026-12-05T20:11:53Z'),
          cause:
            'At 2026-12-05T20:11:53Z an instance was taken out of service in response to an ELB system health check failure.',
        },
      ],
      unread: [],
    });
    assert.equal(j.ok, false);
    assert.deepEqual(
      j.problems.map((p) => [p.kind, p.subject]),
      [['instance', 'i-g4']],
    );
    assert.equal(
      j.problems[0]?.detail,
      'i-g4 was taken out of service by CodeDeploy_web-dev_d-ABCDEFGHI at 2026-12-05T20:11:53.000Z for failing a health check (Auto Scaling: "At 2026-12-05T20:11:53Z an instance was taken out of service in response to an ELB system health check failure.")',
    );
  });

  it('in place, a deployment made since that reached a baked instance fails the look: it no longer runs what is baked', () => {
    const f = facts();
    const inPlace = (revision: string): Facts => ({
      ...f,
      deployment: { ...f.deployment, deploymentType: 'IN_PLACE' },
      serving: f.serving.map((t) => ({ ...t, label: undefined })),
      later: [
        {
          deploymentId: 'd-LATER0001',
          status: 'Succeeded',
          creator: 'user',
          revision,
          sameRevision: revision === SHA,
          targets: [{ instanceId: 'i-g2', status: 'Succeeded', events: [] }],
        },
      ],
    });
    const other = judgeBake(inPlace('d'.repeat(40)), alarms());
    assert.deepEqual(
      other.problems.map((p) => [p.kind, p.subject]),
      [['instance', 'i-g2']],
    );
    assert.match(
      describeProblems(other.problems),
      /i-g2: superseded — d-LATER0001 \(created by user, Succeeded on it\) deployed d{40} on it after d-ABCDEFGHI/,
    );
    // The same revision deployed again, and succeeding, still runs what is baked.
    assert.equal(judgeBake(inPlace(SHA), alarms()).ok, true);
  });

  it('a group whose activities since the bake began could not all be read fails the look: nothing is assumed', () => {
    const j = judgeBake(facts(), alarms(), { replacements: [], unread: ['CodeDeploy_web-dev_d-ABCDEFGHI'] });
    assert.deepEqual(
      j.problems.map((p) => [p.kind, p.subject]),
      [['fleet', 'CodeDeploy_web-dev_d-ABCDEFGHI']],
    );
    assert.match(
      j.problems[0]?.detail ?? '',
      /more scaling activities since the bake began than a look reads/,
    );
  });

  it('a fleet with no instance InService fails the look', () => {
    const f = facts();
    assert.ok(f.asg?.found);
    const asg = { ...f.asg, instances: f.asg.instances.map((i) => ({ ...i, lifecycleState: 'Terminated' })) };
    const j = judgeBake({ ...f, asg }, alarms());
    assert.deepEqual(
      j.problems.map((p) => [p.kind, p.subject]),
      [['fleet', 'CodeDeploy_web-dev_d-ABCDEFGHI']],
    );
  });

  it('a fleet with no instance InService is named as green, or in place as the fleet itself', () => {
    const f = facts();
    assert.ok(f.asg?.found);
    const asg = { ...f.asg, instances: f.asg.instances.map((i) => ({ ...i, lifecycleState: 'Terminated' })) };
    const detail = (deploymentType: 'BLUE_GREEN' | 'IN_PLACE') =>
      judgeBake({ ...f, asg, deployment: { ...f.deployment, deploymentType } }, alarms()).problems.map(
        (p) => p.detail,
      );
    assert.deepEqual(detail('BLUE_GREEN'), [
      'no instance of the green fleet is InService in CodeDeploy_web-dev_d-ABCDEFGHI',
    ]);
    assert.deepEqual(detail('IN_PLACE'), [
      'no instance of the fleet is InService in CodeDeploy_web-dev_d-ABCDEFGHI',
    ]);
  });

  it("the summary's target health counts green instances, or in place the fleet's, with or without a target group", () => {
    const instances = ['i-1', 'i-2', 'i-3'];
    assert.equal(
      describeTargetHealth({ instances, targetGroups: ['web-tg'] }),
      '3 green instances in web-tg',
    );
    assert.equal(
      describeTargetHealth({ instances, targetGroups: ['web-tg', 'web-api-tg'], inPlace: true }),
      '3 instances of the fleet in web-tg, web-api-tg',
    );
    assert.equal(
      describeTargetHealth({ instances: ['i-1'], targetGroups: [], inPlace: true }),
      '1 instance of the fleet (no target group)',
    );
  });

  it('an instance serving another version is a version problem named by the instance', () => {
    const f = facts();
    assert.equal(f.served.mode, 'instances');
    const answers = { ...(f.served.mode === 'instances' ? f.served.answers : {}) };
    answers['i-g1'] = { url: 'http://i-g1/healthcheck', version: 'd'.repeat(40) };
    const j = judgeBake({ ...f, served: { mode: 'instances', answers } }, alarms());
    assert.deepEqual(
      j.problems.map((p) => [p.kind, p.subject]),
      [['version', 'i-g1']],
    );
    assert.match(describeProblems(j.problems), /i-g1 serves d{40}, expected c{40}/);
  });
});

describe('the poll interval', () => {
  it('keeps --poll when the bake has room for enough looks', () => {
    assert.equal(effectivePollMs(parseDuration('10m'), parseDuration('15s')), 15_000);
  });
  it(`shortens it so every bake gets at least ${MIN_LOOKS} looks`, () => {
    assert.equal(effectivePollMs(parseDuration('30s'), parseDuration('15s')), 7_500);
    assert.equal(effectivePollMs(2, 15_000), 1);
  });
  it('a bake of 0 keeps --poll (it is a single look)', () => {
    assert.equal(effectivePollMs(0, 15_000), 15_000);
  });
});

describe('what the smoke tests are told', () => {
  it('the environment URL is the health URL without the health path', () => {
    assert.equal(
      environmentUrl({ url: 'https://dev.example.org/healthcheck', path: '/healthcheck' }),
      'https://dev.example.org',
    );
    assert.equal(
      environmentUrl({ url: 'https://example.org/web/healthcheck', path: '/healthcheck' }),
      'https://example.org/web',
    );
    assert.equal(
      environmentUrl({ url: 'http://127.0.0.1:8080/status', path: '/healthcheck' }),
      'http://127.0.0.1:8080',
    );
    assert.equal(environmentUrl({ path: '/healthcheck' }), undefined);
  });

  it('are variables, values passed as they are', () => {
    const hostile = '$(touch /tmp/x); `id`';
    assert.deepEqual(
      smokeVariables({
        environment: 'dev',
        url: 'https://dev.example.org',
        version: hostile,
        revision: hostile,
        deploymentId: 'd-1',
      }),
      {
        GREENLIGHT_URL: 'https://dev.example.org',
        GREENLIGHT_ENV: 'dev',
        GREENLIGHT_VERSION: hostile,
        GREENLIGHT_REVISION: hostile,
        GREENLIGHT_DEPLOYMENT_ID: 'd-1',
      },
    );
  });
});

describe('the gate reports', () => {
  const failed = (): GateOutcome => {
    const look = judgeBake(facts(), alarms({ 'web-5xx': { state: 'ALARM', reason: '5xx <1%> & "more"' } }));
    return {
      result: 'failed',
      environment: 'dev',
      deploymentId: 'd-ABCDEFGHI',
      revision: SHA,
      bakeMs: 600_000,
      pollMs: 15_000,
      startedAt: '2024-05-01T12:00:00.000Z',
      endedAt: '2024-05-01T12:00:30.000Z',
      watchedMs: 30_000,
      looks: 3,
      watched: {
        alarms: ['web-5xx', 'web-latency'],
        alarmHistory: 'alarm web-5xx is ALARM: 5xx <1%> & "more"',
        excusedAlarms: [],
        targetGroups: ['web-tg'],
        instances: green,
        servedVersion: `every instance serves ${SHA}`,
      },
      problems: look.problems,
      lastLook: look,
      history: [],
      alarmTimeline: [],
      smoke: {
        command: './smoke.sh',
        passed: false,
        exitCode: 3,
        timedOut: false,
        stopped: false,
        durationMs: 1200,
        output: 'POST /orders <500>\u0007\n',
        truncated: false,
      },
    };
  };

  it('JUnit: well-formed, the bake, the alarm and the smoke tests as failed cases, the output kept', () => {
    const xml = gateJunit(failed());
    const junit = checkJunit(xml);
    assert.ok(junit.failedNames.includes('bake window'), junit.failedNames.join(', '));
    assert.ok(junit.failedNames.some((n) => n.includes('alarm web-5xx is ALARM')));
    assert.ok(junit.failedNames.includes('./smoke.sh'));
    assert.match(xml, /<system-out>POST \/orders &lt;500&gt;\ufffd\n<\/system-out>/);
  });

  it('Markdown: what failed, what was watched, the smoke output', () => {
    const md = gateMarkdown(failed());
    assert.match(md, /## ❌ greenlight gate dev: failed/);
    assert.match(md, /\| alarm \| web-5xx \| alarm web-5xx is ALARM: 5xx <1%> & "more" \|/);
    assert.match(md, /### Smoke tests: failed: exit 3 after 1.2s/);
    assert.match(md, /POST \/orders <500>/);
  });
});
