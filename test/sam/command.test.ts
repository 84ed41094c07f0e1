// tier: e2e
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runSamDeployCommand } from '../../src/sam/command.js';
import { repoRoot, runTypeScript } from '../cli/spawn.js';
import { samParameterOverrides } from './sam-parameter-parser.js';

// deployscripts/sam-deploy.ts and the command behind it, with the recorded sam stand-in first on PATH.

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
  const code = await runSamDeployCommand(args, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: {
      PATH: `${standInDirectory}${delimiter}${process.env.PATH ?? ''}`,
      CI: 'true',
      SAM_STANDIN_ARGV: record,
      SAM_STANDIN_SCENARIO: options.scenario ?? 'changes',
    },
    cwd: options.cwd ?? repoRoot,
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

describe('sam-deploy', () => {
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
    ['an unknown flag', ['--env', 'dev', '--yes'], /Unknown option '--yes'/],
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
