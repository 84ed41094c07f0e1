// tier: unit
// The small things a newcomer meets first: one clear error per mistake, a suggestion for a long
// environment name, greenlight.yml found from a subdirectory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { likelyEnvironment, resolveEnvironment } from '../../src/config/environment.js';
import { findConfigFile, loadConfig } from '../../src/config/load.js';
import { EXAMPLE_FILE, rejection } from './sample.js';

const example = readFileSync(EXAMPLE_FILE, 'utf8');
const lineOf = (needle: string): number => example.split('\n').findIndex((l) => l.includes(needle)) + 1;

function problemsOf(text: string) {
  return rejection(() => loadConfig({ path: 'greenlight.yml', text })).problems;
}

describe('one mistake, one error', () => {
  it('alarms: web-dev-5xx (a string, not a list) is one problem that says how to write a list', () => {
    const problems = problemsOf(
      example.replace('alarms: [web-dev-5xx, web-dev-unhealthy-hosts]', 'alarms: web-dev-5xx'),
    );
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.equal(problems[0]?.path, 'environments.dev.alarms');
    assert.equal(problems[0]?.line, lineOf('alarms: [web-dev-5xx'));
    assert.match(
      problems[0]?.message ?? '',
      /expected a list of alarms, found "web-dev-5xx" \(a list of one is written \[web-dev-5xx\]\)/,
    );
  });

  it('too many alarms still says the limit', () => {
    const eleven = Array.from({ length: 11 }, (_, k) => `a${k}`).join(', ');
    const problems = problemsOf(
      example.replace('alarms: [web-dev-5xx, web-dev-unhealthy-hosts]', `alarms: [${eleven}]`),
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /at most 10 alarms \(CodeDeploy's limit per deployment group\)/);
  });

  const slips: [string, string, string][] = [
    [
      'a key one space left of its siblings',
      '    targetGroups: [web-dev-tg]',
      '   targetGroups: [web-dev-tg]',
    ],
    [
      'a key one space right of its siblings',
      '    autoScalingGroup: web-dev-asg',
      '     autoScalingGroup: web-dev-asg',
    ],
    [
      'a nested key one space left',
      '      ready: { action: CONTINUE_DEPLOYMENT }',
      '     ready: { action: CONTINUE_DEPLOYMENT }',
    ],
  ];
  for (const [what, line, slipped] of slips) {
    it(`an indentation slip (${what}) is one error at the slip's line`, () => {
      const problems = problemsOf(example.replace(line, slipped));
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]?.line, lineOf(line), JSON.stringify(problems[0]));
      assert.equal(problems[0]?.column, slipped.length - slipped.trimStart().length + 1);
      assert.match(
        problems[0]?.message ?? '',
        /^YAML indentation: this line is indented by \d spaces, the lines around it by \d/,
      );
    });
  }

  it('a syntax error that is not about indentation is still one error, the parser’s first', () => {
    const problems = problemsOf(example.replace('targetGroups: [web-dev-tg]', 'targetGroups: [web-dev-tg'));
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0]?.message ?? '', /^YAML syntax error: /);
  });
});

describe('--env suggestions', () => {
  const config = loadConfig({ path: EXAMPLE_FILE });

  it('--env production suggests prod', () => {
    const error = rejection(() => resolveEnvironment(config, 'production'));
    assert.match(
      error.message,
      /unknown environment "production" in .*greenlight\.yml \(did you mean "prod"\?\); it defines dev, prod/,
    );
    assert.equal(error.exitCode, 2);
  });

  it('typos, longer and shorter spellings; nothing for an unrelated name', () => {
    assert.equal(likelyEnvironment('prdo', ['dev', 'prod']), 'prod');
    assert.equal(likelyEnvironment('development', ['dev', 'prod']), 'dev');
    assert.equal(likelyEnvironment('stag', ['dev', 'staging', 'prod']), 'staging');
    assert.equal(likelyEnvironment('qa', ['dev', 'prod']), undefined);
    assert.equal(likelyEnvironment('pr', ['preview', 'prod']), undefined, 'ambiguous and too short');
  });
});

describe('greenlight.yml from a subdirectory', () => {
  it('is found by walking up to the repository root, and Config.file says which file', () => {
    const root = mkdtempSync(join(tmpdir(), 'greenlight-find-'));
    try {
      mkdirSync(join(root, 'repo', '.git'), { recursive: true });
      mkdirSync(join(root, 'repo', 'src', 'deep'), { recursive: true });
      writeFileSync(join(root, 'repo', 'greenlight.yml'), example);
      const config = loadConfig({ path: join(root, 'repo', 'src', 'deep', 'greenlight.yml') });
      assert.equal(config.file, join(root, 'repo', 'greenlight.yml'));
      // A --config naming another file is taken as given.
      assert.equal(
        findConfigFile(join(root, 'repo', 'src', 'other.yml')),
        join(root, 'repo', 'src', 'other.yml'),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('stops at the repository root: a greenlight.yml above it is not this repository’s', () => {
    const root = mkdtempSync(join(tmpdir(), 'greenlight-find-'));
    try {
      writeFileSync(join(root, 'greenlight.yml'), example);
      mkdirSync(join(root, 'repo', '.git'), { recursive: true });
      mkdirSync(join(root, 'repo', 'src'), { recursive: true });
      const missing = join(root, 'repo', 'src', 'greenlight.yml');
      assert.equal(findConfigFile(missing), missing);
      const error = rejection(() => loadConfig({ path: missing }));
      assert.match(
        error.message,
        /no configuration file at .* \(nor in a directory above it, up to the repository root\)/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
