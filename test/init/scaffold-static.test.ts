// tier: e2e
// The hooks and unit greenlight init writes pass the checks the repository's own pass in npm test
// (test/hooks/static.test.ts): shellcheck -x on every script, systemd-analyze verify on the unit
// without a warning — for every runtime and its variants.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { renderAppSpec, renderHooks } from '../../src/init/hooks-files.js';
import { profiles } from './team-profiles.js';

function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

const scratch = mkdtempSync(join(tmpdir(), 'greenlight-init-static-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('the hooks greenlight init writes, checked as the repository’s are', () => {
  for (const [name, profile] of Object.entries(profiles)) {
    const dir = join(scratch, name.replaceAll(' ', '-'));
    for (const file of [renderAppSpec(profile), ...renderHooks(profile)]) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), file.text);
      chmodSync(join(dir, file.path), file.mode);
    }

    it(
      `${name}: shellcheck -x passes on every script`,
      { skip: installed('shellcheck') ? false : 'shellcheck is not installed (apt-get install shellcheck)' },
      () => {
        const scripts = renderHooks(profile)
          .map((f) => f.path)
          .filter((p) => p.endsWith('.sh'));
        assert.equal(scripts.length, 9);
        const result = spawnSync('shellcheck', ['-x', ...scripts], { cwd: dir, encoding: 'utf8' });
        assert.equal(result.status, 0, result.stdout + result.stderr);
      },
    );

    it(
      `${name}: systemd-analyze verify passes on the unit, without a warning`,
      {
        skip: installed('systemd-analyze')
          ? false
          : 'systemd-analyze is not installed (apt-get install systemd)',
      },
      () => {
        const unitDir = mkdtempSync(join(scratch, 'unit-'));
        const unit = renderHooks(profile).find((f) => f.path.endsWith('.service'));
        assert.ok(unit);
        writeFileSync(join(unitDir, profile.unit), unit.text);
        const result = spawnSync('systemd-analyze', ['verify', join(unitDir, profile.unit)], {
          encoding: 'utf8',
        });
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stderr.trim(), '', 'no warning');
      },
    );
  }
});
