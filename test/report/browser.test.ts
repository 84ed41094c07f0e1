// tier: e2e
// The HTML report of a failed release, as a person sees it in a real browser (headless Chromium over
// the DevTools protocol, test/support/chromium.ts). The release is the demo's fourth chapter on the
// local cloud: v1 verified, then v2 with one green instance's AfterInstall failing — CodeDeploy says
// Succeeded (AllAtOnce), greenlight FAILED — written by `greenlight deploy --html`. In the browser:
// the failed instance is named in the timeline, in the green fleet's lane group, marked failed in
// words and in red (counted in the screenshot's own pixels, against a passing lane's none); the bars
// stand in the order of their times; the page loads nothing but itself; at a phone's width nothing
// but the timeline's scroll box is wider than the screen; printed, the timeline fits the page. The
// page, its screenshots and the PDF are kept under reports/browser/ (not committed).
//
// Skipped only where Chromium is not installed and this is not CI; in CI (.ci/run installs Debian's
// `chromium`) a missing browser fails the test.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { repoRoot } from '../cli/spawn.js';
import { sampleEnvironment } from '../config/sample.js';
import { chromiumPath, launchChromium, type Chromium, type Page } from '../support/chromium.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

const V1 = 'a1'.repeat(20);
const V2 = 'b2'.repeat(20);
const FLEET = 4;
const OUT = join(repoRoot, 'reports', 'browser');
const binary = chromiumPath();
const inCi = Boolean(process.env.CI);

interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

interface Seen {
  readonly title: string;
  readonly lanes: {
    instance: string;
    lane: string;
    status: string;
    label: string;
    statusText: string;
    statusColor: string;
    labelWidth: number;
    rect: Rect;
  }[];
  readonly groups: { text: string; y: number }[];
  readonly bars: {
    instance: string;
    event: string;
    start: number;
    end: number;
    left: number;
    right: number;
  }[];
  readonly failedBarFill: string;
  readonly patternFill: string;
}

/** Counts the clearly red pixels of a PNG (base64), decoded by the browser itself on a canvas. */
function redPixels(page: Page, png: string): Promise<{ red: number; total: number }> {
  return page.evaluate(`(async () => {
    const image = new Image();
    image.src = 'data:image/png;base64,${png}';
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let red = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] >= 150 && data[i + 1] <= 90 && data[i + 2] <= 90) red++;
    return { red, total: data.length / 4 };
  })()`);
}

