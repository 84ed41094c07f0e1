// tier: e2e
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { makeReleases } from '../../src/demo/revisions.js';

describe('demo releases', () => {
  it('are commits of a scratch repository holding this checkout’s appspec, hooks and app', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'greenlight-releases-'));
    try {
      const sourceRoot = fileURLToPath(new URL('../../', import.meta.url));
      const releases = await makeReleases({ sourceRoot, dir, labels: ['v1', 'v2', 'v3'] });
      assert.deepEqual(
        releases.map((r) => r.label),
        ['v1', 'v2', 'v3'],
      );
      assert.equal(new Set(releases.map((r) => r.commit)).size, 3);
      for (const r of releases) assert.match(r.commit, /^[0-9a-f]{40}$/);
      const files = execFileSync('git', ['ls-tree', '-r', '--name-only', releases[1]?.commit ?? ''], {
        cwd: dir,
        encoding: 'utf8',
      });
      assert.match(files, /^appspec\.yml$/m);
      assert.match(files, /^hooks\/lib\.sh$/m);
      assert.match(files, /^example-app\/server\.mjs$/m);
      const release = execFileSync('git', ['show', `${releases[1]?.commit ?? ''}:example-app/RELEASE`], {
        cwd: dir,
        encoding: 'utf8',
      });
      assert.equal(release.trim(), 'v2');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
