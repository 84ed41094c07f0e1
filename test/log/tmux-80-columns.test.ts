// tier: e2e
// A recorded check in a real terminal: tmux at 80×40 runs greenlight against a local cloud (group
// apply, then a deploy in which one green instance fails AfterInstall, so the redrawn status line, the
// failed event and the verify table with its failure columns are all printed), then the pane and its
// scrollback are captured with wrapped rows joined (capture-pane -J). Nothing may be wider than 80
// columns (a joined row wider than the pane is a row the terminal wrapped), and no copy of the status
// line may be left behind in the scrollback (a torn redraw). Skipped where tmux is not installed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { displayWidth } from '../../src/log/width.js';
import { sampleEnvironment } from '../config/sample.js';
import { builtCli } from '../support/built-cli.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { until } from '../support/until.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const COLUMNS = 80;
const ROWS = 40;

describe(
  'greenlight in a real terminal at 80×40 (tmux)',
  { skip: hasTmux ? false : 'tmux is not installed' },
  () => {
    let cloud: TestCloud;
    let dir: string;
    const socket = `greenlight-test-${process.pid}`;
    const tmux = (...args: string[]): string =>
      execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

    before(async () => {
      cloud = await startCloud({ world: devWorld(6), timeScale: 300 }); // greenlight runs as a process
      dir = await mkdtemp(join(tmpdir(), 'greenlight-tmux-'));
      await writeFile(
        join(dir, 'greenlight.yml'),
        stringify({ application: 'web', environments: { dev: sampleEnvironment() } }),
      );
    });
    after(async () => {
      spawnSync('tmux', ['-L', socket, 'kill-server']);
      await cloud.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('prints nothing wider than the terminal and leaves no torn status line in the scrollback', async () => {
      await cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 1,
        event: 'AfterInstall',
        effect: 'fail',
        exitCode: 3,
      });
      const exports = Object.entries(cloud.env)
        .map(([k, v]) => `export ${k}='${v}'`)
        .join('\n');
      // The CLI built from the sources as they are now, as the other tests that spawn greenlight run it
      // (what bin/greenlight.js runs after `npm run build`).
      const bin = await builtCli();
      const script = join(dir, 'run.sh');
      // No CI variable: greenlight must see a terminal and redraw its status line in place.
      await writeFile(
        script,
        [
          'unset CI',
          exports,
          `cd '${dir}'`,
          `node '${bin}' group apply --env dev`,
          `node '${bin}' deploy --env dev --revision ${'2'.repeat(40)}`,
          'echo "__DONE__ $?"',
          'sleep 600',
        ].join('\n'),
      );
      tmux(
        '-f',
        '/dev/null',
        'new-session',
        '-d',
        '-s',
        'gl',
        '-x',
        String(COLUMNS),
        '-y',
        String(ROWS),
        `bash '${script}'`,
      );
      tmux('set-option', '-t', 'gl', 'history-limit', '10000');
      const capture = (): string => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'gl');
      const text = await until(capture, (t) => /__DONE__ \d+/.test(t), 'the deploy to finish in tmux', '50s');
      const lines = text.split('\n');

      assert.match(text, /__DONE__ 1/, `deploy exits 1 (one instance failed):\n${text}`);
      assert.equal(
        tmux('display-message', '-p', '-t', 'gl', '#{window_width}x#{window_height}').trim(),
        '80x40',
      );

      const wide = lines.filter((l) => displayWidth(l.trimEnd()) > COLUMNS);
      assert.deepEqual(wide, [], `lines wider than ${COLUMNS} columns (wrapped by the terminal):\n${text}`);

      // The status line (`d-XXXXXXXXX InProgress · … (12s)`) is redrawn in place and cleared at the end:
      // any copy in the scrollback is a torn redraw.
      const torn = lines.filter(
        (l) => /^d-[A-Z0-9]{9} \w+.*\(\d+(m\d+)?s\)\s*$/.test(l) || /^.{0,79}\(\d+s\)d-[A-Z0-9]{9}/.test(l),
      );
      assert.deepEqual(torn, [], `status line copies left in the scrollback:\n${text}`);

      // What the person needed is on screen: the failed instance, its event and script, the verdict.
      assert.match(text, /✗ i-[0-9a-f]+ failed AfterInstall/);
      assert.match(text, /instance +role/);
      assert.match(text, /greenlight: FAILED/);
    });
  },
);
