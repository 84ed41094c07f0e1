// tier: e2e
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { runDemo } from '../../src/demo/story.js';
import type { LogEvent } from '../../src/log/events.js';
import { formatEvent } from '../../src/log/format.js';
import { all, byClass, parsePage, text } from '../report/dom.js';

// The story `npm start` tells, on a smaller fleet, with each step's outcome asserted. The same story on
// the synthetic agent is told by the README's `npm start -- --keep` (test/readme/readme.test.ts) and by
// the packed package's `greenlight demo` (test/package/package.test.ts).
describe('npm start: the demo story', () => {
  it('v1 and v2 verified; v3 Succeeded in CodeDeploy but FAILED in greenlight; rolled back to v2, verified', async () => {
    const reports = await mkdtemp(join(tmpdir(), 'greenlight-demo-reports-'));
    const lines: string[] = [];
    const stderr: string[] = [];
    const envBefore = { ...process.env };
    try {
      const result = await runDemo({
        root: fileURLToPath(new URL('../../', import.meta.url)),
        instances: 2,
        keep: false,
        timeScale: 120,
        reportsDir: reports,
        logger: { emit: (e: LogEvent) => lines.push(formatEvent(e)) },
        stderr: { write: (s: string) => stderr.push(s) },
        env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' },
        signal: new AbortController().signal,
      });
      // Everything reached the local cloud through the injected environment: the process's is untouched.
      assert.deepEqual({ ...process.env }, envBefore);
      const story = lines.join('\n');
      const cli = stderr.join('');
      assert.deepEqual(result.problems, [], `${story}\n${cli}`);
      assert.equal(result.exitCode, 0);
      assert.deepEqual(
        result.chapters.map((c) => [c.release, c.codedeploy, c.greenlight, c.exitCode]),
        [
          ['v1', 'Succeeded', 'verified', 0],
          ['v2', 'Succeeded', 'verified', 0],
          ['v3', 'Succeeded', 'FAILED, 1 of 2', 1],
          ['rollback → v2', 'Succeeded', 'verified', 5],
        ],
      );
      assert.deepEqual(result.served.v1, Array(8).fill('v1'));
      assert.deepEqual(result.served.v2, Array(8).fill('v2'));
      assert.deepEqual(result.served.rollback, Array(8).fill('v2'));
      // The failure is named where CI shows it: instance, event, script, error code, log tail.
      assert.match(cli, /✗ i-[0-9a-f]+ failed AfterInstall \(hooks\/after-install\.sh\): ScriptFailed/);
      assert.match(cli, /log tail:/);
      assert.match(cli, /CodeDeploy: Succeeded — greenlight: FAILED, 1 of 2 instances failed/);
      assert.match(story, /injected fault \(local cloud control API\)/);
      // Traffic was seen moving from one release to the next through the listener.
      const sawV1 = lines.findIndex((l) => l.includes('[traffic] the listener answers with v1'));
      const sawV2 = lines.findIndex((l) => /\[traffic\] the listener answers with v2$/.test(l));
      assert.ok(sawV1 >= 0 && sawV2 > sawV1, `traffic seen moving from v1 to v2:\n${story}`);
      const files = (await readdir(reports)).sort();
      for (const name of ['verify-v1', 'verify-v2', 'verify-v3', 'verify-rollback']) {
        for (const ext of ['.json', '.junit.xml', '.md'])
          assert.ok(files.includes(`${name}${ext}`), `${name}${ext}`);
      }
      // The HTML report of each release, as `greenlight deploy --html` writes it; v3's names the failed
      // instance the CLI named, in its green lane, failed at AfterInstall.
      const pages: Record<string, string> = {};
      for (const name of ['v1', 'v2', 'v3', 'rollback']) {
        assert.ok(files.includes(`${name}.html`), `${name}.html`);
        pages[name] = text(all(parsePage(await readFile(join(reports, `${name}.html`), 'utf8')), 'h1')[0]!);
      }
      assert.deepEqual(pages, {
        v1: 'greenlight deploy: ✓ VERIFIED',
        v2: 'greenlight deploy: ✓ VERIFIED',
        v3: 'greenlight deploy: ✗ FAILED',
        rollback: 'greenlight rollback: ✓ ROLLED BACK, VERIFIED',
      });
      const failed = /✗ (i-[0-9a-f]+) failed AfterInstall/.exec(cli)?.[1];
      const v3 = parsePage(await readFile(join(reports, 'v3.html'), 'utf8'));
      const lanes = byClass(v3, 'g', 'lane').filter((g) => g.attributes['data-status'] === 'Failed');
      assert.deepEqual(
        lanes.map((g) => [g.attributes['data-instance'], g.attributes['data-lane']]),
        [[failed, 'green']],
      );
      assert.match(text(lanes[0]!), /FAILED AfterInstall/);
      assert.equal(result.agent, 'real');
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  });
});
