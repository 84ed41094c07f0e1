// tier: unit
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatProblem, type AppSpecProblem } from '../../src/appspec/appspec.js';
import { lintAppSpecPath, lintBundle } from '../../src/appspec/bundle.js';
import { repoRoot } from '../cli/spawn.js';

const VALID_APPSPEC = new URL('../fixtures/appspec/valid.yml', import.meta.url);
const START_SCRIPT = '#!/usr/bin/env bash\nset -euo pipefail\nsystemctl restart web.service\n';

type BundleFiles = Record<string, string | { text: string; mode: number }>;

describe('lintBundle', () => {
  let scratch: string;
  let count = 0;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'greenlight-appspec-'));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  /** A bundle directory with valid.yml as its appspec (unless given) and hooks/start.sh. */
  async function bundle(files: BundleFiles = {}, under = scratch): Promise<string> {
    count += 1;
    const dir = join(under, `bundle-${count}`);
    const all: BundleFiles = {
      'appspec.yml': await readFile(VALID_APPSPEC, 'utf8'),
      'hooks/start.sh': { text: START_SCRIPT, mode: 0o755 },
      ...files,
    };
    for (const [path, content] of Object.entries(all)) {
      const file = join(dir, path);
      await mkdir(dirname(file), { recursive: true });
      const { text, mode } = typeof content === 'string' ? { text: content, mode: 0o644 } : content;
      await writeFile(file, text, { mode });
    }
    return dir;
  }

  const appspecWith = async (extra: string): Promise<string> =>
    `${await readFile(VALID_APPSPEC, 'utf8')}${extra}`;

  function only(problems: readonly AppSpecProblem[]): AppSpecProblem {
    assert.equal(problems.length, 1, problems.map(formatProblem).join('\n'));
    return problems[0] as AppSpecProblem;
  }

  it("the repository's own appspec.yml, hooks/ and example-app/ lint clean", async () => {
    const problems = await lintBundle(repoRoot);
    assert.deepEqual(problems.map(formatProblem), []);
  });

  it('a valid bundle has no problem', async () => {
    assert.deepEqual(await lintBundle(await bundle()), []);
  });

  it('a script that is not in the bundle: ScriptMissing', async () => {
    const dir = await bundle({
      'appspec.yml': (await readFile(VALID_APPSPEC, 'utf8')).replace('start.sh', 'begin.sh'),
    });
    const problem = only(await lintBundle(dir));
    assert.equal(problem.severity, 'error');
    assert.equal(problem.path, 'hooks.ApplicationStart[0].location');
    assert.equal(problem.line, 6);
    assert.match(
      problem.message,
      /hooks\/begin\.sh does not exist in the bundle: the event fails with ScriptMissing/,
    );
  });

  it('a script that is not executable: a warning, the agent tries chmod +x', async () => {
    const problem = only(
      await lintBundle(await bundle({ 'hooks/start.sh': { text: START_SCRIPT, mode: 0o644 } })),
    );
    assert.equal(problem.severity, 'warning');
    assert.match(
      problem.message,
      /hooks\/start\.sh is not executable: the agent tries chmod \+x .*git update-index --chmod=\+x hooks\/start\.sh/,
    );
  });

  it('a script without a #! line', async () => {
    const dir = await bundle({ 'hooks/start.sh': { text: 'systemctl restart web.service\n', mode: 0o755 } });
    const problem = only(await lintBundle(dir));
    assert.equal(problem.severity, 'error');
    assert.match(problem.message, /^hooks\/start\.sh:1 has no #! line: .*runs under \/bin\/sh/);
  });

  it('a script with CRLF line endings, with the first line that has one', async () => {
    const dir = await bundle({
      'hooks/start.sh': { text: START_SCRIPT.replaceAll('\n', '\r\n'), mode: 0o755 },
    });
    const problem = only(await lintBundle(dir));
    assert.equal(problem.severity, 'error');
    assert.match(problem.message, /^hooks\/start\.sh:1 has Windows line endings \(CRLF\)/);
  });

  it('set -xeE pipefail, which sets nothing', async () => {
    const dir = await bundle({
      'hooks/start.sh': { text: START_SCRIPT.replace('set -euo pipefail', 'set -xeE pipefail'), mode: 0o755 },
    });
    const problem = only(await lintBundle(dir));
    assert.equal(problem.severity, 'warning');
    assert.match(problem.message, /^hooks\/start\.sh:2 "set -xeE pipefail" does not turn pipefail on/);
  });

  it('a daemon started in the background with the script’s stdout', async () => {
    const dir = await bundle({
      'hooks/start.sh': { text: '#!/bin/bash\nset -euo pipefail\nnode /opt/web/server.mjs &\n', mode: 0o755 },
    });
    const problem = only(await lintBundle(dir));
    assert.equal(problem.severity, 'warning');
    assert.match(
      problem.message,
      /^hooks\/start\.sh:3 starts a background process that keeps the script’s stdout open/,
    );
  });

  it('runas a user that neither the AMIs have nor a hook creates', async () => {
    const dir = await bundle({ 'appspec.yml': await appspecWith('      runas: deploy\n') });
    const problem = only(await lintBundle(dir));
    assert.equal(problem.severity, 'warning');
    assert.equal(problem.path, 'hooks.ApplicationStart[0].runas');
    assert.equal(problem.line, 8);
    assert.match(
      problem.message,
      /user deploy is not a standard system user and no hook of the bundle creates it/,
    );
  });

  it('runas a user that a hook creates, by a name kept in a sourced file, or a standard user: no problem', async () => {
    const created = await bundle({
      'appspec.yml': await appspecWith('      runas: deploy\n'),
      'hooks/names.sh': 'readonly DEPLOY_USER=deploy\n',
      'hooks/start.sh': {
        text: `${START_SCRIPT}id -u "$DEPLOY_USER" || useradd --system --shell /bin/sh "$DEPLOY_USER"\n`,
        mode: 0o755,
      },
    });
    assert.deepEqual(await lintBundle(created), []);
    assert.deepEqual(
      await lintBundle(await bundle({ 'appspec.yml': await appspecWith('      runas: ec2-user\n') })),
      [],
    );
  });

  it('a files source that is not in the bundle', async () => {
    const dir = await bundle({
      'appspec.yml': await appspecWith('files:\n  - source: app\n    destination: /opt/web\n'),
    });
    const problem = only(await lintBundle(dir));
    assert.equal(problem.severity, 'error');
    assert.equal(problem.path, 'files[0].source');
    assert.equal(problem.line, 9);
    assert.match(problem.message, /app does not exist in the bundle: the agent fails the Install event/);
  });

  it('a single file copied to a destination named like it: the destination is a directory', async () => {
    const dir = await bundle({
      'appspec.yml': await appspecWith(
        'files:\n  - source: config/web.service\n    destination: /etc/systemd/system/web.service\n',
      ),
      'config/web.service': '[Service]\n',
    });
    const problem = only(await lintBundle(dir));
    assert.equal(problem.severity, 'warning');
    assert.equal(problem.path, 'files[0].destination');
    assert.match(
      problem.message,
      /install this file as \/etc\/systemd\/system\/web\.service\/web\.service; write destination: \/etc\/systemd\/system/,
    );
  });

  it('no appspec: an error that names a look-alike file', async () => {
    const dir = await bundle({ 'appspec.yml': '' });
    await rm(join(dir, 'appspec.yml'));
    await writeFile(join(dir, 'AppSpec.yml'), await readFile(VALID_APPSPEC, 'utf8'));
    const problem = only(await lintBundle(dir));
    assert.equal(problem.severity, 'error');
    assert.match(
      problem.message,
      /no appspec\.yml \(or appspec\.yaml\) at the bundle root \(found AppSpec\.yml: the name is case-sensitive\)/,
    );
  });

  it('appspec.yaml when there is no appspec.yml; a warning when both exist', async () => {
    const yamlOnly = await bundle({ 'appspec.yml': '' });
    await rm(join(yamlOnly, 'appspec.yml'));
    await writeFile(join(yamlOnly, 'appspec.yaml'), 'version: 0.0\nos: Linux\n');
    const fallback = only(await lintBundle(yamlOnly));
    assert.equal(fallback.file, join(yamlOnly, 'appspec.yaml'));
    assert.equal(fallback.path, 'os');

    const both = await bundle({ 'appspec.yaml': 'version: 0.0\nos: linux\n' });
    const ignored = only(await lintBundle(both));
    assert.equal(ignored.severity, 'warning');
    assert.equal(ignored.file, join(both, 'appspec.yaml'));
    assert.match(ignored.message, /ignored: the agent reads appspec\.yml when both exist/);
  });

  it('a bundle whose only entry is a directory: the agent strips it, and paths are relative to it', async () => {
    const outer = join(scratch, 'wrapped');
    const inner = await bundle({}, outer);
    const problem = only(await lintBundle(outer));
    assert.equal(problem.severity, 'warning');
    assert.match(
      problem.message,
      new RegExp(`only top-level entry is the directory ${inner.split('/').at(-1)}/: the agent strips it`),
    );
  });

  it('lints an appspec file given by name, against its directory, naming it as given', async () => {
    const dir = await bundle({
      'appspec.yml': (await readFile(VALID_APPSPEC, 'utf8')).replace('timeout: 60', 'timeout: 0'),
    });
    const lint = await lintAppSpecPath('appspec.yml', { cwd: dir });
    const problem = only(lint.problems);
    assert.equal(formatProblem(problem).split(': ')[0], 'appspec.yml:7');
    assert.equal(lint.appSpecFile, 'appspec.yml');
    assert.equal(
      only((await lintAppSpecPath('missing.yml', { cwd: dir })).problems).message,
      'no such file or directory',
    );
  });
});
