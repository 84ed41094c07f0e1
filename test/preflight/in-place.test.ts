// tier: integration
// greenlight preflight for an in-place environment against the local cloud (in process, the real SDK
// clients): the checks look at the fleet greenlight.yml names (its Auto Scaling group, where it is),
// not at a copy that an in-place deployment never makes.
import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { sampleEnvironment } from '../config/sample.js';
import { repoRoot } from '../cli/spawn.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

const BUNDLE = 's3://web-revisions/web/app.zip';

describe('greenlight preflight for an in-place environment', () => {
  let cloud: TestCloud;
  let dir: string;

  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-preflight-ip-'));
    const { autoScalingGroup: _asg, blueGreen: _bg, ...rest } = sampleEnvironment();
    const dev = {
      ...rest,
      deploymentGroup: 'web-ip',
      style: 'in-place',
      inPlace: { autoScalingGroups: ['web-dev-asg'] },
      revision: { s3: { bucket: 'web-revisions', prefix: 'web/' } },
      expectedCapacity: 2,
    };
    await writeFile(
      join(dir, 'greenlight.yml'),
      stringify({
        application: 'web',
        environments: {
          dev,
          oversized: { ...dev, expectedCapacity: { min: 3, max: 4 } },
          suspended: { ...dev, autoScaling: { suspendProcesses: true } },
        },
      }),
    );
    const s3 = await cloud.aws.s3();
    await s3.send(new PutObjectCommand({ Bucket: 'web-revisions', Key: 'web/app.zip', Body: 'PK' }));
    const applied = await run(['group', 'apply', '--env', 'dev']);
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(args: string[]) {
    const r = await cliInProcess(args, { env: cloud.env, cwd: dir, clock: cloud.clock });
    return { ...r, lines: r.lines.map((line) => line.replace(/^(error|warn): /, '')) };
  }
  const preflight = (env: string) =>
    run(['preflight', '--env', env, '--revision', BUNDLE, '--bundle', repoRoot, '--json']);
  type Check = { name: string; status: string; detail: string; fix?: string };
  const checksOf = (stdout: string) =>
    new Map(
      (JSON.parse(stdout) as { result: { checks: Check[] } }).result.checks.map((c) => [c.name, c] as const),
    );

  it('looks at the in-place fleet: the group as greenlight.yml says, no copy, its size, its processes', async () => {
    const r = await preflight('dev');
    assert.equal(r.code, 0, r.stderr);
    const checks = checksOf(r.stdout);
    assert.equal(checks.get('deployment-group')?.status, 'pass', checks.get('deployment-group')?.detail);
    assert.equal(checks.get('launch-template')?.status, 'skip');
    assert.match(
      checks.get('launch-template')?.detail ?? '',
      /in-place deployment copies no Auto Scaling group/,
    );
    assert.equal(checks.get('capacity')?.status, 'pass');
    assert.match(checks.get('capacity')?.detail ?? '', /in-place fleet wants 2 \(web-dev-asg 2\)/);
    const processes = checks.get('auto-scaling-processes');
    assert.equal(processes?.status, 'warn');
    assert.match(processes?.detail ?? '', /run on web-dev-asg: a scale-in, replacement or rebalancing/);
    assert.match(processes?.fix ?? '', /suspendProcesses: true/);
    assert.equal(checks.get('lifecycle-hooks')?.status, 'pass', checks.get('lifecycle-hooks')?.detail);
    assert.equal(checks.get('warm-pool')?.status, 'pass');
    assert.notEqual(checks.get('agents')?.detail, 'the deployment group has no Auto Scaling group yet');
  });

  it('a fleet of another size than expectedCapacity fails, saying both', async () => {
    const r = await preflight('oversized');
    assert.equal(r.code, 1, r.stderr);
    const capacity = checksOf(r.stdout).get('capacity');
    assert.equal(capacity?.status, 'fail');
    assert.match(
      capacity?.detail ?? '',
      /wants 2 instances \(web-dev-asg 2\), and greenlight.yml expects 3 to 4/,
    );
  });

  it('with autoScaling.suspendProcesses greenlight suspends them on the fleet itself', async () => {
    const r = await preflight('suspended');
    const processes = checksOf(r.stdout).get('auto-scaling-processes');
    assert.equal(processes?.status, 'pass');
    assert.match(processes?.detail ?? '', /greenlight suspends .* on web-dev-asg for the deployment/);
  });
});
