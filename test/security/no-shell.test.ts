// tier: e2e
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { packBundle } from '../../src/codedeploy/bundle.js';
import { Output } from '../../src/log/output.js';
import { samBuild } from '../../src/sam/build.js';
import { samDeploy } from '../../src/sam/deploy.js';

// Process spawning never goes through a shell, run for real: values a shell would act on reach sam,
// zip and tar unchanged, each as one argument, and nothing they spell is executed. (The static review
// of every call site in src/ is test/security/spawn-review.test.ts.)

const samStandIn = fileURLToPath(new URL('../fixtures/sam/', import.meta.url));

const HOSTILE = [
  'x; rm -rf "$HOME/greenlight-shell-proof"; echo owned',
  '$(touch {MARK}-dollar)',
  '`touch {MARK}-backtick`',
  'a && touch {MARK}-and || true',
  'quote\' "double" \\ back',
  '* ? [a] ~ > {MARK}-redirect',
];

describe('hostile values pass through sam, zip and tar unchanged', () => {
  let dir: string;
  let mark: string;
  const hostile = () => HOSTILE.map((value) => value.replaceAll('{MARK}', mark));
  const logger = () =>
    new Output({ stdout: { write: () => true }, stderr: { write: () => true }, human: 'plain', json: 'off' });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'greenlight-no-shell-'));
    mark = join(dir, 'executed');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const nothingExecuted = async () => {
    const left = (await readdir(dir)).filter((name) => name.startsWith('executed'));
    assert.deepEqual(left, [], 'a shell ran something a value spelled');
  };

  const recordedArgv = async (file: string): Promise<string[]> =>
    (await readFile(file, 'utf8')).split('\0').slice(0, -1);

  it('sam build and sam deploy get each hostile template path and parameter value as one argument', async () => {
    const record = join(dir, 'sam-argv');
    const runtime = {
      logger: logger(),
      cwd: dir,
      env: {
        ...process.env,
        PATH: `${samStandIn}${delimiter}${process.env.PATH ?? ''}`,
        SAM_STANDIN_ARGV: record,
      },
    };
    for (const value of hostile()) {
      // sam cannot carry a backslash before a quote or a space (arguments.ts refuses it): left out here.
      const parameterValue = `param=${value.replace(/\\(?=["' ]|$)/g, '')}`;
      await samBuild(
        { templateFile: value, buildDir: `build ${value}`, parameterOverrides: { Tag: parameterValue } },
        runtime,
      );
      const build = await recordedArgv(record);
      assert.equal(build[build.indexOf('--template-file') + 1], value);
      assert.equal(build[build.indexOf('--build-dir') + 1], `build ${value}`);
      const encoded = `ParameterKey=Tag,ParameterValue="${parameterValue.replaceAll('"', '\\"')}"`;
      assert.deepEqual(
        build.filter((arg) => arg.startsWith('ParameterKey=Tag,')),
        [encoded],
        'the parameter is one argument',
      );
      await samDeploy(
        { stackName: 'web-dev', templateFile: value, parameterOverrides: { Tag: parameterValue } },
        runtime,
      );
      const deploy = await recordedArgv(record);
      assert.equal(deploy[deploy.indexOf('--template-file') + 1], value);
      assert.deepEqual(
        deploy.filter((arg) => arg.startsWith('ParameterKey=Tag,')),
        [encoded],
        'the parameter is one argument',
      );
    }
    await nothingExecuted();
  });

  it('packBundle gives zip and tar hostile directory, output and REVISION values as single arguments', async () => {
    // Stand-ins that record their argv, first on PATH: bundle.ts runs zip and tar from the process's PATH.
    const bin = join(dir, 'bin');
    await mkdir(bin);
    for (const tool of ['zip', 'tar']) {
      await writeFile(
        join(bin, tool),
        `#!/bin/sh\n: > "$GREENLIGHT_STANDIN_DIR/${tool}-argv"\nfor arg in "$@"; do printf '%s\\0' "$arg" >> "$GREENLIGHT_STANDIN_DIR/${tool}-argv"; done\n`,
      );
      await chmod(join(bin, tool), 0o755);
    }
    const saved = { PATH: process.env.PATH, GREENLIGHT_STANDIN_DIR: process.env.GREENLIGHT_STANDIN_DIR };
    process.env.PATH = `${bin}${delimiter}${saved.PATH ?? ''}`;
    process.env.GREENLIGHT_STANDIN_DIR = dir;
    try {
      for (const value of hostile()) {
        const bundle = join(dir, `bundle ${value.replaceAll('/', '_')}`);
        await mkdir(bundle, { recursive: true });
        const out = join(dir, `out ${value.replaceAll('/', '_')}.zip`);
        await packBundle(bundle, 'zip', value, out);
        const zip = await recordedArgv(join(dir, 'zip-argv'));
        assert.ok(
          zip.includes(out),
          `zip got ${JSON.stringify(out)} as one argument: ${JSON.stringify(zip)}`,
        );
        await packBundle(bundle, 'tgz', value, out);
        const tar = await recordedArgv(join(dir, 'tar-argv'));
        assert.equal(tar[tar.indexOf('-f') + 1], out);
        assert.equal(tar[tar.indexOf('-C') + 1], bundle);
      }
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.GREENLIGHT_STANDIN_DIR === undefined) delete process.env.GREENLIGHT_STANDIN_DIR;
      else process.env.GREENLIGHT_STANDIN_DIR = saved.GREENLIGHT_STANDIN_DIR;
    }
    await nothingExecuted();
  });

  it('the real zip and tar pack a hostile directory into a hostile path, and the REVISION holds the value verbatim', async () => {
    const value = hostile()[1] as string;
    const bundle = join(dir, `real ${value.replaceAll('/', '_')}`);
    await mkdir(bundle, { recursive: true });
    await writeFile(join(bundle, 'appspec.yml'), 'version: 0.0\nos: linux\n');
    for (const type of ['zip', 'tar', 'tgz'] as const) {
      const out = join(dir, `real out ${value.replaceAll('/', '_')}.${type}`);
      await packBundle(bundle, type, value, out);
      assert.ok(existsSync(out), `${type} written at the hostile path`);
      const revision =
        type === 'zip'
          ? execFileSync('unzip', ['-p', out, 'REVISION'], { encoding: 'utf8' })
          : execFileSync('tar', ['-xOf', out, 'REVISION'], { encoding: 'utf8' });
      assert.equal(revision, `${value}\n`);
    }
    await nothingExecuted();
  });
});
