// tier: unit
// What can be checked of the READMEs without running them (test/readme/readme.test.ts runs them):
// the directives that mark illustrations, the AWS CLI pointed at the local cloud on every line that
// runs, greenlight invoked as a fresh clone can, the files the commands name, and "Before you start"
// against .circleci/config.yml and sam-template.yaml.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  commandsOf,
  fencedBlocks,
  READMES,
  readReadme,
  repoRoot,
  runsAwsCli,
  shellBlocks,
  withoutComment,
} from './blocks.js';

describe('README shell blocks', () => {
  for (const file of READMES) {
    const blocks = shellBlocks(readReadme(file), file);

    it(`${file}: every illustration says why it is not run`, () => {
      for (const b of blocks) {
        if (b.directive) assert.ok(b.directive.reason.length > 10, `${file}:${b.line}: say why`);
      }
    });

    it(`${file}: every AWS CLI line that runs carries --endpoint-url (Debian's AWS CLI ignores AWS_ENDPOINT_URL)`, () => {
      for (const b of blocks.filter((b) => b.directive?.kind !== 'skip')) {
        for (const command of commandsOf(b.text).filter(runsAwsCli)) {
          assert.match(command, /--endpoint-url http:\/\/127\.0\.0\.1:\d+/, `${file}:${b.line}: ${command}`);
        }
      }
    });

    it(`${file}: greenlight runs as a fresh clone can run it (npx greenlight or node bin/greenlight.js)`, () => {
      for (const b of blocks.filter((b) => b.directive?.kind !== 'skip')) {
        for (const command of commandsOf(b.text)) {
          const bare = withoutComment(command).replace(/npx greenlight\s|node bin\/greenlight\.js\s/g, '');
          assert.doesNotMatch(bare, /(^|[\s;&|(])greenlight\s/, `${file}:${b.line}: ${command}`);
        }
      }
    });

    it(`${file}: the files its commands name exist`, () => {
      for (const b of blocks.filter((b) => !b.directive)) {
        for (const [, path] of b.text.matchAll(/(?:--world |@)(\S+\.ya?ml)/g)) {
          assert.ok(existsSync(join(repoRoot, path!)), `${file}:${b.line}: ${path} does not exist`);
        }
      }
    });
  }

  it('finds the directives it is told about, and refuses an unknown one', () => {
    const md = [
      '<!-- readme-test: skip: real AWS only -->',
      '```sh',
      'aws deploy list-applications',
      '```',
      '',
      '```sh',
      'echo one \\',
      '  two   # a comment',
      '# only a comment',
      'echo "a # not a comment"',
      '```',
    ].join('\n');
    const [skipped, run] = shellBlocks(md, 'x.md');
    assert.deepEqual(skipped!.directive, { kind: 'skip', reason: 'real AWS only' });
    assert.equal(run!.directive, undefined);
    assert.deepEqual(commandsOf(run!.text), ['echo one \\\n  two   # a comment', 'echo "a # not a comment"']);
    assert.equal(withoutComment('echo one \\\n  two   # a comment'), 'echo one \\\n  two');
    assert.equal(withoutComment('echo "a # not a comment"'), 'echo "a # not a comment"');
    assert.ok(runsAwsCli('/usr/bin/aws --endpoint-url http://127.0.0.1:1 s3 ls'));
    assert.ok(!runsAwsCli('npx greenlight deploy --env dev  # aws s3'));
    assert.throws(() => fencedBlocks('<!-- readme-test: maybe -->\n```sh\nls\n```', 'y.md'), /unknown/);
  });
});

describe('"Before you start" and the pipeline agree', () => {
  const readme = readReadme('README.md');
  const start = readme.indexOf('## Before you start');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const config = readFileSync(join(repoRoot, '.circleci/config.yml'), 'utf8');
  const template = readFileSync(join(repoRoot, 'sam-template.yaml'), 'utf8');

  /** The variables the pipeline reads that a context must hold (CircleCI sets CIRCLE_* itself). */
  const contextVariables = new Set(
    [...config.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)]
      .map((m) => m[1]!)
      .filter((name) => !name.startsWith('CIRCLE_') && !['HOME', 'BASH_ENV', 'PATH', 'PWD'].includes(name)),
  );

  it('the README has the section', () => {
    assert.ok(start >= 0);
  });

  it('names every variable the pipeline reads from its contexts, and no other in its table', () => {
    assert.ok(contextVariables.has('AWS_DEPLOY_ROLE_ARN'));
    for (const name of contextVariables) {
      assert.ok(section.includes(`\`${name}\``), `"Before you start" does not name ${name}`);
    }
    const tabled = [...section.matchAll(/^\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \|/gm)].flatMap((m) =>
      [...m[1]!.matchAll(/`([A-Z_]+)`/g)].map((n) => n[1]!),
    );
    assert.ok(tabled.length >= contextVariables.size);
    for (const name of tabled)
      assert.ok(contextVariables.has(name), `${name} is not read by .circleci/config.yml`);
  });

  it('one name for the deploy role ARN: the stack output DeployRoleArn, the context variable AWS_DEPLOY_ROLE_ARN', () => {
    const outputs = template.slice(template.indexOf('\nOutputs:'));
    const deployRole =
      /\n {2}DeployRoleArn:\n {4}Description: ([^\n]*)\n {4}Value: !GetAtt DeployRole\.Arn/.exec(outputs);
    assert.ok(deployRole, 'sam-template.yaml outputs DeployRoleArn, the deploy role');
    assert.match(deployRole[1]!, /\bAWS_DEPLOY_ROLE_ARN\b/);
    // The pipeline names the output it wants, by that name, wherever it mentions one.
    const named = [...config.matchAll(/\b([A-Z]\w+) output\b/g)].map((m) => m[1]!);
    assert.ok(named.length >= 1);
    for (const name of named)
      assert.equal(name, 'DeployRoleArn', `.circleci/config.yml names the output ${name}`);
    assert.match(section, /`DeployRoleArn`[^|\n]*`AWS_DEPLOY_ROLE_ARN`/);
  });

  it("the termination and Ready waits it quotes are greenlight.yml's, the bakes the pipeline's", () => {
    const greenlightYml = readFileSync(join(repoRoot, 'greenlight.yml'), 'utf8');
    const dev = greenlightYml.slice(greenlightYml.indexOf('\n  dev:'), greenlightYml.indexOf('\n  prod:'));
    const prod = greenlightYml.slice(greenlightYml.indexOf('\n  prod:'));
    assert.match(dev, /terminateBlue: \{ action: TERMINATE, waitMinutes: 5 \}/);
    assert.match(prod, /terminateBlue: \{ action: TERMINATE, waitMinutes: 60 \}/);
    assert.match(prod, /ready: \{ action: STOP_DEPLOYMENT, waitMinutes: 60 \}/);
    assert.match(section, /\*\*5 minutes in dev, 60 in prod\*\*/);
    assert.match(config, /name: gate_dev\n\s+env: dev\n(?:\s+serial-group: .*\n)?\s+bake: 10m/);
    assert.match(config, /name: gate_prod\n\s+env: prod\n(?:\s+serial-group: .*\n)?\s+bake: 30m/);
    assert.match(section, /`gate_dev` 10 minutes, `gate_prod` 30/);
  });
});
