// tier: e2e
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../cli/spawn.js';

const hooksDir = join(repoRoot, 'hooks');
const unitFile = join(hooksDir, 'web.service');

function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

describe('hooks/ static checks', () => {
  it(
    'shellcheck -x passes on every script',
    {
      skip: installed('shellcheck')
        ? false
        : 'shellcheck is not installed (apt-get install shellcheck); CI has it',
    },
    () => {
      const scripts = readdirSync(hooksDir)
        .filter((name) => name.endsWith('.sh'))
        .map((name) => `hooks/${name}`);
      assert.ok(scripts.includes('hooks/lib.sh') && scripts.length >= 9, scripts.join(' '));
      const result = spawnSync('shellcheck', ['-x', ...scripts], { cwd: repoRoot, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stdout + result.stderr);
    },
  );

  it(
    'systemd-analyze verify passes on the unit, without a warning',
    {
      skip: installed('systemd-analyze')
        ? false
        : 'systemd-analyze is not installed (apt-get install systemd)',
    },
    () => {
      // Verified under its installed name, away from the other files of hooks/.
      const dir = mkdtempSync(join(tmpdir(), 'greenlight-unit-'));
      try {
        copyFileSync(unitFile, join(dir, 'web.service'));
        const result = spawnSync('systemd-analyze', ['verify', join(dir, 'web.service')], {
          encoding: 'utf8',
        });
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stderr.trim(), '', 'no warning');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('the unit runs the app as web from /opt/web with the environment the hooks write, restarting on failure', () => {
    const service = /\[Service\]\n([\s\S]*?)(?:\n\[|$)/.exec(readFileSync(unitFile, 'utf8'))?.[1] ?? '';
    const settings = new Map(
      service
        .split('\n')
        .filter((line) => /^[A-Za-z]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.equal(settings.get('User'), 'web');
    assert.equal(settings.get('EnvironmentFile'), '/etc/web/env');
    assert.equal(settings.get('WorkingDirectory'), '/opt/web');
    assert.equal(settings.get('ExecStart'), '/usr/bin/env node /opt/web/server.mjs');
    assert.equal(settings.get('Restart'), 'on-failure');
    // The app's SHUTDOWN_GRACE_MS default (20 s) must end before systemd gives up and SIGKILLs it.
    assert.ok(Number(settings.get('TimeoutStopSec')) > 20);
  });

  it('every hook starts with set -euo pipefail, sources lib.sh, and uses only the systemctl verbs sandboxes have', () => {
    const verbs = new Set(['daemon-reload', 'enable', 'start', 'stop', 'restart', 'is-active', 'status']);
    for (const name of readdirSync(hooksDir).filter((n) => n.endsWith('.sh'))) {
      const text = readFileSync(join(hooksDir, name), 'utf8');
      for (const match of text.matchAll(/\bsystemctl\s+([a-z-]+)/g)) {
        assert.ok(verbs.has(match[1] ?? ''), `${name}: systemctl ${match[1]}`);
      }
      if (name === 'lib.sh') continue;
      assert.match(text, /^#!\/usr\/bin\/env bash\n/, name);
      assert.match(text, /\nset -euo pipefail\n/, name);
      assert.match(text, /\nsource "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/lib\.sh"\n/, name);
    }
  });
});
