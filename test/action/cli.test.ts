// tier: unit
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import {
  chooseCli,
  describeCli,
  INSTALLED_BIN,
  readActionPackage,
  type ActionPackage,
} from '../../action/src/cli.js';
import { ActionInputError } from '../../action/src/invocation.js';

// Which greenlight the action runs: the `cli` input, else the project's installed greenlight, else
// the published package at the action's version. Real directories, so that the check for the
// installed bin is the one the runner makes (test/action/action.test.ts runs the action with both
// an explicit cli and a project's installed one).

const root = fileURLToPath(new URL('../../', import.meta.url));
const action: ActionPackage = { name: 'greenlight', version: '0.1.0' };

describe('the greenlight the action runs', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'greenlight-action-cli-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** A project directory, with greenlight installed (npm ci's node_modules/.bin/greenlight) or not. */
  const project = (name: string, installed: boolean): string => {
    const dir = join(scratch, name);
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    if (installed) writeFileSync(join(dir, INSTALLED_BIN), '#!/bin/sh\n');
    return dir;
  };

  it('by default: the project’s own, when working-directory has it installed', () => {
    const dir = project('installed', true);
    assert.deepEqual(chooseCli('', dir, action, existsSync), {
      program: join(dir, 'node_modules/.bin/greenlight'),
      args: [],
      source: 'installed',
    });
  });

  it('by default, with none installed there: the published package at the action’s version, through npx', () => {
    const dir = project('not-installed', false);
    assert.deepEqual(chooseCli('', dir, action, existsSync), {
      program: 'npx',
      args: ['--yes', 'greenlight@0.1.0'],
      source: 'published',
    });
    // Another version of the action runs its own version, never the registry's newest.
    assert.deepEqual(chooseCli('  ', dir, { name: 'greenlight', version: '0.3.1' }, existsSync).args, [
      '--yes',
      'greenlight@0.3.1',
    ]);
    // Only working-directory counts: an install elsewhere in the checkout (the root, when the app is
    // a sub-directory) is not the app's.
    project('root', true);
    const app = project(join('root', 'app'), false);
    assert.equal(chooseCli('', app, action, existsSync).source, 'published');
  });

  it('the cli input wins over both, split into words as args is (no shell)', () => {
    const dir = project('input', true);
    assert.deepEqual(chooseCli('node bin/greenlight.js', dir, action, existsSync), {
      program: 'node',
      args: ['bin/greenlight.js'],
      source: 'input',
    });
    assert.deepEqual(chooseCli(`'/opt/my node/node' "dist dir/greenlight.js"`, dir, action, existsSync), {
      program: '/opt/my node/node',
      args: ['dist dir/greenlight.js'],
      source: 'input',
    });
    assert.deepEqual(chooseCli('npx --yes greenlight@0.2.0', dir, action, existsSync).args, [
      '--yes',
      'greenlight@0.2.0',
    ]);
  });

  it('a cli input that does not split, or names no program, is bad input naming the cli input', () => {
    const refused = (input: string, message: RegExp) =>
      assert.throws(
        () => chooseCli(input, scratch, action, existsSync),
        (error: unknown) => error instanceof ActionInputError && message.test(error.message),
      );
    refused(`node 'bin/greenlight.js`, /^cli: a ' at character 6 is not closed/);
    refused(`''`, /^cli: names no program to run$/);
  });

  it('the action’s version is the repository’s package.json: its name and version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as ActionPackage & {
      bin: Record<string, string>;
    };
    assert.deepEqual(readActionPackage(join(root, 'package.json')), { name: pkg.name, version: pkg.version });
    // npx runs the package's one bin, which must be greenlight.
    assert.deepEqual(Object.keys(pkg.bin), ['greenlight']);
    const broken = join(scratch, 'package.json');
    writeFileSync(broken, '{ "name": "greenlight" }');
    assert.throws(() => readActionPackage(broken), /package\.json \(.*\) has no name and version/);
    assert.throws(
      () => readActionPackage(join(scratch, 'missing.json')),
      /cannot read the action's package\.json/,
    );
  });

  it('the step’s log says which greenlight runs and where it comes from', () => {
    assert.equal(
      describeCli({ program: 'npx', args: ['--yes', 'greenlight@0.1.0'], source: 'published' }),
      "npx --yes greenlight@0.1.0 (the published package, at the action's version)",
    );
    assert.equal(
      describeCli({ program: '/w/my app/node_modules/.bin/greenlight', args: [], source: 'installed' }),
      `"/w/my app/node_modules/.bin/greenlight" (the project's own)`,
    );
  });
});
