// tier: e2e
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packLocalBundle, referencedPaths } from '../../src/hooks/local-bundle.js';
import {
  checkConfinement,
  ConfinementUnavailableError,
  eventPlan,
  runHooksInSandbox,
} from '@greenlight/localcloud';
import { parseAppSpec } from '../../src/appspec/parse.js';
import { greenlight, repoRoot } from '../cli/spawn.js';
import { writeTree } from '../../packages/localcloud/test/real/real-cloud.js';

// `greenlight hooks run`, spawned as a user would, on this repository's own bundle and on broken ones.
// Each test works in its own directory, where the command keeps its instance (.greenlight/hooks-run/).

const confinement = checkConfinement();
const DEFAULT_EVENTS = [
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
];

const failingBundle = {
  'appspec.yml': `version: 0.0
os: linux
hooks:
  BeforeInstall:
    - location: hooks/check.sh
      timeout: 30
  AfterInstall:
    - location: hooks/check.sh
      timeout: 30
`,
  'hooks/check.sh':
    '#!/bin/bash\necho "[$LIFECYCLE_EVENT] checking the frobnicator as $(id -un) in $DEPLOYMENT_ID"\necho "[$LIFECYCLE_EVENT] FAILED: no frobnicator in /opt" >&2\nexit 3\n',
  'node_modules/left-out/index.js': 'never packed\n',
};

