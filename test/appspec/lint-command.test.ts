// tier: e2e
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { greenlight } from '../cli/spawn.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/appspec/${name}.yml`, import.meta.url));

describe('greenlight appspec lint', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'greenlight-lint-'));
    await mkdir(join(dir, 'hooks'));
    await writeFile(
      join(dir, 'hooks/start.sh'),
      '#!/usr/bin/env bash\nset -euo pipefail\nsystemctl restart web\n',
    );
    await chmod(join(dir, 'hooks/start.sh'), 0o755);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function bundleWith(name: string): Promise<void> {
    await copyFile(fixture(name), join(dir, 'appspec.yml'));
  }

  it("the repository's appspec.yml (the default PATH): no problems, exit 0", async () => {
    const r = await greenlight(['appspec', 'lint']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /appspec\.yml: no problems/);
  });

  it('errors: each on its own line with file, line and key path, exit 2', async () => {
    await bundleWith('version-quoted');
    const r = await greenlight(['appspec', 'lint'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /error: appspec\.yml:2: version: the version is the string "0\.0", and the agent accepts only the number 0\.0/,
    );
    assert.match(r.stderr, /appspec\.yml: 1 error, 0 warnings/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('warnings only: printed, exit 0', async () => {
    await bundleWith('timeout-missing');
    const r = await greenlight(['appspec', 'lint', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`warn: ${dir}/appspec\\.yml:6: hooks\\.ApplicationStart\\[0\\]\\.timeout: no timeout`),
    );
    assert.match(r.stderr, /0 errors, 1 warning/);
  });

  it('a bundle whose script is missing, given as a directory: exit 2 naming the script', async () => {
    await bundleWith('valid');
    await rm(join(dir, 'hooks/start.sh'));
    try {
      const r = await greenlight(['appspec', 'lint', '.'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /appspec\.yml:6: hooks\.ApplicationStart\[0\]\.location: hooks\/start\.sh does not exist/,
      );
    } finally {
      await writeFile(
        join(dir, 'hooks/start.sh'),
        '#!/usr/bin/env bash\nset -euo pipefail\nsystemctl restart web\n',
      );
      await chmod(join(dir, 'hooks/start.sh'), 0o755);
    }
  });

  it('--json: the result is the problem list', async () => {
    await bundleWith('hooks-reserved-event');
    const r = await greenlight(['appspec', 'lint', 'appspec.yml', '--json'], { cwd: dir });
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout) as { exitCode: number; result: unknown };
    assert.equal(doc.exitCode, 2);
    assert.deepEqual(doc.result, [
      {
        severity: 'error',
        file: 'appspec.yml',
        path: 'hooks.Install',
        line: 5,
        message:
          'Install is done by CodeDeploy itself and cannot run scripts: put them in BeforeInstall or AfterInstall',
        rejectedByAgent: false,
      },
    ]);
  });

  it('a PATH that does not exist: exit 2', async () => {
    const r = await greenlight(['appspec', 'lint', 'nowhere/appspec.yml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: nowhere\/appspec\.yml: no such file or directory/);
  });
});
