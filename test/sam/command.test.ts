// tier: e2e
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/run.js';
import { repoRoot, runTypeScript } from '../cli/spawn.js';
import { samParameterOverrides } from './sam-parameter-parser.js';

// `greenlight sam deploy` and deployscripts/sam-deploy.ts over it, with the recorded sam stand-in first on PATH.

const standInDirectory = fileURLToPath(new URL('../fixtures/sam/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'greenlight-sam-deploy-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  argv: string[];
}

let runs = 0;
async function samDeployCommand(
  args: string[],
  options: { scenario?: string; cwd?: string } = {},
): Promise<Run> {
  const record = join(work, `argv-${(runs += 1)}`);
  let stdout = '';
  let stderr = '';
  const code = await runCli(['sam', 'deploy', ...args], {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: {
      PATH: `${standInDirectory}${delimiter}${process.env.PATH ?? ''}`,
      CI: 'true',
      SAM_STANDIN_ARGV: record,
      SAM_STANDIN_SCENARIO: options.scenario ?? 'changes',
    },
    cwd: options.cwd ?? repoRoot,
    signal: new AbortController().signal,
  });
  let argv: string[] = [];
  try {
    argv = readFileSync(record, 'utf8').split('\0').slice(0, -1);
  } catch {
    // sam was never run
  }
  return { code, stdout, stderr, argv };
}

function option(argv: readonly string[], name: string): string[] {
  const at = argv.indexOf(name);
  if (at === -1) return [];
  const end = argv.findIndex((arg, index) => index > at && arg.startsWith('--'));
  return argv.slice(at + 1, end === -1 ? undefined : end);
}

describe('greenlight sam deploy', () => {
  it('deploys the environment’s stack with greenlight.yml’s names, region and tags', async () => {
    const run = await samDeployCommand([
      '--env',
      'dev',
      '--parameter',
      'VpcId=vpc-0123',
      '--parameter',
      'CertificateArn=',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(option(run.argv, '--stack-name'), ['web-dev']);
    assert.deepEqual(option(run.argv, '--template-file'), [join(repoRoot, 'sam-template.yaml')]);
    assert.deepEqual(option(run.argv, '--region'), ['us-east-1']);
    assert.deepEqual(option(run.argv, '--capabilities'), ['CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND']);
    assert.deepEqual(option(run.argv, '--tags'), ['app=web', 'environment=dev']);
    assert.deepEqual(samParameterOverrides(option(run.argv, '--parameter-overrides')), {
      ApplicationName: 'web',
      Environment: 'dev',
      VpcId: 'vpc-0123',
      CertificateArn: '',
    });
    assert.ok(!run.argv.includes('--role-arn'));
    assert.match(run.stderr, /sam deploy web-dev/);
    assert.match(run.stderr, /Successfully created\/updated stack - web-dev in us-east-1/);
    // greenlight.yml names the role the stack makes for this environment: nothing to warn about.
    assert.doesNotMatch(run.stderr, /serviceRoleArn is/);
    assert.equal(run.stdout, '');
  });

  it('exits 0 when the stack is already up to date', async () => {
    const run = await samDeployCommand(
      ['--env', 'prod', '--role-arn', 'arn:aws:iam::123456789012:role/web-prod-cfn'],
      { scenario: 'no-changes' },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(option(run.argv, '--stack-name'), ['web-prod']);
    assert.deepEqual(option(run.argv, '--role-arn'), ['arn:aws:iam::123456789012:role/web-prod-cfn']);
    assert.match(run.stderr, /no changes: the stack is up to date/);
  });

  it('exits 1 with sam’s error when the deploy fails', async () => {
    const run = await samDeployCommand(['--env', 'dev'], { scenario: 'failure' });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /sam deploy of stack web-dev failed \(exit code 1\): Failed to create\/update the stack: web-dev/,
    );
  });

  const usage: [string, string[], RegExp][] = [
    ['no environment', [], /no environment given: pass --env NAME/],
    ['an unknown environment', ['--env', 'staging'], /unknown environment "staging"/],
    ['an unknown flag', ['--env', 'dev', '--yes'], /unknown option '--yes'/],
    [
      'a parameter without =',
      ['--env', 'dev', '--parameter', 'VpcId'],
      /--parameter "VpcId": expected Key=Value/,
    ],
    [
      'a parameter greenlight.yml sets',
      ['--env', 'dev', '--parameter', 'Environment=prod'],
      /parameter Environment comes from greenlight.yml/,
    ],
    ['a value sam cannot take', ['--env', 'dev', '--parameter', 'Path=C:\\'], /parameter Path: a backslash/],
  ];
  for (const [what, args, message] of usage) {
    it(`exits 2 on ${what}, without running sam`, async () => {
      const run = await samDeployCommand(args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
      assert.deepEqual(run.argv, []);
    });
  }

  it('exits 2 when greenlight.yml names resources the template does not make', async () => {
    const config = readFileSync(join(repoRoot, 'greenlight.yml'), 'utf8').replace(
      'autoScalingGroup: web-dev-asg',
      'autoScalingGroup: web-asg',
    );
    const directory = mkdtempSync(join(work, 'config-'));
    writeFileSync(join(directory, 'greenlight.yml'), config);
    const run = await samDeployCommand(['--env', 'dev', '--template', join(repoRoot, 'sam-template.yaml')], {
      cwd: directory,
    });
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /environments\.dev does not match sam-template\.yaml:\n.*autoScalingGroup is web-asg, but the template creates web-dev-asg/,
    );
    assert.deepEqual(run.argv, []);
  });

  it('takes the CircleCI job’s empty values as none, and gives its result to --json', async () => {
    const run = await samDeployCommand([
      '--env',
      'dev',
      '--parameter',
      'ExistingOidcProviderArn=',
      '--role-arn',
      '',
      '--s3-bucket',
      '',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.argv.includes('--role-arn'));
    assert.ok(!run.argv.includes('--s3-bucket'));
    assert.deepEqual(
      samParameterOverrides(option(run.argv, '--parameter-overrides')).ExistingOidcProviderArn,
      '',
    );
    const doc = JSON.parse(run.stdout) as { exitCode: number; result: unknown };
    assert.equal(doc.exitCode, 0);
    assert.deepEqual(doc.result, { stackName: 'web-dev', outcome: 'deployed' });
  });

  it('prints its usage on --help (exit 0); a flag without its value or no sub-command is a usage error', async () => {
    const help = await samDeployCommand(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: greenlight sam deploy \[options\]/);
    assert.match(help.stdout, /--parameter <Key=Value>/);
    const noValue = await samDeployCommand(['--env', 'dev', '--role-arn']);
    assert.equal(noValue.code, 2);
    assert.match(noValue.stderr, /option '--role-arn <arn>' argument missing/);
    let stderr = '';
    const bare = await runCli(['sam'], {
      stdout: { write: () => true },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: {},
      cwd: repoRoot,
      signal: new AbortController().signal,
    });
    assert.equal(bare, 2);
    assert.match(stderr, /deploy/);
    assert.deepEqual(noValue.argv, []);
  });

  it('runs as the deployscript CircleCI calls, with the stand-in as sam on PATH', async () => {
    const record = join(work, 'argv-deployscript');
    const result = await runTypeScript(
      join(repoRoot, 'deployscripts/sam-deploy.ts'),
      ['--env', 'dev', '--dry-run'],
      {
        env: {
          PATH: `${standInDirectory}${delimiter}${process.env.PATH ?? ''}`,
          SAM_STANDIN_ARGV: record,
          SAM_STANDIN_SCENARIO: 'changes',
        },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const argv = readFileSync(record, 'utf8').split('\0').slice(0, -1);
    assert.ok(argv.includes('--no-execute-changeset'));
    assert.match(result.stderr, /change set created, not executed \(--dry-run\)/);
  });
});