describe('greenlight hooks run: what it plans', () => {
  it('runs the chosen events in lifecycle order, with the agent’s own events they need', () => {
    assert.deepEqual(eventPlan(['ValidateService', 'ApplicationStop']), [
      'ApplicationStop',
      'DownloadBundle',
      'Install',
      'ValidateService',
    ]);
    assert.deepEqual(eventPlan(['BeforeInstall']), ['DownloadBundle', 'BeforeInstall']);
    assert.deepEqual(eventPlan(['AfterAllowTraffic', 'BeforeBlockTraffic']), [
      'BeforeBlockTraffic',
      'DownloadBundle',
      'Install',
      'AfterAllowTraffic',
    ]);
  });

  it('packs the appspec, the files sources and the hooks’ directories, never node_modules or .git', async () => {
    const spec = parseAppSpec(await readFile(join(repoRoot, 'appspec.yml'), 'utf8'), { file: 'appspec.yml' });
    assert.deepEqual(referencedPaths('appspec.yml', spec), ['appspec.yml', 'example-app', 'hooks']);
    const dir = writeTree({ ...failingBundle, '.git/HEAD': 'ref: refs/heads/main\n' });
    try {
      const bundle = await packLocalBundle(dir, '/');
      const listing = execFileSync('tar', ['-tf', '-'], { input: bundle.tar, encoding: 'utf8' });
      assert.deepEqual(listing.trim().split('\n').sort(), ['./appspec.yml', './hooks/', './hooks/check.sh']);
      assert.equal(bundle.commit, undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses, with exit code 2, to run hooks where it cannot confine them', async () => {
    const dir = writeTree(failingBundle);
    try {
      const bundle = await packLocalBundle(dir, '/');
      const noop = () => undefined;
      const error = await runHooksInSandbox({
        bundle,
        events: ['BeforeInstall'],
        stateDir: join(dir, '.greenlight/hooks-run'),
        fresh: false,
        signal: new AbortController().signal,
        onEventStart: noop,
        onEventEnd: noop,
        onScriptOutput: noop,
        onStart: noop,
        confinement: () => ({ ok: false, reason: 'bwrap (Debian package bubblewrap) is not installed' }),
      }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof ConfinementUnavailableError);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /bubblewrap\) is not installed.*hooks are never run unconfined/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe(
  'greenlight hooks run, spawned',
  { skip: confinement.ok ? false : `no sandboxes here: ${confinement.reason}` },
  () => {
    let cwd = '';
    before(async () => {
      cwd = await mkdtemp(join(tmpdir(), 'greenlight-hooks-run-'));
    });
    after(async () => {
      if (cwd) await rm(cwd, { recursive: true, force: true });
    });

    let firstDeployment = '';

    it('runs this repository’s hooks: exit 0, every event named, BUNDLE_COMMIT from git', async () => {
      const head = execFileSync('git', ['-C', repoRoot, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
      const result = await greenlight(['hooks', 'run', '--bundle', repoRoot], { cwd });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, new RegExp(`\\(BUNDLE_COMMIT ${head}\\)`));
      assert.match(result.stderr, /a fresh instance: no previous revision/);
      for (const event of DEFAULT_EVENTS) {
        assert.match(result.stderr, new RegExp(`✓ ${event}\\n`), event);
      }
      assert.match(
        result.stderr,
        new RegExp(
          `\\[ValidateService\\] wait for /healthcheck: http://127\\.[\\d.]+:8000/healthcheck answered HTTP 200, version ${head} after`,
        ),
      );
      assert.match(result.stderr, /\[ValidateService\] start: running as web \(uid \d+\)/);
      firstDeployment = /deployment (d-LOCAL[A-Z0-9]{5})/.exec(result.stderr)?.[1] ?? '';
      assert.notEqual(firstDeployment, '');
      assert.match(
        result.stderr,
        new RegExp(`every event succeeded on i-0local[0-9a-f]+ \\(${firstDeployment}\\)`),
      );
    });

    it('a second run runs ApplicationStop from the previous run’s revision, as the agent does', async () => {
      assert.notEqual(firstDeployment, '', 'the first run of the previous test');
      const result = await greenlight(['hooks', 'run', '--bundle', repoRoot, '--event', 'ApplicationStop'], {
        cwd,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(`ApplicationStop runs from the previous revision, ${firstDeployment}`),
      );
      assert.match(
        result.stderr,
        new RegExp(
          `\\[ApplicationStop\\] start: running as root \\(uid 0\\) from /opt/codedeploy-agent/deployment-root/[0-9a-f-]+/${firstDeployment}/deployment-archive`,
        ),
      );
      // Installed by the first run, not running: processes do not outlive a run.
      assert.match(result.stderr, /\[ApplicationStop\] stop web\.service: web\.service is not running/);
      assert.match(result.stderr, /events: ApplicationStop → DownloadBundle\n/);

      const fresh = await greenlight(
        ['hooks', 'run', '--bundle', repoRoot, '--event', 'ApplicationStop', '--fresh'],
        {
          cwd,
        },
      );
      assert.equal(fresh.code, 0, fresh.stderr);
      assert.match(fresh.stderr, /a fresh instance: no previous revision/);
      assert.doesNotMatch(fresh.stderr, /\[ApplicationStop\] start:/);
    });

    it('a failing hook: exit 1, ScriptFailed with the script, its message and the log tail; later events skipped', async () => {
      const bundle = writeTree(failingBundle);
      try {
        const result = await greenlight(['hooks', 'run', '--bundle', bundle, '--fresh'], { cwd });
        assert.equal(result.code, 1, result.stderr);
        assert.match(
          result.stderr,
          /✗ i-0local[0-9a-f]+ failed BeforeInstall \(hooks\/check\.sh\): ScriptFailed\n/,
        );
        assert.match(
          result.stderr,
          /Script at specified location: hooks\/check\.sh failed with exit code 3\n/,
        );
        const tail = result.stderr.slice(result.stderr.indexOf('log tail:'));
        assert.match(
          tail,
          /LifecycleEvent - BeforeInstall\n.*Script - hooks\/check\.sh\n.*\[stdout\]\[BeforeInstall\] checking the frobnicator as root in d-LOCAL[A-Z0-9]{5}\n.*\[stderr\]\[BeforeInstall\] FAILED: no frobnicator in \/opt\n/,
        );
        for (const skipped of ['Install', 'AfterInstall', 'ApplicationStart', 'ValidateService']) {
          assert.match(result.stderr, new RegExp(`- ${skipped}\\n`), skipped);
        }
        assert.match(
          result.stderr,
          /BeforeInstall failed on i-0local[0-9a-f]+ \(d-LOCAL[A-Z0-9]{5}\); later events skipped/,
        );
      } finally {
        await rm(bundle, { recursive: true, force: true });
      }
    });

    it('a bad appspec: exit 2 with the linter’s message, and nothing run', async () => {
      const bundle = writeTree({
        ...failingBundle,
        'appspec.yml': failingBundle['appspec.yml'].replace('0.0', '1.0'),
      });
      try {
        const result = await greenlight(['hooks', 'run', '--bundle', bundle], { cwd });
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, /cannot be installed:\n.*appspec\.yml.*version/);
        assert.doesNotMatch(result.stderr, /→ /);
        const unknown = await greenlight(['hooks', 'run', '--bundle', bundle, '--event', 'Deploy'], { cwd });
        assert.equal(unknown.code, 2);
        assert.match(
          unknown.stderr,
          /--event Deploy: not a lifecycle event with hooks; use one of ApplicationStop, /,
        );
      } finally {
        await rm(bundle, { recursive: true, force: true });
      }
    });
  },
);
