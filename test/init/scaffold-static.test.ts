// tier: e2e
// The hooks and unit greenlight init writes pass the checks the repository's own pass in npm test
// (test/hooks/static.test.ts): shellcheck -x on every script, systemd-analyze verify on the unit
// without a warning — for every runtime and its variants (one run of each tool over all of them).
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

/** Each profile's files under a directory of its own; the scripts and units, relative to scratch. */
const scripts: string[] = [];
const units: string[] = [];
for (const [name, profile] of Object.entries(profiles)) {
  const dir = name.replaceAll(' ', '-');
  for (const file of [renderAppSpec(profile), ...renderHooks(profile)]) {
    const path = join(dir, file.path);
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), file.text);
    chmodSync(join(scratch, path), file.mode);
    if (path.endsWith('.sh')) scripts.push(path);
  }
  // Verified under its installed name, away from the other files of hooks/.
  const unit = renderHooks(profile).find((f) => f.path.endsWith('.service'));
  assert.ok(unit);
  const unitPath = join(`units-${dir}`, profile.unit);
  mkdirSync(join(scratch, dirname(unitPath)), { recursive: true });
  writeFileSync(join(scratch, unitPath), unit.text);
  units.push(unitPath);
}

describe('the hooks greenlight init writes, checked as the repository’s are', () => {
  it(
    `shellcheck -x passes on every script of ${Object.keys(profiles).join(', ')}`,
    { skip: installed('shellcheck') ? false : 'shellcheck is not installed (apt-get install shellcheck)' },
    () => {
      assert.equal(scripts.length, 9 * Object.keys(profiles).length);
      const result = spawnSync('shellcheck', ['-x', ...scripts], { cwd: scratch, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stdout + result.stderr);
    },
  );

  it(
    'systemd-analyze verify passes on every unit, without a warning',
    {
      skip: installed('systemd-analyze')
        ? false
        : 'systemd-analyze is not installed (apt-get install systemd)',
    },
    () => {
      const result = spawnSync('systemd-analyze', ['verify', ...units], { cwd: scratch, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr.trim(), '', 'no warning');
    },
  );
});