describe(
  'the HTML report of a failed release in a real browser',
  {
    skip:
      binary || inCi
        ? false
        : 'chromium is not installed (apt-get install chromium; .ci/run installs it, and in CI this test must run)',
  },
  () => {
    let cloud: TestCloud;
    let dir: string;
    let browser: Chromium;
    let page: Page;
    let failedInstance = '';
    let url = '';

    before(async () => {
      assert.ok(binary, 'chromium must be installed in CI: .ci/run installs Debian’s chromium package');
      cloud = await startCloud({ world: devWorld(FLEET) });
      dir = await mkdtemp(join(tmpdir(), 'greenlight-browser-'));
      await writeFile(
        join(dir, 'greenlight.yml'),
        stringify({ application: 'web', environments: { dev: sampleEnvironment() } }),
      );
      const run = (args: string[]) => cliInProcess(args, { env: cloud.env, cwd: dir, clock: cloud.clock });
      assert.equal((await run(['group', 'apply', '--env', 'dev'])).code, 0);
      const deploy = (revision: string, ...more: string[]) =>
        run(['deploy', '--env', 'dev', '--revision', revision, '--skip-preflight', '--poll', '15s', ...more]);
      const v1 = await deploy(V1);
      assert.equal(v1.code, 0, v1.stderr);
      await cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 0,
        event: 'AfterInstall',
        effect: 'fail',
        exitCode: 3,
      });
      await mkdir(OUT, { recursive: true });
      const file = join(OUT, 'failed-release.html');
      const v2 = await deploy(V2, '--json', '--html', file);
      assert.equal(v2.code, 1, v2.stderr);
      const result = (
        JSON.parse(v2.stdout) as {
          result: { status: string; failures: { instanceId: string; lifecycleEvent: string }[] };
        }
      ).result;
      assert.equal(result.status, 'Succeeded', 'CodeDeploy called it a success');
      assert.equal(result.failures.length, 1);
      failedInstance = result.failures[0]?.instanceId ?? '';
      url = pathToFileURL(file).href;
      browser = await launchChromium(binary);
      page = await browser.newPage();
    });
    after(async () => {
      await browser?.close();
      await cloud?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function view(width: number, height: number, mobile: boolean): Promise<void> {
      await page.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile });
      await page.load(url);
    }

    async function screenshot(name: string, clip?: Rect): Promise<string> {
      const size = await page.evaluate<{ width: number; height: number }>(
        '({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight })',
      );
      const { data } = await page.send<{ data: string }>('Page.captureScreenshot', {
        format: 'png',
        captureBeyondViewport: true,
        clip: { ...(clip ?? { x: 0, y: 0, width: size.width, height: size.height }), scale: 1 },
      });
      if (name) await writeFile(join(OUT, name), Buffer.from(data, 'base64'));
      return data;
    }

    it('names the failed instance in its green lane, marked failed in words and in red', async () => {
      await view(1280, 900, false);
      const seen = await page.evaluate<Seen>(`(() => {
        const box = (r) => ({ x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height });
        const lanes = [...document.querySelectorAll('svg.timeline g.lane')].map((g) => {
          const label = g.querySelector('text.lane-label');
          const status = g.querySelector('text.lane-status');
          return {
            instance: g.dataset.instance, lane: g.dataset.lane, status: g.dataset.status,
            label: label.textContent, labelWidth: label.getBoundingClientRect().width,
            statusText: status.textContent, statusColor: getComputedStyle(status).fill,
            rect: box(g.getBoundingClientRect()),
          };
        });
        const svg = document.querySelector('svg.timeline');
        const groups = [...svg.querySelectorAll('text.fleet')].map((t) => ({ text: t.textContent, y: t.getBoundingClientRect().y + window.scrollY }));
        const bars = [...svg.querySelectorAll('g.bar[data-start]')].map((g) => {
          const r = g.querySelector('rect').getBoundingClientRect();
          return { instance: g.dataset.instance, event: g.dataset.event, start: Date.parse(g.dataset.start), end: Date.parse(g.dataset.end), left: r.left, right: r.right };
        });
        const failedBar = svg.querySelector('g.lane[data-status="Failed"] g.bar[data-status="Failed"] rect');
        const fill = failedBar.getAttribute('fill');
        const pattern = svg.querySelector(fill.replace(/^url\\((.*)\\)$/, '$1') + ' rect');
        return { title: document.title, lanes, groups, bars, failedBarFill: fill, patternFill: getComputedStyle(pattern).fill };
      })()`);
      assert.match(seen.title, /^greenlight deploy d-\w{9}: FAILED$/);
      const failed = seen.lanes.filter((l) => l.status === 'Failed');
      assert.deepEqual(
        failed.map((l) => [l.instance, l.lane]),
        [[failedInstance, 'green']],
      );
      const lane = failed[0]!;
      assert.equal(lane.label, failedInstance, 'the lane names the instance');
      assert.ok(lane.labelWidth > 0, 'and the name is drawn');
      assert.match(lane.statusText, /FAILED AfterInstall/);
      assert.equal(lane.statusColor, 'rgb(183, 28, 28)', 'the words are red');
      assert.match(seen.failedBarFill, /^url\(#figure-\d+-hatch\)$/, 'the failed bar is cross-hatched');
      assert.equal(seen.patternFill, 'rgb(198, 40, 40)', 'on red');
      // In the green fleet's group: below its heading, above the blue fleet's.
      const green = seen.groups.find((g) => g.text.startsWith('green fleet'));
      const blue = seen.groups.find((g) => g.text.startsWith('blue fleet'));
      assert.ok(green && blue, JSON.stringify(seen.groups));
      assert.ok(green.y < lane.rect.y && lane.rect.y < blue.y, 'the failed lane is among the green lanes');
      assert.equal(seen.lanes.filter((l) => l.lane === 'green').length, FLEET);
      assert.equal(seen.lanes.filter((l) => l.lane === 'blue').length, FLEET);

      // The screenshot shows it: the failed lane has red in it; a lane that passed has none.
      await screenshot('failed-release.png');
      const passing = seen.lanes.find((l) => l.lane === 'green' && l.status !== 'Failed')!;
      const redFailed = await redPixels(page, await screenshot('failed-lane.png', lane.rect));
      const redPassing = await redPixels(page, await screenshot('', passing.rect));
      assert.ok(redFailed.red >= 100, `red pixels in the failed lane: ${JSON.stringify(redFailed)}`);
      assert.equal(redPassing.red, 0, `red pixels in a passing lane: ${JSON.stringify(redPassing)}`);
    });

    it('draws the bars in the order of their times', async () => {
      const bars = await page.evaluate<
        Seen['bars']
      >(`[...document.querySelectorAll('svg.timeline g.bar[data-start]')].map((g) => {
        const r = g.querySelector('rect').getBoundingClientRect();
        return { instance: g.dataset.instance, event: g.dataset.event, start: Date.parse(g.dataset.start), end: Date.parse(g.dataset.end), left: r.left, right: r.right };
      })`);
      assert.ok(bars.length >= 3 * FLEET, `${bars.length} bars`);
      // One scale for the whole drawing: each bar's left edge is where its start time falls.
      const byStart = [...bars].sort((a, b) => a.start - b.start);
      const [first, last] = [byStart[0]!, byStart[byStart.length - 1]!];
      const pxPerMs = (last.left - first.left) / (last.start - first.start);
      assert.ok(pxPerMs > 0);
      for (const b of byStart) {
        const expected = first.left + (b.start - first.start) * pxPerMs;
        assert.ok(
          Math.abs(b.left - expected) < 0.1,
          `${b.instance} ${b.event} at ${b.left}, its time at ${expected}`,
        );
      }
      for (let i = 1; i < byStart.length; i++) {
        const [a, b] = [byStart[i - 1]!, byStart[i]!];
        assert.ok(b.left >= a.left - 0.01, `${b.instance} ${b.event} starts after ${a.instance} ${a.event}`);
      }
      for (const b of bars) assert.ok(b.right >= b.left && b.end >= b.start);
      // Within a lane, the bars follow one another as the events did, in the page's order too.
      for (const instance of new Set(bars.map((b) => b.instance))) {
        const own = bars.filter((b) => b.instance === instance);
        for (let i = 1; i < own.length; i++) {
          assert.ok(
            own[i]!.start >= own[i - 1]!.end,
            `${instance}: ${own[i]!.event} after ${own[i - 1]!.event}`,
          );
          assert.ok(
            own[i]!.left >= own[i - 1]!.right - 0.01,
            `${instance}: ${own[i]!.event} drawn after ${own[i - 1]!.event}: ${JSON.stringify([own[i - 1], own[i]])}`,
          );
        }
      }
    });

    it('loads nothing but itself, and runs nothing', async () => {
      // Counted over a fresh load: the tests' own canvas reads of screenshots are requests too.
      const before = page.events('Network.requestWillBeSent').length;
      await view(1280, 900, false);
      const requests = page
        .events('Network.requestWillBeSent')
        .slice(before)
        .map((e) => (e.request as { url: string }).url);
      assert.deepEqual([...new Set(requests)], [url]);
      assert.deepEqual(page.events('Runtime.exceptionThrown'), []);
    });

    it('at a phone’s width only the timeline scrolls sideways; printed, it fits the page', async () => {
      await view(390, 844, true);
      const phone = await page.evaluate<{
        width: number;
        documentWidth: number;
        offenders: string[];
        boxes: { client: number; scroll: number }[];
      }>(`(() => {
        const width = document.documentElement.clientWidth;
        const offenders = [];
        for (const el of document.querySelectorAll('body *')) {
          if (el.closest('.scroll') && !el.classList.contains('scroll')) continue;
          const r = el.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          if (r.right > width + 0.5 || r.left < -0.5) offenders.push(el.tagName + '.' + el.getAttribute('class') + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
        }
        const boxes = [...document.querySelectorAll('.scroll')].map((s) => ({ client: s.clientWidth, scroll: s.scrollWidth }));
        return { width, documentWidth: document.documentElement.scrollWidth, offenders: offenders.slice(0, 20), boxes };
      })()`);
      assert.equal(phone.width, 390);
      assert.deepEqual(phone.offenders, [], 'nothing is wider than the screen but the scroll box');
      assert.ok(phone.documentWidth <= phone.width, `the page is ${phone.documentWidth} px wide`);
      assert.ok(phone.boxes.length >= 1);
      for (const box of phone.boxes) {
        assert.ok(box.client <= phone.width);
        assert.ok(box.scroll > box.client, 'the timeline scrolls in its box');
      }
      await screenshot('failed-release-phone.png');

      await page.send('Emulation.setDeviceMetricsOverride', {
        width: 794,
        height: 1123,
        deviceScaleFactor: 1,
        mobile: false,
      });
      await page.send('Emulation.setEmulatedMedia', { media: 'print' });
      const printed = await page.evaluate<{ width: number; svg: number }>(
        `({ width: document.documentElement.clientWidth, svg: document.querySelector('svg.timeline').getBoundingClientRect().width })`,
      );
      assert.ok(
        printed.svg <= printed.width,
        `printed, the timeline (${printed.svg} px) fits ${printed.width} px`,
      );
      const pdf = await page.send<{ data: string }>('Page.printToPDF', { printBackground: true });
      const bytes = Buffer.from(pdf.data, 'base64');
      assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
      await writeFile(join(OUT, 'failed-release.pdf'), bytes);
      await page.send('Emulation.setEmulatedMedia', { media: '' });
    });
  },
);
