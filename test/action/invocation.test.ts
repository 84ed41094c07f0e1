// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionInputError, invocation, splitArgs, type ActionInputs } from '../../action/src/invocation.js';
import { outcome, readDocument } from '../../action/src/outcome.js';
import { resultJunit, summaryMarkdown } from '../../action/src/summary.js';
import type { Verdict } from '../../src/verify/verdict.js';

// The action's pure parts: its inputs → greenlight's command line, and greenlight's exit code and
// --json document → the step's outputs and summary. The action as the runner runs it is
// test/action/action.test.ts.

const none: ActionInputs = {
  command: '',
  env: '',
  revision: '',
  deploymentId: '',
  bake: '',
  config: '',
  junit: '',
  args: '',
};
const argv = (inputs: Partial<ActionInputs>) => invocation({ ...none, ...inputs }, '/tmp/r.md').argv;

describe('the action’s inputs → greenlight’s command line', () => {
  it('maps each input onto the command’s flag, always asking for the JSON document', () => {
    assert.deepEqual(argv({ command: 'deploy', env: 'dev', revision: 'abc', config: 'ci/greenlight.yml' }), [
      'deploy',
      '--json',
      '--config',
      'ci/greenlight.yml',
      '--env',
      'dev',
      '--revision',
      'abc',
    ]);
    assert.deepEqual(argv({ command: 'group-apply', env: 'prod' }), [
      'group',
      'apply',
      '--json',
      '--env',
      'prod',
    ]);
    assert.deepEqual(argv({ command: 'wait', deploymentId: 'd-ABCDEFGHI' }), [
      'wait',
      '--json',
      'd-ABCDEFGHI',
    ]);
    assert.deepEqual(
      argv({ command: 'gate', env: 'dev', bake: '10m', revision: 'abc', args: '--rollback-on-failure' }),
      [
        'gate',
        '--json',
        '--env',
        'dev',
        '--revision',
        'abc',
        '--bake',
        '10m',
        '--markdown',
        '/tmp/r.md',
        '--rollback-on-failure',
      ],
    );
  });

  it('rolls back a job’s own deployment only while it is the release (--if-release)', () => {
    assert.deepEqual(argv({ command: 'rollback', env: 'dev', deploymentId: 'd-ABCDEFGHI' }), [
      'rollback',
      '--json',
      '--env',
      'dev',
      '--if-release',
      'd-ABCDEFGHI',
      '--markdown',
      '/tmp/r.md',
    ]);
  });

  it('reports: verify, gate and rollback write their own; deploy and wait leave the JUnit to the action', () => {
    const verify = invocation(
      { ...none, command: 'verify', env: 'dev', junit: 'reports/v.xml' },
      '/tmp/r.md',
    );
    assert.deepEqual(verify.argv, [
      'verify',
      '--json',
      '--env',
      'dev',
      '--junit',
      'reports/v.xml',
      '--markdown',
      '/tmp/r.md',
    ]);
    assert.equal(verify.markdownFile, '/tmp/r.md');
    const deploy = invocation(
      { ...none, command: 'deploy', env: 'dev', junit: 'reports/v.xml' },
      '/tmp/r.md',
    );
    assert.ok(!deploy.argv.includes('--junit'));
    assert.equal(deploy.junitFromResult, 'reports/v.xml');
    assert.equal(deploy.markdownFile, undefined);
  });

  it('refuses, naming the input, what the command would not take', () => {
    const refused = (inputs: Partial<ActionInputs>, message: RegExp) =>
      assert.throws(
        () => argv(inputs),
        (error: unknown) => error instanceof ActionInputError && message.test(error.message),
      );
    refused(
      { command: 'deploy-now' },
      /^command: "deploy-now" is not one of deploy, wait, verify, gate, rollback/,
    );
    refused({ command: 'status', revision: 'abc' }, /^revision: does not apply to status/);
    refused({ command: 'rollback', revision: 'abc' }, /args: --to SHA/);
    refused({ command: 'deploy', deploymentId: 'd-ABCDEFGHI' }, /^deployment-id: does not apply to deploy/);
    refused({ command: 'wait' }, /^deployment-id: wait follows a deployment/);
    refused({ command: 'deploy', bake: '10m' }, /^bake: does not apply to deploy/);
    refused({ command: 'status', junit: 'x.xml' }, /^junit: does not apply to status/);
    refused({ command: 'deploy', args: "--smoke 'npm test" }, /^args: a ' at character 9 is not closed/);
  });

  it('splits args as a shell would, expanding nothing', () => {
    assert.deepEqual(splitArgs(''), []);
    assert.deepEqual(splitArgs('  --if-busy  wait\n--force '), ['--if-busy', 'wait', '--force']);
    assert.deepEqual(splitArgs(`--smoke 'npm run e2e -- --url "$URL"' --x="a b"`), [
      '--smoke',
      'npm run e2e -- --url "$URL"',
      '--x=a b',
    ]);
    assert.deepEqual(splitArgs(String.raw`a\ b "c\"d\\e" ''`), ['a b', 'c"d\\e', '']);
  });
});

describe('greenlight’s result → the step’s outputs', () => {
  const doc = (result: unknown, exitCode = 0) => ({ exitCode, result });

  it('names the verdict from the exit code and the result, and the deployment from the result', () => {
    assert.deepEqual(outcome('deploy', 0, doc({ deploymentId: 'd-A', verified: true })), {
      verdict: 'verified',
      exitCode: 0,
      deploymentId: 'd-A',
    });
    assert.equal(outcome('deploy', 0, doc({ deploymentId: 'd-A', created: true })).verdict, 'unverified');
    assert.equal(outcome('gate', 0, doc({ passed: true, deploymentId: 'd-A' })).verdict, 'passed');
    assert.equal(outcome('group-apply', 0, doc({ changed: false })).verdict, 'passed');
    assert.equal(outcome('deploy', 1, doc({ deploymentId: 'd-A', verified: false }, 1)).verdict, 'failed');
    assert.equal(outcome('deploy', 5, doc({ deploymentId: 'd-A' }, 5)).verdict, 'rolled-back');
    assert.equal(outcome('verify', 2, undefined).verdict, 'usage-error');
    assert.equal(outcome('status', 3, doc(null, 3)).verdict, 'aws-error');
    assert.equal(outcome('wait', 4, doc(null, 4)).verdict, 'timed-out');
    assert.equal(outcome('deploy', 143, undefined).verdict, 'cancelled');
    assert.equal(outcome('deploy', 0, undefined).deploymentId, undefined);
  });

  it('reads the JSON document greenlight prints last on stdout', () => {
    const text = `${JSON.stringify({ exitCode: 1, result: { deploymentId: 'd-B' } }, null, 2)}\n`;
    assert.deepEqual(readDocument(text), { exitCode: 1, result: { deploymentId: 'd-B' } });
    assert.deepEqual(readDocument(`noise\n${text}`)?.exitCode, 1);
    assert.equal(readDocument(''), undefined);
    assert.equal(readDocument('{"not": "a document"}'), undefined);
  });
});

describe('the job summary', () => {
  const verdict: Verdict = {
    verified: false,
    deploymentId: 'd-ABCDEFGHI',
    application: 'web',
    deploymentGroup: 'web-dev',
    revision: 'a'.repeat(40),
    codedeployStatus: 'Succeeded',
    phase: 'complete',
    headline: 'CodeDeploy: Succeeded — greenlight: FAILED, 1 of 4 instances failed',
    fleetSize: 4,
    failedInstances: 1,
    rules: [
      { rule: 'lifecycle-events', verdict: 'fail', summary: '1 instance failed AfterInstall', evidence: [] },
    ],
    instances: [
      {
        instanceId: 'i-0abc',
        role: 'green',
        failedEvent: 'AfterInstall',
        scriptName: 'hooks/after-install.sh',
        errorCode: 'ScriptFailed',
        verdict: 'fail',
        problems: [{ rule: 'lifecycle-events', detail: 'AfterInstall failed' }],
      },
    ],
    gatheredAt: '2026-01-01T00:00:00.000Z',
  } as unknown as Verdict;
  const deploy = invocation({ ...none, command: 'deploy', env: 'dev' }, '/tmp/r.md');

  it('says the command, the verdict and the exit code, then the verification greenlight rendered', () => {
    const document = {
      exitCode: 1,
      result: {
        deploymentId: 'd-ABCDEFGHI',
        verified: false,
        verification: { schema: 'greenlight.verify/1', ...verdict },
      },
    };
    const text = summaryMarkdown(deploy, outcome('deploy', 1, document), document, undefined);
    assert.match(text, /^### greenlight deploy \(dev\): failed, exit 1\n/);
    assert.match(text, /## ❌ greenlight verify d-ABCDEFGHI/);
    assert.match(text, /CodeDeploy: Succeeded — greenlight: FAILED, 1 of 4 instances failed/);
    assert.match(text, /i-0abc/);
    // The verification’s own JUnit report (its cases per instance and rule: test/action/action.test.ts).
    assert.match(resultJunit(document) ?? '', /<testsuites name="greenlight verify d-ABCDEFGHI"/);
  });

  it('prefers the report the command wrote, and says the error when there is no result', () => {
    const verify = invocation({ ...none, command: 'verify', env: 'dev' }, '/tmp/r.md');
    const written = summaryMarkdown(
      verify,
      outcome('verify', 0, { exitCode: 0, result: { verified: true } }),
      { exitCode: 0, result: { verified: true } },
      '## ✅ written by greenlight\n',
    );
    assert.match(
      written,
      /^### greenlight verify \(dev\): verified, exit 0\n\n## ✅ written by greenlight\n$/,
    );
    const failed = { exitCode: 2, result: null, error: { message: 'unknown environment "nope"\nmore' } };
    const text = summaryMarkdown(deploy, outcome('deploy', 2, failed), failed, undefined);
    assert.match(text, /usage-error, exit 2/);
    assert.match(text, /\*\*Error:\*\* unknown environment "nope"\n$/);
    assert.equal(resultJunit(failed), undefined);
  });
});
