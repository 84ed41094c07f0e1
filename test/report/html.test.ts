// tier: unit
// The HTML report is a pure function of a command's --json document: what a person must see is in
// it (verdict beside CodeDeploy's status, a lane per instance with the failed one marked in words,
// the fleet, the evidence, the logs, a gate's history), every string from AWS or the person is
// escaped, it loads nothing, and its markup is well-formed (checked as XML: the page is written to
// parse as both). How it looks in a browser is test/report/browser.test.ts's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GateReport } from '../../src/gate/report-json.js';
import { htmlReport, type HtmlReportInput } from '../../src/report/html.js';
import { verdictJson } from '../../src/verify/report-json.js';
import { judge } from '../../src/verify/verdict.js';
import { at, BLUE, GREEN, sampleFacts } from '../verify/sample-facts.js';
import { all, byClass, parsePage, raw, text, type Node } from './dom.js';

const HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';

function failedRelease(changes: Partial<HtmlReportInput> = {}): HtmlReportInput {
  const verification = verdictJson(judge(sampleFacts({ failFirst: true })));
  return {
    command: 'deploy',
    exitCode: 1,
    environment: 'dev',
    generatedAt: at(30),
    result: {
      deploymentId: verification.deploymentId,
      status: 'Succeeded',
      created: true,
      verified: false,
      failures: [
        {
          deploymentId: verification.deploymentId,
          instanceId: GREEN[0],
          lifecycleEvent: 'AfterInstall',
          scriptName: 'hooks/after-install.sh',
          errorCode: 'ScriptFailed',
          message: `Script at specified location: hooks/after-install.sh failed with exit code 3 ${HOSTILE}`,
          logTail: `[stderr]${HOSTILE}`,
        },
      ],
      verification,
    },
    ...changes,
  };
}

const wellFormed = parsePage;

