// tier: e2e
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { greenlight, type CliResult } from '../cli/spawn.js';
import { sampleEnvironment } from '../config/sample.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';

// AWS credentials and a session token are planted in greenlight's environment, recognisable
// values, and every output mode is run: help, plain, --verbose, --json, --json=lines, report files,
// and an error of each exit code greenlight can be made to give here (usage, AWS error from the
// cloud, internal error, failed deployment).
// None of those bytes may contain a credential, whole or in part.

const planted = {
  AWS_ACCESS_KEY_ID: 'AKIAPLANTEDKEY7Q3ZXW',
  AWS_SECRET_ACCESS_KEY: 'pLaNtEdSeCrEt/wJalrXUtnFEMI+K7MDENGbPxRfiCY9',
  AWS_SESSION_TOKEN: 'PlantedSessionToken//IQoJb3JpZ2luX2VjEXAMPLEtokenZZZ9876543210==',
};

/** The values and long enough pieces of them that a truncated or re-encoded leak is still caught. */
function secretsIn(text: string): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(planted)) {
    const pieces = [
      value,
      value.slice(0, 12),
      value.slice(-12),
      encodeURIComponent(value),
      Buffer.from(value).toString('base64').slice(0, 16),
    ];
    for (const piece of pieces) if (text.includes(piece)) found.push(`${name} (${piece})`);
  }
  return found;
}

describe('no output mode prints AWS credentials or session tokens', () => {
  let cloud: TestCloud;
  let dir: string;
  let reports: string;
  const outputs: { args: string[]; result: CliResult }[] = [];
  const sha = (c: string) => c.repeat(40);

  const run = async (args: string[], env: Record<string, string> = {}): Promise<CliResult> => {
    const result = await greenlight(args, { cwd: dir, env: { ...cloud.env, ...planted, ...env } });
    outputs.push({ args, result });
    return result;
  };

  before(async () => {
    cloud = await startCloud({ world: devWorld(2), timeScale: 3000 }); // scaled: greenlight runs as a process
    dir = await mkdtemp(join(tmpdir(), 'greenlight-credentials-'));
    reports = join(dir, 'reports');
    await mkdir(reports);
    const s3dev = { ...sampleEnvironment(), revision: { s3: { bucket: 'web-revisions', prefix: 'web/' } } };
    await writeFile(
      join(dir, 'greenlight.yml'),
      stringify({ application: 'web', environments: { dev: sampleEnvironment(), s3dev } }),
    );
    await mkdir(join(dir, 'bundle'));
    await writeFile(join(dir, 'bundle', 'appspec.yml'), 'version: 0.0\nos: linux\n');
  });

  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('help, version and usage errors (exit 2) in every mode', async () => {
    const [help, usage, ...statuses] = await Promise.all([
      run(['--help']),
      run(['wait', 'd-123', '--verbose']),
      ...[[], ['--json=lines']].map((mode) => run(['status', '--env', 'dev', ...mode])),
    ]);
    assert.equal(help?.code, 0);
    assert.equal(usage?.code, 2);
    for (const r of statuses) assert.equal(r.code, 2, r.stderr);
  });

  it('an AWS error from the cloud (exit 3), plain, --verbose and --json', async () => {
    await cloud.fault({
      scope: 'api',
      service: 'codedeploy',
      operation: '*',
      effect: 'error',
      code: 'AccessDeniedException',
      status: 400,
    });
    try {
      for (const mode of [['--verbose'], ['--json', '--verbose']]) {
        const r = await run(['group', 'plan', '--env', 'dev', ...mode]);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /AccessDeniedException/);
      }
    } finally {
      await cloud.clearFaults();
    }
  });

  it('an internal error with its stack trace (--verbose), exit 1', async () => {
    // Without zip on PATH, packing the bundle fails in a way greenlight does not know: an internal error.
    const r = await run(
      // --skip-preflight: the group does not exist here, which preflight would say first.
      [
        'deploy',
        '--env',
        's3dev',
        '--bundle',
        'bundle',
        '--revision',
        sha('a'),
        '--verbose',
        '--json',
        '--skip-preflight',
      ],
      {
        PATH: join(dir, 'no-such-bin'),
      },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /internal error/);
    assert.match(r.stderr, /^(\[[\d:]+\] )?\s+at \S/m, 'the stack is shown with --verbose');
  });

  it('a deployment, its verification with report files, and a failed one (exit 1), in every mode', async () => {
    assert.equal((await run(['group', 'apply', '--env', 'dev', '--verbose'])).code, 0);
    const deployed = await run(
      ['deploy', '--env', 'dev', '--revision', sha('1'), '--poll', '50ms', '--json', '--verbose'],
      {
        CIRCLE_BUILD_NUM: '1',
      },
    );
    assert.equal(deployed.code, 0, deployed.stderr);
    const id = (JSON.parse(deployed.stdout) as { result: { deploymentId: string } }).result.deploymentId;
    const verified = await run([
      'verify',
      id,
      '--junit',
      join(reports, 'verify.xml'),
      '--markdown',
      join(reports, 'verify.md'),
      '--html',
      join(reports, 'verify.html'),
      '--json=lines',
      '--verbose',
    ]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.ok((await readdir(reports)).length >= 3, 'the report files were written');
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    const queued = await run(['deploy', '--env', 'dev', '--revision', sha('2'), '--no-wait', '--json'], {
      CIRCLE_BUILD_NUM: '2',
    });
    assert.equal(queued.code, 0, queued.stderr);
    const next = (JSON.parse(queued.stdout) as { result: { deploymentId: string } }).result.deploymentId;
    const failed = await run(['wait', next, '--poll', '50ms', '--verbose', '--json=lines']);
    await cloud.clearFaults();
    assert.equal(failed.code, 1, failed.stderr);
    const status = await run(['status', '--env', 'dev', '--json', '--verbose']);
    assert.equal(status.code, 0, status.stderr);
  });

  it('not one byte of stdout, stderr or a report file holds a planted credential', async () => {
    assert.ok(outputs.length >= 13, `every mode ran (${outputs.length} runs)`);
    for (const { args, result } of outputs) {
      const leaks = secretsIn(`${result.stdout}\n${result.stderr}`);
      assert.deepEqual(leaks, [], `greenlight ${args.join(' ')} printed ${leaks.join(', ')}`);
    }
    for (const file of await readdir(reports)) {
      const leaks = secretsIn(await readFile(join(reports, file), 'utf8'));
      assert.deepEqual(leaks, [], `${file} holds ${leaks.join(', ')}`);
    }
  });
});
