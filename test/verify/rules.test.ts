// tier: unit
// The rules and the verdict are pure: facts built by hand, verdicts asserted directly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Facts, TargetFact } from '../../src/verify/facts.js';
import { verdictJson } from '../../src/verify/report-json.js';
import { verdictJunit } from '../../src/verify/report-junit.js';
import { verdictMarkdown } from '../../src/verify/report-markdown.js';
import { verdictTable } from '../../src/verify/report-table.js';
import { RULES, sameVersion } from '../../src/verify/rules.js';
import { judge } from '../../src/verify/verdict.js';
import { revisionTag, tagValue } from '../../src/rollback/last-known-good.js';
import { checkJunit, parseXml } from './junit-xml.js';
import { validateReport } from './schema.js';

const SHA = 'c'.repeat(40);
const EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];

function target(id: string, overrides: Partial<TargetFact> = {}): TargetFact {
  return {
    instanceId: id,
    label: 'Green',
    status: 'Succeeded',
    events: EVENTS.map((name) => ({ name, status: 'Succeeded' })),
    ...overrides,
  };
}

const green = ['i-g1', 'i-g2', 'i-g3'];
const blue = ['i-b1', 'i-b2', 'i-b3'];

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
    serving: green.map((id) => target(id)),
    replaced: blue,
    asg: {
      name: 'CodeDeploy_web-dev_d-ABCDEFGHI',
      found: true,
      desiredCapacity: 3,
      instances: green.map((id, k) => ({
        instanceId: id,
        availabilityZone: k % 2 ? 'us-east-1b' : 'us-east-1a',
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
    instances: Object.fromEntries(
      blue.map((id) => [id, { instanceId: id, state: 'terminated', autoScalingGroup: 'web-asg' }]),
    ),
    alarms: [{ name: 'web-5xx', state: 'OK' }],
    ignoreAlarmFailure: false,
    served: {
      mode: 'instances',
      answers: Object.fromEntries(
        green.map((id) => [id, { url: `http://${id}/healthcheck`, httpStatus: 200, version: SHA }]),
      ),
    },
    followUps: [],
    phase: 'after-traffic',
    otherAsgs: [],
    trafficMoved: true,
    gatheredAt: '2026-01-02T03:04:05.000Z',
    ...changes,
  };
}

const failingRules = (f: Facts) =>
  judge(f)
    .rules.filter((r) => r.verdict === 'fail')
    .map((r) => r.rule);

describe('verifier rules', () => {
  it('a good blue/green deployment passes every rule and says so', () => {
    const verdict = judge(facts());
    assert.equal(verdict.verified, true);
    assert.deepEqual(failingRules(facts()), []);
    assert.equal(verdict.headline, 'CodeDeploy: Succeeded — greenlight: verified, 3 of 3 instances');
    assert.deepEqual(
      verdict.rules.filter((r) => r.verdict === 'skip').map((r) => r.rule),
      ['scale-out-deployments'],
    );
    assert.equal(RULES.length, verdict.rules.length);
  });

  it('a Skipped or Pending event fails its instance, naming event, script and code', () => {
    const events = EVENTS.map((name, k) =>
      k === 4
        ? {
            name,
            status: 'Failed',
            errorCode: 'ScriptFailed',
            scriptName: 'hooks/after-install.sh',
            message: 'exit 3',
            logTail: 'boom',
          }
        : { name, status: k > 4 ? 'Skipped' : 'Succeeded' },
    );
    const f = facts({
      serving: [target('i-g1', { status: 'Failed', events }), target('i-g2'), target('i-g3', { events: [] })],
    });
    const verdict = judge(f);
    assert.deepEqual(failingRules(f), ['lifecycle-events']);
    const row = verdict.instances.find((i) => i.instanceId === 'i-g1');
    assert.equal(row?.failedEvent, 'AfterInstall');
    assert.equal(row?.scriptName, 'hooks/after-install.sh');
    assert.equal(row?.logTail, 'boom');
    assert.match(
      verdict.headline,
      /^CodeDeploy: Succeeded — greenlight: FAILED, 2 of 3 instances failed \(i-g1 AfterInstall, i-g3 lifecycle-events\)/,
    );
    const pending = facts({
      serving: [
        target('i-g1', {
          events: EVENTS.map((name) => ({ name, status: name === 'AllowTraffic' ? 'Pending' : 'Succeeded' })),
        }),
      ],
    });
    assert.ok(failingRules(pending).includes('lifecycle-events'));
  });

  it('target health: every registration of an instance must be healthy, one per port; one draining beside a healthy one is let go', () => {
    const tg = (extra: { instanceId: string; port: number; state: string }[]) =>
      facts({
        targetGroups: [
          {
            name: 'web-tg',
            found: true,
            arn: 'arn:tg',
            targets: [...green.map((id) => ({ instanceId: id, port: 8000, state: 'healthy' })), ...extra],
          },
        ],
      });
    const health = (f: Facts) => judge(f).rules.find((r) => r.rule === 'target-health');
    const second = health(tg([{ instanceId: 'i-g2', port: 8080, state: 'unhealthy' }]));
    assert.equal(second?.verdict, 'fail');
    assert.deepEqual(
      second?.evidence.filter((e) => e.verdict === 'fail').map((e) => e.detail),
      ['i-g2 is unhealthy on port 8080 in web-tg'],
    );
    assert.equal(health(tg([{ instanceId: 'i-g2', port: 8080, state: 'draining' }]))?.verdict, 'pass');
    assert.equal(health(tg([{ instanceId: 'i-g2', port: 8080, state: 'initial' }]))?.verdict, 'fail');
  });

  it('before traffic, traffic events may be Pending and target health is skipped with a reason', () => {
    const f = facts({
      phase: 'before-traffic',
      deployment: { ...facts().deployment, status: 'Ready' },
      serving: green.map((id) =>
        target(id, {
          status: 'Ready',
          events: EVENTS.map((name, k) => ({ name, status: k >= 7 ? 'Pending' : 'Succeeded' })),
        }),
      ),
      targetGroups: [],
    });
    const verdict = judge(f);
    assert.equal(verdict.verified, true, verdict.headline);
    const health = verdict.rules.find((r) => r.rule === 'target-health');
    assert.equal(health?.verdict, 'skip');
    assert.match(health?.summary ?? '', /traffic has not moved yet/);
  });

  it('an ASG instance without a target is undeployed; a target whose instance left is gone; counts must agree', () => {
    const base = facts();
    const asg = base.asg?.found ? base.asg : undefined;
    assert.ok(asg);
    const f = facts({
      asg: {
        ...asg,
        desiredCapacity: 4,
        instances: [
          ...asg.instances.slice(1),
          {
            instanceId: 'i-new',
            availabilityZone: 'us-east-1a',
            lifecycleState: 'Pending:Wait',
            healthStatus: 'Healthy',
          },
        ],
      },
      instances: { ...base.instances, 'i-g1': { instanceId: 'i-g1', state: 'terminated' } },
    });
    const capacity = judge(f).rules.find((r) => r.rule === 'capacity');
    assert.equal(capacity?.verdict, 'fail');
    const details = capacity?.evidence.filter((e) => e.verdict === 'fail').map((e) => e.detail) ?? [];
    assert.ok(details.some((d) => d.startsWith('i-new is undeployed')));
    assert.ok(details.some((d) => d.startsWith('i-g1 is gone') && d.includes('EC2: terminated')));
    assert.ok(details.some((d) => d.includes('desired 4, InService 2, deployed 2')));
    const row = judge(f).instances.find((i) => i.instanceId === 'i-new');
    assert.equal(row?.role, 'undeployed');
  });

  it('a scale-out instance deployed by a later automatic deployment counts as deployed', () => {
    const base = facts();
    const asg = base.asg?.found ? base.asg : undefined;
    assert.ok(asg);
    const f = facts({
      asg: {
        ...asg,
        desiredCapacity: 4,
        instances: [
          ...asg.instances,
          {
            instanceId: 'i-late',
            availabilityZone: 'us-east-1b',
            lifecycleState: 'InService',
            healthStatus: 'Healthy',
          },
        ],
      },
      followUps: [
        {
          deploymentId: 'd-AUTOMATIC',
          status: 'Succeeded',
          creator: 'autoscaling',
          revision: SHA,
          sameRevision: true,
          targets: [
            target('i-late', {
              label: undefined,
              events: EVENTS.slice(0, 7).map((name) => ({ name, status: 'Succeeded' })),
            }),
          ],
        },
      ],
      targetGroups: [
        {
          name: 'web-tg',
          found: true,
          arn: 'arn:tg',
          targets: [...green, 'i-late'].map((id) => ({ instanceId: id, state: 'healthy' })),
        },
      ],
    });
    const served = f.served.mode === 'instances' ? f.served.answers : {};
    const verdict = judge({
      ...f,
      served: { mode: 'instances', answers: { ...served, 'i-late': { url: 'u', version: SHA } } },
    });
    assert.equal(verdict.verified, true, verdict.headline);
    assert.equal(verdict.instances.find((i) => i.instanceId === 'i-late')?.role, 'scale-out');
  });

  it('blue still registered fails; so does an instance of another group sharing the target group', () => {
    const tg = facts().targetGroups[0];
    assert.ok(tg?.found);
    const f = facts({
      targetGroups: [
        {
          ...tg,
          targets: [
            ...tg.targets,
            { instanceId: 'i-b2', state: 'healthy' },
            { instanceId: 'i-other', state: 'healthy' },
            { instanceId: 'i-drain', state: 'draining' },
            { instanceId: 'i-gone', state: 'unused' },
          ],
        },
      ],
      instances: {
        ...facts().instances,
        'i-b2': { instanceId: 'i-b2', state: 'running', autoScalingGroup: 'web-asg' },
        'i-other': { instanceId: 'i-other', state: 'running', autoScalingGroup: 'api-asg' },
        'i-drain': { instanceId: 'i-drain', state: 'running' },
      },
    });
    const verdict = judge(f);
    const rule = verdict.rules.find((r) => r.rule === 'blue-deregistered');
    assert.equal(rule?.verdict, 'fail');
    const failed = rule?.evidence.filter((e) => e.verdict === 'fail') ?? [];
    assert.deepEqual(
      failed.map((e) => e.instanceId),
      ['i-b2', 'i-other', 'i-drain'],
    );
    assert.match(
      failed[1]?.detail ?? '',
      /i-other is undeployed: registered in web-tg \(healthy\) from Auto Scaling group api-asg, not the fleet's/,
    );
    assert.match(failed[2]?.detail ?? '', /launched outside any Auto Scaling group/);
    assert.ok(failingRules(f).includes('blue-fleet'), 'a running blue instance under TERMINATE fails too');
    // The stranger is part of the fleet the headline counts, and its served version is asked for.
    assert.equal(verdict.instances.find((i) => i.instanceId === 'i-other')?.role, 'undeployed');
    const version = verdict.rules.find((r) => r.rule === 'served-version');
    assert.ok(version?.evidence.some((e) => e.instanceId === 'i-other' && e.verdict === 'fail'));
  });

  it('an instance installed by an automatic deployment of another revision is not deployed', () => {
    const base = facts();
    const asg = base.asg?.found ? base.asg : undefined;
    assert.ok(asg);
    const late = {
      instanceId: 'i-late',
      availabilityZone: 'us-east-1b',
      lifecycleState: 'InService',
      healthStatus: 'Healthy',
    };
    const f = facts({
      asg: { ...asg, desiredCapacity: 4, instances: [...asg.instances, late] },
      followUps: [
        {
          deploymentId: 'd-AUTOOTHER',
          status: 'Succeeded',
          creator: 'autoscaling',
          revision: 'd'.repeat(40),
          sameRevision: false,
          targets: [target('i-late', { label: undefined })],
        },
      ],
    });
    const capacity = judge(f).rules.find((r) => r.rule === 'capacity');
    assert.equal(capacity?.verdict, 'fail');
    assert.match(capacity?.summary ?? '', /d-AUTOOTHER installed d{40} on it, not c{40}/);
  });

  it('a deployment that failed before traffic moved: green failures named, the serving blue fleet is no failure', () => {
    const f = facts({
      deployment: { ...facts().deployment, status: 'Failed', instanceTerminationWaitStarted: false },
      trafficMoved: false,
      serving: green.map((id) =>
        target(id, {
          status: 'Failed',
          events: [
            { name: 'ApplicationStop', status: 'Succeeded' },
            { name: 'DownloadBundle', status: 'Failed', errorCode: 'UnknownError', message: 'no bundle' },
            ...EVENTS.slice(2).map((name) => ({ name, status: 'Skipped' })),
          ],
        }),
      ),
      targetGroups: [
        {
          name: 'web-tg',
          found: true,
          arn: 'arn:tg',
          targets: blue.map((id) => ({ instanceId: id, state: 'healthy' })),
        },
      ],
      instances: Object.fromEntries(blue.map((id) => [id, { instanceId: id, state: 'running' }])),
      served: { mode: 'skipped', reason: 'the deployment is Failed: nothing to ask yet' },
    });
    const verdict = judge(f);
    assert.equal(verdict.verified, false);
    assert.deepEqual(failingRules(f), ['deployment-status', 'lifecycle-events']);
    for (const rule of ['blue-deregistered', 'blue-fleet', 'target-health', 'capacity'])
      assert.match(verdict.rules.find((r) => r.rule === rule)?.summary ?? '', /traffic never moved/);
    assert.match(verdict.headline, /3 of 3 instances failed \(i-g1 DownloadBundle/);
    assert.match(verdict.headline, /traffic never moved, so the original fleet \(3 instances\) still serves/);
  });

  it('KEEP_ALIVE wants blue running; an alarm in ALARM or missing fails; versions compare by commit', () => {
    const keep = facts({
      deployment: { ...facts().deployment, terminateBlue: { action: 'KEEP_ALIVE', waitMinutes: 0 } },
    });
    assert.ok(failingRules(keep).includes('blue-fleet'));
    assert.deepEqual(
      failingRules(facts({ alarms: [{ name: 'web-5xx', state: 'ALARM', reason: 'too many' }] })),
      ['alarms'],
    );
    assert.deepEqual(failingRules(facts({ alarms: [{ name: 'gone' }] })), ['alarms']);
    assert.deepEqual(failingRules(facts({ alarms: [{ name: 'gone' }], ignoreAlarmFailure: true })), []);
    assert.ok(sameVersion(SHA.slice(0, 7), SHA));
    assert.ok(!sameVersion(SHA.slice(0, 6), SHA));
    assert.ok(!sameVersion('d'.repeat(40), SHA));
  });

  it('served version: a wrong or missing answer fails per instance; through the load balancer every answer must match', () => {
    const served = facts().served;
    assert.equal(served.mode, 'instances');
    const answers = served.mode === 'instances' ? served.answers : {};
    const f = facts({
      served: {
        mode: 'instances',
        answers: {
          ...answers,
          'i-g2': { url: 'http://x/healthcheck', version: 'd'.repeat(40) },
          'i-g3': { url: 'http://y/healthcheck', error: 'ECONNREFUSED', unreachable: true },
        },
      },
    });
    const rule = judge(f).rules.find((r) => r.rule === 'served-version');
    assert.deepEqual(
      rule?.evidence.filter((e) => e.verdict === 'fail').map((e) => e.instanceId),
      ['i-g2', 'i-g3'],
    );
    const lb = facts({
      served: {
        mode: 'load-balancer',
        why: 'unreachable',
        url: 'https://lb/healthcheck',
        targets: 3,
        answers: [
          { url: 'u', version: SHA },
          { url: 'u', version: 'old' },
        ],
      },
    });
    assert.deepEqual(failingRules(lb), ['served-version']);
    const skipped = judge(facts({ served: { mode: 'skipped', reason: 'no health.url' } })).rules.find(
      (r) => r.rule === 'served-version',
    );
    assert.deepEqual([skipped?.verdict, skipped?.summary], ['skip', 'no health.url']);
  });

  it('in-place and rollback deployments skip the blue/green rules with a reason', () => {
    const inPlace = judge(
      facts({ deployment: { ...facts().deployment, deploymentType: 'IN_PLACE' }, replaced: [] }),
    );
    assert.match(inPlace.rules.find((r) => r.rule === 'blue-fleet')?.summary ?? '', /in-place/);
    const rollback = judge(facts({ deployment: { ...facts().deployment, rollbackOf: 'd-ORIGINAL1' } }));
    assert.equal(rollback.rules.find((r) => r.rule === 'blue-fleet')?.verdict, 'skip');
  });
});

describe('in place: a later deployment to the same instances', () => {
  const OTHER = 'd'.repeat(40);
  /** An in-place deployment of SHA over the three instances, then `later` deployments reaching them. */
  const inPlace = (later: Facts['later']) =>
    facts({
      deployment: { ...facts().deployment, deploymentType: 'IN_PLACE' },
      serving: green.map((id) => target(id, { label: undefined })),
      replaced: [],
      instances: {},
      asg: { ...(facts().asg as NonNullable<Facts['asg']>), name: 'web-asg' },
      ...(later ? { later } : {}),
    });
  const reaching = (deploymentId: string, revision: string, status: string, ids = ['i-g1']) => ({
    deploymentId,
    status: 'Succeeded',
    creator: 'user',
    revision,
    sameRevision: revision === SHA,
    targets: ids.map((id) => target(id, { label: undefined, status })),
  });
  const failedIds = (f: Facts) =>
    (judge(f).rules.find((r) => r.rule === 'lifecycle-events')?.evidence ?? [])
      .filter((e) => e.verdict === 'fail')
      .map((e) => e.instanceId);

  it('an instance another revision was deployed to since no longer runs this one: it fails, named', () => {
    const f = inPlace([reaching('d-LATER0001', OTHER, 'Succeeded')]);
    assert.deepEqual(failedIds(f), ['i-g1']);
    assert.equal(judge(f).verified, false);
    const detail = judge(f).rules.find((r) => r.rule === 'lifecycle-events')?.evidence[0]?.detail ?? '';
    assert.match(
      detail,
      /i-g1: superseded — d-LATER0001 \(created by user, Succeeded on it\) deployed d{40}/,
    );
  });

  it('the same revision Succeeded again, or a deployment that never began on it, leaves it verified', () => {
    assert.deepEqual(failedIds(inPlace([reaching('d-AGAIN0001', SHA, 'Succeeded')])), []);
    assert.deepEqual(failedIds(inPlace([reaching('d-LATER0001', OTHER, 'Skipped', green)])), []);
    assert.deepEqual(failedIds(inPlace([reaching('d-LATER0001', OTHER, 'Pending', green)])), []);
    assert.equal(judge(inPlace(undefined)).verified, true);
  });

  it('the newest deployment to reach an instance decides: another revision, then this one again', () => {
    const back = [reaching('d-LATER0001', OTHER, 'Succeeded'), reaching('d-AGAIN0001', SHA, 'Succeeded')];
    assert.deepEqual(failedIds(inPlace(back)), []);
    const failedAgain = [reaching('d-LATER0001', OTHER, 'Succeeded'), reaching('d-AGAIN0001', SHA, 'Failed')];
    assert.deepEqual(failedIds(inPlace(failedAgain)), ['i-g1']);
  });
});

describe('verifier reports', () => {
  const failed = facts({
    serving: [
      target('i-g1', {
        status: 'Failed',
        events: EVENTS.map((name, k) =>
          k === 4
            ? {
                name,
                status: 'Failed',
                errorCode: 'ScriptFailed',
                scriptName: 'hooks/after-install.sh',
                message: 'exit 3',
                logTail: '[stderr]<boom> & "quoted"\u0007',
              }
            : { name, status: k > 4 ? 'Skipped' : 'Succeeded' },
        ),
      }),
      target('i-g2'),
      target('i-g3'),
    ],
  });

  it('--json validates against the documented schema, good and bad', () => {
    assert.deepEqual(validateReport(verdictJson(judge(facts()))), []);
    assert.deepEqual(validateReport(verdictJson(judge(failed))), []);
    assert.notDeepEqual(
      validateReport({ ...verdictJson(judge(facts())), verified: 'yes' }),
      [],
      'the schema rejects a wrong shape',
    );
  });

  it('JUnit XML parses, has one test case per instance and rule, and lists the failed instance with its log tail', () => {
    const xml = verdictJunit(judge(failed));
    const junit = checkJunit(xml);
    assert.ok(junit.failedNames.includes('lifecycle-events i-g1'));
    assert.ok(junit.cases >= 3 * 4, 'instance rules × instances, plus the rest');
    const root = parseXml(xml);
    const failure = root.children[0]?.children.find((c) => c.attributes.name === 'lifecycle-events i-g1')
      ?.children[0];
    assert.equal(failure?.name, 'failure');
    assert.match(failure?.text ?? '', /log tail:\n\[stderr\]<boom> & "quoted"/);
    assert.throws(() => parseXml('<a><b></a>'), /not well-formed/);
    assert.throws(() => parseXml('<a x="1" x="2"/>'), /duplicate/);
  });

  it('the table and the Markdown name the failed instance, event and script', () => {
    const verdict = judge(failed);
    const table = verdictTable(verdict);
    // At 80 columns the failure columns go on a line of their own under the failed row.
    assert.match(
      table,
      /✗\s+i-g1\s+green\s+us-east-1a\s+Failed\s+healthy\s+c{12}\n\s+AfterInstall\s+hooks\/after-install.sh\s+ScriptFailed/,
    );
    assert.match(
      verdictTable(verdict, { width: 160 }),
      /✗\s+i-g1\s+green\s+us-east-1a\s+Failed\s+AfterInstall\s+hooks\/after-install.sh\s+ScriptFailed/,
    );
    const md = verdictMarkdown(verdict);
    assert.match(md, /## ❌ greenlight verify d-ABCDEFGHI/);
    assert.match(
      md,
      /\| i-g1 \| green \| us-east-1a \| AfterInstall \| hooks\/after-install.sh \| ScriptFailed \|/,
    );
  });
});

describe('last-known-good tags', () => {
  it('values keep to what AWS tags accept, within 256 characters', () => {
    assert.equal(revisionTag(SHA), SHA);
    assert.equal(
      revisionTag('s3://bucket/web/app.zip?versionId=v1#abc'),
      's3://bucket/web/app.zip version=v1 etag=abc',
    );
    assert.equal(tagValue('a?b#c'), 'a_b_c');
    assert.equal(tagValue('x'.repeat(300)).length, 256);
  });
});
