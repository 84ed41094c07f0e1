// tier: integration
// greenlight preflight against the local cloud (in process, its virtual clock, the real SDK clients):
// on a group as greenlight.yml says, with its S3 bundle there and the repository's appspec, nothing
// fails; each scenario below fails its own check, says what to do, exits 1, and deploys nothing.
import assert from 'node:assert/strict';
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateVersionCommand, DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

describe('greenlight preflight', () => {
  let cloud: TestCloud;
  let dir: string;

  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-preflight-'));
    const dev = { ...sampleEnvironment(), revision: { s3: { bucket: 'web-revisions', prefix: 'web/' } } };
    await writeFile(
      join(dir, 'greenlight.yml'),
      stringify({
        application: 'web',
        environments: {
          dev,
          // The same group, as another greenlight.yml would have it: one at a time.
          drifted: { ...dev, deploymentConfig: 'CodeDeployDefault.OneAtATime' },
          // An alarm that is not there.
          unwatched: { ...dev, alarms: ['web-dev-5xx', 'web-dev-no-such-alarm'] },
          // The fleet as greenlight.yml expects it (2 instances), and as it does not.
          sized: { ...dev, expectedCapacity: 2 },
          oversized: { ...dev, expectedCapacity: { min: 3, max: 4 } },
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
    // A failed check is an error line (`error: ✗ …`); the mark is what these tests read.
    return { ...r, lines: r.lines.map((line) => line.replace(/^error: /, '')) };
  }

  const preflight = (env: string, ...more: string[]) =>
    run(['preflight', '--env', env, '--revision', BUNDLE, '--bundle', repoRoot, ...more]);
  const marks = (lines: readonly string[]) =>
    lines.flatMap((line) => (/^[✓✗!-] \S/.test(line) ? [line.replace(/^(\S \S+)\s+.*$/, '$1')] : []));

  async function deployments(): Promise<string[]> {
    const codedeploy = await cloud.aws.codedeploy();
    const listed = await codedeploy.send(
      new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
    );
    return listed.deployments ?? [];
  }

  it('passes on a group as greenlight.yml says: every check it makes, and what it does not check yet', async () => {
    const r = await preflight('dev', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(marks(r.lines), [
      '✓ deployment-group',
      '✓ alarms',
      '✓ launch-template',
      '- capacity',
      '✓ revision',
      '✓ appspec',
      '✓ auto-scaling-processes',
      '✓ lifecycle-hooks',
      '✓ warm-pool',
      '✓ mixed-instances',
      '✓ capacity-rebalance',
      // Static keys: the local cloud's user, which its IAM cannot simulate (permissions.test.ts assumes the role).
      '- permissions',
      '- agents',
    ]);
    assert.ok(
      r.lines.some((l) => /^✓ revision\s+s3:\/\/web-revisions\/web\/app\.zip exists, .*ETag \w+/.test(l)),
      r.stderr,
    );
    const doc = JSON.parse(r.stdout) as { result: { passed: boolean; checks: { name: string }[] } };
    assert.equal(doc.result.passed, true);
    assert.equal(doc.result.checks.length, 13);
  });

  it('a group that drifted from greenlight.yml: says what differs and how to bring it back', async () => {
    const r = await preflight('drifted');
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      r.lines.some((l) =>
        /^✗ deployment-group\s+web\/web-dev differs from greenlight\.yml: deploymentConfigName$/.test(l),
      ),
      r.stderr,
    );
    assert.ok(
      r.lines.includes(
        '  → greenlight group plan --env drifted shows how; greenlight group apply --env drifted brings it back',
      ),
    );
    assert.ok(
      r.lines.includes('preflight of drifted: 1 check failed (deployment-group); nothing was deployed'),
      r.stderr,
    );
  });

  it('an alarm already in ALARM, and one that does not exist', async () => {
    const cloudwatch = await cloud.aws.cloudwatch();
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'web-dev-5xx',
        StateValue: 'ALARM',
        StateReason: 'preflight test',
      }),
    );
    try {
      const r = await preflight('unwatched');
      assert.equal(r.code, 1, r.stderr);
      assert.ok(
        r.lines.some((l) =>
          /^✗ alarms\s+already in ALARM: web-dev-5xx; no such alarm: web-dev-no-such-alarm$/.test(l),
        ),
        r.stderr,
      );
      assert.ok(
        r.lines.some((l) => l.startsWith('  → CodeDeploy stops a deployment while an alarm')),
        r.stderr,
      );
    } finally {
      await cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: 'web-dev-5xx',
          StateValue: 'OK',
          StateReason: 'preflight test',
        }),
      );
    }
  });

  it('a bundle that is not in S3: bad input, exit 2', async () => {
    const r = await run([
      'preflight',
      '--env',
      'dev',
      '--revision',
      's3://web-revisions/web/nope.zip',
      '--bundle',
      repoRoot,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(
      r.lines.some((l) => /^✗ revision\s+.*s3:\/\/web-revisions\/web\/nope\.zip/.test(l)),
      r.stderr,
    );
  });

  it('an appspec the agent rejects: its errors, and the command that says how to mend them', async () => {
    const bundle = join(dir, 'broken-bundle');
    await mkdir(bundle, { recursive: true });
    await writeFile(
      join(bundle, 'appspec.yml'),
      'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: scripts/missing.sh\n',
    );
    const r = await run(['preflight', '--env', 'dev', '--revision', BUNDLE, '--bundle', bundle]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      r.lines.some((l) =>
        /^✗ appspec\s+.*appspec\.yml: \d+ errors? the agent rejects: hooks\.BeforeInstall\[0\]/.test(l),
      ),
      r.stderr,
    );
    assert.ok(
      r.lines.includes(`  → greenlight appspec lint ${bundle} says each, and how to mend it`),
      r.stderr,
    );
  });

  it("a group that wants another size than greenlight.yml's expectedCapacity: the copy would launch that many", async () => {
    const sized = await preflight('sized');
    assert.equal(sized.code, 0, sized.stderr);
    assert.ok(
      sized.lines.includes('✓ capacity               web-dev-asg wants 2, as greenlight.yml expects (2)'),
      sized.stderr,
    );
    const r = await preflight('oversized');
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      r.lines.includes(
        "✗ capacity               web-dev-asg wants 2: CodeDeploy's copy would launch that many, and greenlight.yml expects 3 to 4",
      ),
      r.stderr,
    );
  });

  it('a group behind its launch template is no failure: it says deploy moves it first', async () => {
    const ec2 = await cloud.aws.ec2();
    const autoscaling = await cloud.aws.autoscaling();
    const template = (await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['web'] })))
      .LaunchTemplates?.[0]?.LaunchTemplateId as string;
    await autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web-dev-asg',
        LaunchTemplate: { LaunchTemplateId: template, Version: '1' },
      }),
    );
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: template,
        LaunchTemplateData: { ImageId: 'ami-0b0de0c0ffee00042' },
      }),
    );
    const r = await preflight('dev');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.lines.some(
        (l) =>
          l ===
          `✓ launch-template        web-dev-asg names version 1 of ${template}, at 2: deploy points it at 2 first`,
      ),
      r.stderr,
    );
  });

  it('deploy runs it first: a failed check creates no deployment, exit 1, and says how to skip it', async () => {
    const r = await run(['deploy', '--env', 'drifted', '--revision', BUNDLE, '--no-wait']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      r.lines.some((l) => /^✗ deployment-group\s+web\/web-dev differs/.test(l)),
      r.stderr,
    );
    assert.ok(
      r.lines.includes(
        'preflight: deployment-group failed; no deployment was created (--skip-preflight to deploy anyway)',
      ),
      r.stderr,
    );
  });

  it('deploys nothing, whatever it finds', async () => {
    assert.deepEqual(await deployments(), []);
  });

  it('deploy --skip-preflight says so, and creates the deployment', async () => {
    const r = await run([
      'deploy',
      '--env',
      'drifted',
      '--revision',
      BUNDLE,
      '--no-wait',
      '--skip-preflight',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.lines.includes(
        'warn: preflight skipped (--skip-preflight): nothing was checked before the deployment',
      ),
      r.stderr,
    );
    assert.equal((await deployments()).length, 1);
  });
});
