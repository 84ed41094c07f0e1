// tier: e2e
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { greenlight, repoRoot } from './spawn.js';

const subcommands = [
  'group',
  'deploy',
  'wait',
  'verify',
  'rollback',
  'gate',
  'status',
  'appspec',
  'localcloud',
  'hooks',
];

describe('greenlight CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'greenlight-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--help lists every sub-command of DESIGN.md and the exit codes, exit 0', async () => {
    const r = await greenlight(['--help']);
    assert.equal(r.code, 0);
    for (const name of subcommands) assert.match(r.stdout, new RegExp(`^\\s+${name}\\b`, 'm'), name);
    assert.match(r.stdout, /3 AWS error that retries could not get past/);
  });

  it('sub-command help shows its flags', async () => {
    const r = await greenlight(['deploy', '--help']);
    assert.equal(r.code, 0);
    for (const flag of [
      '--revision',
      '--no-wait',
      '--no-verify',
      '--rollback-on-failure',
      '--if-busy',
      '--env',
      '--json',
    ]) {
      assert.ok(r.stdout.includes(flag), flag);
    }
  });

  it('no sub-command: help on stderr, exit 2', async () => {
    const r = await greenlight([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Usage: greenlight/);
  });

  it('unknown sub-command: names it, suggests the closest, exit 2', async () => {
    const r = await greenlight(['deplyo']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'deplyo'/);
    assert.match(r.stderr, /Did you mean deploy\?/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('unknown flag: names it, exit 2', async () => {
    const r = await greenlight(['deploy', '--env', 'dev', '--revison', 'abc']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--revison'/);
    assert.match(r.stderr, /Did you mean --revision\?/);
  });

  it('bad flag values: --if-busy choice, deployment id, duration, --json mode, exit 2', async () => {
    const busy = await greenlight(['deploy', '--env', 'dev', '--if-busy', 'sometimes']);
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /--if-busy.*sometimes.*Allowed choices are wait, attach, fail/s);

    const id = await greenlight(['wait', 'd-123']);
    assert.equal(id.code, 2);
    assert.match(id.stderr, /"d-123" is not a CodeDeploy deployment id/);

    const bake = await greenlight(['gate', '--env', 'dev', '--bake', 'ten minutes']);
    assert.equal(bake.code, 2);
    assert.match(bake.stderr, /--bake/);

    const json = await greenlight(['status', '--env', 'dev', '--json=yaml']);
    assert.equal(json.code, 2);
    assert.match(json.stderr, /--json takes "lines" or "document", not "yaml"/);
  });

  it('a revision that is neither a commit nor an S3 URL: exit 2 before any AWS call', async () => {
    const r = await greenlight(['deploy', '--env', 'dev', '--revision', 'main']);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /revision "main" is neither a full 40-character commit id nor an s3:\/\/bucket\/key URL/,
    );
  });

  it('missing greenlight.yml: names the file and suggests --config, exit 2', async () => {
    const r = await greenlight(['status', '--env', 'dev'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(join(dir, 'greenlight.yml')), r.stderr);
    assert.match(r.stderr, /--config/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('a wrong type at a nested key: the message names the file, the key path and the line, exit 2', async () => {
    const file = join(dir, 'nested.yml');
    await writeFile(
      file,
      [
        'application: web',
        'environments:',
        '  dev:',
        '    region: us-east-1',
        '    deploymentGroup: web-dev',
        '    serviceRoleArn: arn:aws:iam::123456789012:role/web-codedeploy',
        '    autoScalingGroup: web-dev-asg',
        '    targetGroups: [web-dev-tg]',
        '    blueGreen:',
        '      terminateBlue: {action: TERMINATE, waitMinutes: soon}',
        '    revision: {github: owner/repo}',
        '',
      ].join('\n'),
    );
    const r = await greenlight(['status', '--env', 'dev', '--config', file]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(file), r.stderr);
    assert.match(r.stderr, /environments\.dev\.blueGreen\.terminateBlue\.waitMinutes/);
    assert.ok(r.stderr.includes(`${file}:10:`), 'file:line');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('an unknown --env lists the environments the file has, exit 2', async () => {
    const r = await greenlight(['status', '--env', 'staging', '--config', join(repoRoot, 'greenlight.yml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /staging/);
    assert.match(r.stderr, /dev/);
    assert.match(r.stderr, /prod/);
  });

  it('no --env at all says how to give one, exit 2', async () => {
    const r = await greenlight(['group', 'plan']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pass --env NAME \(or set GREENLIGHT_ENV\)/);
  });

  it('GREENLIGHT_ENV selects the environment', async () => {
    const r = await greenlight(['status'], { env: { GREENLIGHT_ENV: 'staging' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /staging/);
  });

  it('with --json, a usage error is in the JSON document on stdout too (exit 2)', async () => {
    const r = await greenlight(['status', '--env', 'staging', '--json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown environment "staging"/);
    const doc = JSON.parse(r.stdout) as { exitCode: number; error: { message: string } };
    assert.equal(doc.exitCode, 2);
    assert.match(doc.error.message, /unknown environment "staging"/);
  });

  it('global flags are accepted before the sub-command too', async () => {
    const r = await greenlight(['--env', 'staging', 'status']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /staging/);
  });
});

describe('signals', () => {
  it('SIGTERM stops greenlight localcloud cleanly: it says so and exits 0', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)),
        'localcloud',
        '--port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, CI: 'true' } },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: string) => {
        stderr += d;
        if (stderr.includes('listening on')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before listening: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(stderr, /SIGTERM received: finishing cleanly/);
    assert.match(stderr, /local cloud stopped/);
  });
});
