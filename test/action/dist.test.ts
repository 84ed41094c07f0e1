// tier: e2e
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ACTION_DIST, ACTION_FILES, ACTION_MODULES, bundleAction } from '../../scripts/bundle-action.js';

// The action runs from the repository at its tag, so its entry point, action/dist/, is committed:
// rebuilt here into a temporary directory (esbuild runs as a process of its own: hence e2e) and
// compared byte for byte. A difference means action/src/ or one of the few modules of src/ it bundles
// (ACTION_MODULES) changed since `npm run build:action` was last committed; the rest of src/ is not
// in it (greenlight runs as the project's or the published package), and this test holds it so.

describe('action/dist/ is the build of the action’s sources as they are', () => {
  let out: string;
  let modules: string[];
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'greenlight-action-dist-'));
    ({ modules } = await bundleAction(out));
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  for (const file of ACTION_FILES) {
    it(`action/dist/${file}`, async () => {
      const [built, committed] = await Promise.all([
        readFile(join(out, file)),
        readFile(join(ACTION_DIST, file)).catch(() => undefined),
      ]);
      assert.ok(
        committed,
        `action/dist/${file} is missing: run npm run build:action and commit action/dist/`,
      );
      assert.ok(
        built.equals(committed),
        `action/dist/${file} is stale (${committed.length} bytes committed, ${built.length} built): run npm run build:action and commit action/dist/`,
      );
    });
  }

  it('bundles the action’s modules, the report renderers and @actions/core, nothing else', async () => {
    assert.deepEqual(
      modules.filter((path) => !path.startsWith('node_modules/')),
      [...ACTION_MODULES],
      'a module of src/ came into (or left) the action’s entry point: keep it out, or list it in ACTION_MODULES',
    );
    const packages = modules
      .filter((path) => path.startsWith('node_modules/'))
      .map((path) => path.split('/').slice(1, 3).join('/'));
    assert.deepEqual([...new Set(packages)].sort(), [
      '@actions/core',
      '@actions/exec',
      '@actions/http-client',
      '@actions/io',
    ]);
    // undici and tunnel (http-client's CommonJS dependencies) are dropped: the file stays small.
    const { size } = await readFile(join(out, 'index.js')).then((b) => ({ size: b.length }));
    assert.ok(size < 64 * 1024, `index.js is ${size} bytes`);
  });
});
