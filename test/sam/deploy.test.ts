// tier: e2e
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LogEvent } from '../../src/log/events.js';
import { samBuild } from '../../src/sam/build.js';
import { samDeploy } from '../../src/sam/deploy.js';
import { SamFailedError } from '../../src/sam/errors.js';
import type { SamRuntime } from '../../src/sam/process.js';
import { samParameterOverrides } from './sam-parameter-parser.js';

// samDeploy and samBuild against test/fixtures/sam/sam, a recorded stand-in for the SAM CLI (the real
// one is not installable here): it records the arguments it was given and plays sam's recorded output.

const STAND_IN = fileURLToPath(new URL('../fixtures/sam/sam', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'greenlight-sam-'));
after(() => rmSync(work, { recursive: true, force: true }));

let calls = 0;
function standIn(scenario: string): { runtime: SamRuntime; events: LogEvent[]; argv: () => string[] } {
  const record = join(work, `argv-${(calls += 1)}`);
  const events: LogEvent[] = [];
  return {
    runtime: {
      command: STAND_IN,
      logger: { emit: (event) => events.push(event) },
      env: { ...process.env, SAM_STANDIN_ARGV: record, SAM_STANDIN_SCENARIO: scenario },
      cwd: work,
    },
    events,
    argv: () => readFileSync(record, 'utf8').split('\0').slice(0, -1),
  };
}

const texts = (events: readonly LogEvent[]): string[] =>
  events.flatMap((event) => (event.kind === 'message' && event.level === 'info' ? [event.text] : []));

describe('samDeploy with the recorded sam', () => {
  it('passes its arguments unchanged through no shell, and streams every line sam prints', async () => {
    const sam = standIn('changes');
    const parameters = { Environment: 'dev', Note: 'a "quoted" $(touch pwned) `value`; rm -rf ~' };
    const result = await samDeploy(
      {
        stackName: 'web-dev',
        templateFile: 'sam-template.yaml',
        parameterOverrides: parameters,
        capabilities: ['CAPABILITY_NAMED_IAM'],
      },
      sam.runtime,
    );
    assert.deepEqual(result, { stackName: 'web-dev', outcome: 'deployed' });
    const argv = sam.argv();
    assert.deepEqual(argv.slice(0, 7), [
      'deploy',
      '--stack-name',
      'web-dev',
      '--template-file',
      'sam-template.yaml',
      '--no-confirm-changeset',
      '--no-fail-on-empty-changeset',
    ]);
    assert.deepEqual(samParameterOverrides([argv[argv.indexOf('--parameter-overrides') + 1]!]), parameters);
    const lines = texts(sam.events);
    const recorded = readFileSync(
      new URL('../fixtures/sam/recordings/deploy-changes.out', import.meta.url),
      'utf8',
    );
    assert.deepEqual(lines, recorded.replace(/\n$/, '').split('\n'));
    assert.ok(lines.includes('Successfully created/updated stack - web-dev in us-east-1'));
  });

  it('takes an empty change set as success, with --no-fail-on-empty-changeset', async () => {
    const sam = standIn('no-changes');
    const result = await samDeploy({ stackName: 'web-dev', templateFile: 'sam-template.yaml' }, sam.runtime);
    assert.deepEqual(result, { stackName: 'web-dev', outcome: 'unchanged' });
    assert.ok(sam.argv().includes('--no-fail-on-empty-changeset'));
    assert.equal(texts(sam.events).at(-1), 'No changes to deploy. Stack web-dev is up to date');
  });

  it('takes an empty change set as success even when sam exits 1 for it', async () => {
    const sam = standIn('no-changes');
    const result = await samDeploy(
      { stackName: 'web-dev', templateFile: 'sam-template.yaml', noFailOnEmptyChangeset: false },
      sam.runtime,
    );
    assert.deepEqual(result, { stackName: 'web-dev', outcome: 'unchanged' });
    assert.ok(!sam.argv().includes('--no-fail-on-empty-changeset'));
    assert.equal(texts(sam.events).at(-1), 'Error: No changes to deploy. Stack web-dev is up to date');
  });

  it('fails with sam’s own error, its exit code and the last lines it printed', async () => {
    const sam = standIn('failure');
    await assert.rejects(
      samDeploy({ stackName: 'web-dev', templateFile: 'sam-template.yaml' }, sam.runtime),
      (error: unknown) => {
        assert.ok(error instanceof SamFailedError);
        assert.equal(error.exitCode, 1);
        assert.match(
          error.message,
          /^sam deploy of stack web-dev failed \(exit code 1\): Failed to create\/update the stack: web-dev, Waiter StackUpdateComplete failed/,
        );
        assert.ok(error.outputTail.some((line) => line.startsWith('UPDATE_ROLLBACK_COMPLETE')));
        assert.ok(error.outputTail.length <= 20);
        return true;
      },
    );
  });

  it('says how to install sam when there is none', async () => {
    const sam = standIn('changes');
    const missing = { ...sam.runtime, command: join(work, 'no-such-sam') };
    await assert.rejects(samDeploy({ stackName: 'web-dev', templateFile: 't.yaml' }, missing), {
      name: 'SamFailedError',
      message: `${join(work, 'no-such-sam')} (the AWS SAM CLI) is not installed or not on PATH: install it with pip install aws-sam-cli`,
    });
  });

  it('refuses bad input without running sam', async () => {
    const sam = standIn('changes');
    await assert.rejects(samDeploy({ stackName: 'web dev', templateFile: 't.yaml' }, sam.runtime), {
      name: 'SamInputError',
    });
    assert.throws(() => sam.argv(), { code: 'ENOENT' });
  });
});

describe('samBuild with the recorded sam', () => {
  it('builds and streams sam’s output', async () => {
    const sam = standIn('changes');
    await samBuild(
      { templateFile: 'sam-template.yaml', parameterOverrides: { Environment: 'dev' } },
      sam.runtime,
    );
    assert.deepEqual(sam.argv(), [
      'build',
      '--template-file',
      'sam-template.yaml',
      '--parameter-overrides',
      'ParameterKey=Environment,ParameterValue="dev"',
    ]);
    assert.ok(texts(sam.events).includes('Build Succeeded'));
  });
});