describe('the HTML report', () => {
  it('is well-formed, self-contained, and has no script', () => {
    const page = htmlReport(failedRelease());
    const root = wellFormed(page);
    assert.equal(all(root, 'script').length, 0);
    assert.equal(all(root, 'link').length, 0);
    assert.equal(all(root, 'img').length, 0);
    // The only URL is the SVG namespace, which is a name, not something fetched.
    const urls = page.match(/\b(?:https?:)?\/\/[^\s"'<)]+/g) ?? [];
    assert.deepEqual([...new Set(urls)], ['http://www.w3.org/2000/svg']);
    assert.doesNotMatch(page, /@import| src="|url\((?!#)/);
  });

  it('escapes every string that came from AWS or the person', () => {
    const input = failedRelease();
    const page = htmlReport(input);
    assert.doesNotMatch(page, /<script|<img|onerror=alert\(1\)>/);
    assert.match(page, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &lt;img/);
    // Escaped, the text reads back as it was: in the log tail and in the message.
    const pres = all(wellFormed(page), 'pre').map(raw);
    assert.ok(pres.includes(`[stderr]${HOSTILE}`), pres.join('\n---\n'));
    // Ids, names and revisions too, in text and in attributes.
    const facts = sampleFacts({ failFirst: true });
    const hostileId = `i-0"><b>${HOSTILE}`;
    const evil = verdictJson(
      judge({
        ...facts,
        serving: facts.serving.map((t, k) => (k === 0 ? { ...t, instanceId: hostileId } : t)),
        deployment: { ...facts.deployment, revision: HOSTILE, deploymentGroup: HOSTILE },
      }),
    );
    const other = htmlReport({ command: 'verify', exitCode: 1, result: evil, generatedAt: at(30) });
    assert.doesNotMatch(other, /<script|<img|<b>/);
    const lanes = all(wellFormed(other), 'g').filter((g) => g.attributes.class === 'lane');
    assert.ok(lanes.some((g) => g.attributes['data-instance'] === hostileId));
  });

  it('puts greenlight’s verdict beside CodeDeploy’s status, in words', () => {
    const root = wellFormed(htmlReport(failedRelease()));
    const cards = byClass(root, 'div', 'card');
    const said = cards.map(text);
    assert.match(said[0] ?? '', /^greenlight ✗ FAILED 1 of 3 instances failed/);
    assert.match(said[1] ?? '', /^CodeDeploy ✓ Succeeded/);
    assert.equal(cards[0]?.attributes.class, 'card bad');
    assert.equal(text(all(root, 'h1')[0] as Node), 'greenlight deploy: ✗ FAILED');
  });

  it('draws a lane per instance, grouped green then blue, the failed one marked FAILED and red', () => {
    const root = wellFormed(htmlReport(failedRelease()));
    const svg = all(root, 'svg').find((s) => s.attributes.class === 'timeline');
    assert.ok(svg);
    assert.equal(svg.attributes.role, 'img');
    const labelled = (svg.attributes['aria-labelledby'] ?? '').split(' ');
    assert.deepEqual(
      labelled.map((id) =>
        all(svg, 'title')
          .concat(all(svg, 'desc'))
          .some((n) => n.attributes.id === id),
      ),
      [true, true],
    );
    const lanes = all(svg, 'g').filter((g) => g.attributes.class === 'lane');
    assert.deepEqual(
      lanes.map((g) => [g.attributes['data-instance'], g.attributes['data-lane']]),
      [...GREEN.map((id) => [id, 'green']), ...BLUE.map((id) => [id, 'blue'])],
    );
    const failed = lanes.filter((g) => g.attributes['data-status'] === 'Failed');
    assert.deepEqual(
      failed.map((g) => g.attributes['data-instance']),
      [GREEN[0]],
    );
    const lane = failed[0] as Node;
    assert.match(text(lane), /FAILED AfterInstall/);
    const bar = byClass(lane, 'g', 'bar').find((g) => g.attributes['data-status'] === 'Failed');
    assert.ok(bar);
    assert.equal(bar.attributes['data-event'], 'AfterInstall');
    const rect = all(bar, 'rect')[0];
    assert.match(rect?.attributes.fill ?? '', /^url\(#figure-\d+-hatch\)$/, 'red and cross-hatched');
    assert.match(text(all(bar, 'title')[0] as Node), /AfterInstall: Failed, 10:0\d:\d\d–/);
  });

  it('lays the bars out in time: each bar’s x grows with its start, its width with its length', () => {
    const root = wellFormed(htmlReport(failedRelease()));
    const bars = all(root, 'g')
      .filter((g) => g.attributes.class === 'bar' && g.attributes['data-start'])
      .map((g) => {
        const rect = all(g, 'rect')[0] as Node;
        return {
          start: Date.parse(g.attributes['data-start'] ?? ''),
          end: Date.parse(g.attributes['data-end'] ?? ''),
          x: Number(rect.attributes.x),
          w: Number(rect.attributes.width),
        };
      });
    assert.ok(bars.length > 20);
    const byStart = [...bars].sort((a, b) => a.start - b.start);
    for (let i = 1; i < byStart.length; i++) {
      const [a, b] = [byStart[i - 1], byStart[i]] as [(typeof bars)[0], (typeof bars)[0]];
      if (b.start > a.start) assert.ok(b.x > a.x, `a later bar is further right: ${JSON.stringify([a, b])}`);
    }
    // One scale for all: x per millisecond is the same for every bar.
    const scale = (bars[0]?.w ?? 0) / ((bars[0]?.end ?? 0) - (bars[0]?.start ?? 0));
    for (const b of bars) assert.ok(Math.abs(b.w / (b.end - b.start) - scale) < 1e-6);
  });

  it('marks the traffic switch and the termination wait where the timeline says', () => {
    const root = wellFormed(htmlReport(failedRelease()));
    const markers: Record<string, Node> = Object.fromEntries(
      byClass(root, 'g', 'marker').map((g) => [g.attributes['data-marker'] ?? '?', g] as const),
    );
    // The failed instance never took traffic: the switch is the other two's AllowTraffic.
    assert.equal(markers['traffic-switch']?.attributes['data-start'], at(11.1));
    assert.equal(markers['traffic-switch']?.attributes['data-end'], at(11.7));
    assert.equal(markers['termination-wait']?.attributes['data-end'], at(22));
    assert.match(text(markers['traffic-switch']), /traffic switch/);
    assert.match(text(markers['termination-wait']), /blue termination wait \(5 min set; took 5m18s\)/);
  });

  it('tables have captions and column headers; the fleet table says ASG, AZ, health, version, deployment', () => {
    const root = wellFormed(htmlReport(failedRelease()));
    const tables = all(root, 'table');
    assert.ok(tables.length >= 4);
    for (const t of tables) {
      assert.equal(all(t, 'caption').length, 1);
      const cols = all(t, 'th').filter((th) => th.attributes.scope === 'col');
      assert.ok(cols.length >= 2);
      for (const td of all(t, 'td')) assert.ok(td.attributes['data-label'], 'each cell names its column');
    }
    const fleet = tables.find((t) => /^The fleet/.test(text(all(t, 'caption')[0] as Node))) as Node;
    assert.deepEqual(
      all(fleet, 'th')
        .filter((th) => th.attributes.scope === 'col')
        .map(text),
      [
        'instance',
        'verdict',
        'role',
        'Auto Scaling group',
        'AZ',
        'target health',
        'version served',
        'installed by',
      ],
    );
    const first = all(fleet, 'tr').find((tr) => tr.attributes.class === 'failed') as Node;
    const cells = first.children.filter((c): c is Node => typeof c !== 'string').map(text);
    assert.equal(cells[0], GREEN[0]);
    assert.match(cells[1] ?? '', /^✗ fail/);
    assert.equal(cells[3], 'CodeDeploy_web-dev_d-ABCDEFGHI');
    assert.equal(cells[5], 'web-dev-tg: unused');
    assert.equal(cells[7], 'd-ABCDEFGHI (Failed)');
  });

  it('shows each failed rule’s evidence and the failure’s log tail', () => {
    const page = htmlReport(failedRelease());
    const root = wellFormed(page);
    const rules = all(root, 'div').filter((d) => d.attributes.class === 'rule');
    assert.deepEqual(
      rules.map((r) => text(all(r, 'h4')[0] as Node)),
      ['✗ lifecycle-events', '✗ target-health'],
    );
    const failure = all(root, 'article')[0] as Node;
    assert.match(text(all(failure, 'h3')[0] as Node), new RegExp(`^${GREEN[0]} failed AfterInstall$`));
    assert.match(text(failure), /hooks\/after-install\.sh/);
    assert.equal(all(failure, 'details').length, 0, 'no scripts.log was fetched');
  });

  it('shows a failure’s whole scripts.log when greenlight fetched one', () => {
    const input = failedRelease();
    const result = input.result as { failures: Record<string, unknown>[] };
    const log = Array.from({ length: 200 }, (_, i) => `line ${i} ${i === 7 ? HOSTILE : ''}`).join('\n');
    const page = htmlReport({
      ...input,
      result: {
        ...result,
        failures: [{ ...result.failures[0], scriptsLog: { text: log, lines: 200, truncated: false } }],
      },
    });
    const details = all(wellFormed(page), 'details').find((d) => d.attributes.class === 'scripts-log');
    assert.ok(details);
    assert.equal(details.attributes.open, '');
    assert.equal(raw(all(details, 'pre')[0] as Node), log);
    assert.match(text(details), /lines: 200 · truncated: false/);
  });

  it('a gate: its result, what failed it, and each alarm’s states and the health over the bake', () => {
    const start = at(0);
    const look = (n: number, state: string, healthy: number) => ({
      look: n,
      at: at(n),
      ok: state === 'OK' && healthy === 3,
      alarms: [{ name: 'web-dev-5xx', state }],
      targetGroups: [{ name: 'web-dev-tg', healthy, total: 3 }],
      served: 'pass' as const,
      versions: [{ version: 'c'.repeat(40), answers: 3 }],
    });
    const gate: GateReport = {
      passed: false,
      result: 'failed',
      environment: 'dev',
      deploymentId: 'd-ABCDEFGHI',
      revision: 'c'.repeat(40),
      bakeMs: 10 * 60_000,
      pollMs: 60_000,
      startedAt: start,
      endedAt: at(3),
      watchedMs: 3 * 60_000,
      looks: 4,
      watched: {
        alarms: ['web-dev-5xx'],
        alarmHistory: 'ALARM',
        excusedAlarms: [],
        targetGroups: ['web-dev-tg'],
        instances: GREEN,
        servedVersion: 'every instance serves it',
      },
      problems: [{ kind: 'alarm', subject: 'web-dev-5xx', detail: `alarm web-dev-5xx is ALARM: ${HOSTILE}` }],
      rules: [],
      history: [look(0, 'OK', 3), look(1, 'OK', 3), look(2, 'OK', 2), look(3, 'ALARM', 2)],
      alarmTimeline: [
        { name: 'web-dev-5xx', state: 'ALARM', changes: [{ at: at(2.5), from: 'OK', to: 'ALARM' }] },
      ],
    };
    const page = htmlReport({
      command: 'gate',
      exitCode: 1,
      result: { ...gate, verified: true },
      generatedAt: at(4),
    });
    assert.doesNotMatch(page, /<script/);
    const root = wellFormed(page);
    assert.equal(text(all(root, 'h1')[0] as Node), 'greenlight gate: ✗ FAILED');
    const stretches = all(root, 'g').filter((g) => g.attributes.class === 'stretch');
    assert.deepEqual(
      stretches.map((g) => [g.attributes['data-state'], g.attributes['data-start']]),
      [
        ['OK', start],
        ['ALARM', at(2.5)],
      ],
    );
    const health = all(root, 'g').filter((g) => g.attributes.class === 'health');
    assert.deepEqual(
      health.map((g) => `${g.attributes['data-healthy']}/${g.attributes['data-total']}`),
      ['3/3', '3/3', '2/3', '2/3'],
    );
    const looks = all(root, 'table').find((t) => /looks saw/.test(text(all(t, 'caption')[0] as Node)));
    assert.equal(all(all(looks as Node, 'tbody')[0] as Node, 'tr').length, 4);
    assert.match(page, /planned end of the bake/);
  });

  it('a command that ended in an error still gets a page that says so', () => {
    const page = htmlReport({
      command: 'wait',
      exitCode: 4,
      error: {
        message: `deployment d-ABCDEFGHI did not finish within 30m ${HOSTILE}`,
        code: 'WaitTimeoutError',
      },
      generatedAt: at(30),
    });
    const root = wellFormed(page);
    assert.equal(text(all(root, 'h1')[0] as Node), 'greenlight wait: ✗ TIMED OUT');
    assert.match(text(all(root, 'section')[0] as Node), /did not finish within 30m <script>/);
    assert.match(page, /exit code <strong>4<\/strong>: timed out/);
  });

  it('a result it has no drawing for is shown as data', () => {
    const page = htmlReport({
      command: 'rollback',
      exitCode: 0,
      result: { rolledBack: false, reason: `another deployment replaced it ${HOSTILE}` },
      generatedAt: at(30),
    });
    const pre = all(wellFormed(page), 'pre').map(raw);
    assert.deepEqual(JSON.parse(pre[0] ?? ''), {
      rolledBack: false,
      reason: `another deployment replaced it ${HOSTILE}`,
    });
  });
});
