// tier: e2e
// The AWS CLI (Debian's /usr/bin/aws, its own botocore; the local cloud's AwsCliDriver runs its code
// in one process) as an independent client of what preflight reads: a warm pool put with `aws
// autoscaling put-warm-pool` and a process suspended with `aws autoscaling suspend-processes` on the
// group CodeDeploy would copy, and greenlight preflight's answer — a warning for the warm pool, a
// failure for Launch — and, with both gone, nothing to say.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { AwsCliDriver } from '@greenlight/localcloud';
import { stringify } from 'yaml';
import { repoRoot } from '../cli/spawn.js';
import { sampleEnvironment } from '../config/sample.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

describe('preflight on what the AWS CLI put on the group CodeDeploy would copy', () => {
  let cloud: TestCloud;
  let dir: string;
  let cli: AwsCliDriver;

  before(async () => {
    cloud = await startCloud({ world: devWorld(2), timeScale: 60 });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-preflight-cli-'));
    cli = new AwsCliDriver(dir);
    const dev = { ...sampleEnvironment(), revision: { s3: { bucket: 'web-revisions', prefix: 'web/' } } };
    await writeFile(join(dir, 'greenlight.yml'), stringify({ application: 'web', environments: { dev } }));
    await (
      await cloud.aws.s3()
    ).send(new PutObjectCommand({ Bucket: 'web-revisions', Key: 'web/app.zip', Body: 'PK' }));
    assert.equal((await greenlight(['group', 'apply', '--env', 'dev'])).code, 0);
  });
  after(async () => {
    await cli.close();
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** `aws autoscaling …` against the local cloud (Debian's CLI ignores AWS_ENDPOINT_URL). */
  const aws = async (...args: string[]) => {
    const argv = ['--endpoint-url', cloud.lc.url, '--output', 'json', 'autoscaling', ...args];
    const result = await cli.run(argv, {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      ...cloud.env,
      AWS_PAGER: '',
    });
    assert.equal(result.rc, 0, `aws ${argv.join(' ')} exited ${result.rc}: ${result.stderr}`);
    return result;
  };
  const greenlight = (args: string[]) => cliInProcess(args, { env: cloud.env, cwd: dir, clock: cloud.clock });
  const preflight = async () => {
    const r = await greenlight([
      'preflight',
      '--env',
      'dev',
      '--revision',
      's3://web-revisions/web/app.zip',
      '--bundle',
      repoRoot,
    ]);
    return { ...r, lines: r.lines.map((l) => l.replace(/^(error|warn): /, '')) };
  };

  it('a warm pool put by the AWS CLI: preflight warns and says how to remove it; Launch suspended by it fails', async () => {
    await aws(
      'put-warm-pool',
      '--auto-scaling-group-name',
      'web-dev-asg',
      '--min-size',
      '1',
      '--pool-state',
      'Hibernated',
    );
    await aws(
      'suspend-processes',
      '--auto-scaling-group-name',
      'web-dev-asg',
      '--scaling-processes',
      'Launch',
    );
    const described = JSON.parse(
      (await aws('describe-auto-scaling-groups', '--auto-scaling-group-names', 'web-dev-asg')).stdout,
    ) as {
      AutoScalingGroups: {
        WarmPoolConfiguration: { MinSize: number; PoolState: string };
        SuspendedProcesses: { ProcessName: string }[];
      }[];
    };
    assert.deepEqual(described.AutoScalingGroups[0]?.WarmPoolConfiguration, {
      MinSize: 1,
      PoolState: 'Hibernated',
    });
    assert.deepEqual(
      described.AutoScalingGroups[0]?.SuspendedProcesses.map((p) => p.ProcessName),
      ['Launch'],
    );

    const r = await preflight();
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      r.lines.some((l) =>
        /^! warm-pool +web-dev-asg has a warm pool \(min 1, Hibernated\): CodeDeploy copies it/.test(l),
      ),
      r.stderr,
    );
    assert.ok(
      r.lines.includes(
        "  → aws autoscaling delete-warm-pool --auto-scaling-group-name web-dev-asg, unless the pool's instances are deployed to by other means",
      ),
      r.stderr,
    );
    assert.ok(
      r.lines.some((l) => /^✗ auto-scaling-processes +Launch is suspended on web-dev-asg/.test(l)),
      r.stderr,
    );

    await aws('delete-warm-pool', '--auto-scaling-group-name', 'web-dev-asg');
    await aws('resume-processes', '--auto-scaling-group-name', 'web-dev-asg');
    const clean = await preflight();
    assert.equal(clean.code, 0, clean.stderr);
    assert.ok(
      clean.lines.some((l) => /^✓ warm-pool +web-dev-asg: no warm pool$/.test(l)),
      clean.stderr,
    );
  });
});
