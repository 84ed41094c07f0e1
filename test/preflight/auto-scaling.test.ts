// tier: integration
// preflight on the Auto Scaling group CodeDeploy would copy (src/preflight/auto-scaling.ts), against
// the local cloud in process, each scenario made with the real SDK: Launch suspended, a launch hook of
// the team's that abandons, a hook CodeDeploy left for another deployment group fail, exit 1, and
// nothing is deployed; processes running while the copy waits in Ready, a launch hook that continues,
// a warm pool, Spot through a mixed instances policy and Capacity Rebalancing warn, exit 0; each line
// says what to do. The copy's ground truth (what it carries, and how a deployment then fails) is the
// local cloud's own test, packages/localcloud/test/codedeploy/copy-carries.test.ts.
import assert from 'node:assert/strict';
import {
  DeleteLifecycleHookCommand,
  DeleteWarmPoolCommand,
  DescribeAutoScalingGroupsCommand,
  PutLifecycleHookCommand,
  PutWarmPoolCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { repoRoot } from '../cli/spawn.js';
import { sampleEnvironment } from '../config/sample.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

const BUNDLE = 's3://web-revisions/web/app.zip';

describe('greenlight preflight: the Auto Scaling group CodeDeploy would copy', () => {
  let cloud: TestCloud;
  let dir: string;

  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-preflight-asg-'));
    const dev = { ...sampleEnvironment(), revision: { s3: { bucket: 'web-revisions', prefix: 'web/' } } };
    const ready = {
      ...dev,
      blueGreen: {
        ...(sampleEnvironment().blueGreen as Record<string, unknown>),
        ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 60 },
      },
    };
    await writeFile(
      join(dir, 'greenlight.yml'),
      stringify({
        application: 'web',
        // One deployment group, as three greenlight.yml files would have it.
        environments: { dev, ready, suspending: { ...ready, autoScaling: { suspendProcesses: true } } },
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
    run(['preflight', '--env', env, '--revision', BUNDLE, '--bundle', repoRoot]);
  /** The check's line and the line under it that says what to do. */
  function check(r: { lines: readonly string[] }, name: string): { line: string; fix: string | undefined } {
    const at = r.lines.findIndex((l) => new RegExp(`^[✓✗!-] ${name} `).test(l));
    assert.ok(at >= 0, `no ${name} line:\n${r.lines.join('\n')}`);
    const next = r.lines[at + 1];
    return { line: r.lines[at] ?? '', fix: next?.startsWith('  → ') ? next.slice(4) : undefined };
  }
  const autoscaling = () => cloud.aws.autoscaling();
  async function nothingDeployed(): Promise<void> {
    const listed = await (
      await cloud.aws.codedeploy()
    ).send(new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }));
    assert.deepEqual(listed.deployments, []);
  }

  it('processes: running is fine without a wait in Ready, a warning with one, and said when greenlight suspends them', async () => {
    const dev = check(await preflight('dev'), 'auto-scaling-processes');
    assert.match(
      dev.line,
      /^✓ .* AZRebalance, AlarmNotification, ScheduledActions, ReplaceUnhealthy run on web-dev-asg: CodeDeploy does not suspend processes for blue\/green deployments, and its copy does not wait in Ready$/,
    );
    // The group as ready's greenlight.yml has it (a wait in Ready), for this test; dev's after it.
    assert.equal((await run(['group', 'apply', '--env', 'ready'])).code, 0);
    const r = await preflight('ready');
    assert.equal(r.code, 0, r.stderr);
    const ready = check(r, 'auto-scaling-processes');
    assert.match(
      ready.line,
      /^! .* run on web-dev-asg, and on CodeDeploy's copy while it waits in Ready \(up to 60 min\)/,
    );
    assert.equal(
      ready.fix,
      'autoScaling: {suspendProcesses: true} in greenlight.yml for ready: greenlight suspends them for each deployment and resumes them after it',
    );
    assert.ok(
      r.lines.includes(
        'preflight of ready: nothing that would make a deployment fail was found; to look at: auto-scaling-processes',
      ),
      r.stderr,
    );
    const suspending = check(await preflight('suspending'), 'auto-scaling-processes');
    assert.match(
      suspending.line,
      /^✓ .* greenlight suspends AZRebalance, AlarmNotification, ScheduledActions, ReplaceUnhealthy on web-dev-asg for the deployment \(CodeDeploy's copy carries them\) and resumes them on both after it, however it ends$/,
    );
    // Suspended by the team already: CodeDeploy's copy keeps them suspended, which is said.
    await (
      await autoscaling()
    ).send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: 'web-dev-asg',
        ScalingProcesses: ['AZRebalance', 'AlarmNotification', 'ScheduledActions', 'ReplaceUnhealthy'],
      }),
    );
    try {
      assert.match(
        check(await preflight('ready'), 'auto-scaling-processes').line,
        /^✓ .* are suspended on web-dev-asg: CodeDeploy's copy, the next fleet, keeps them suspended$/,
      );
    } finally {
      await (await autoscaling()).send(new ResumeProcessesCommand({ AutoScalingGroupName: 'web-dev-asg' }));
      assert.equal((await run(['group', 'apply', '--env', 'dev'])).code, 0);
    }
  });

  it('Launch suspended on the group CodeDeploy copies: fails, and says how to find why and resume it', async () => {
    await (
      await autoscaling()
    ).send(
      new SuspendProcessesCommand({ AutoScalingGroupName: 'web-dev-asg', ScalingProcesses: ['Launch'] }),
    );
    try {
      const r = await preflight('dev');
      assert.equal(r.code, 1, r.stderr);
      const { line, fix } = check(r, 'auto-scaling-processes');
      assert.match(
        line,
        /^✗ .* Launch is suspended on web-dev-asg \(User suspended at [^)]+\): CodeDeploy's copy carries the suspension and launches no green instance$/,
      );
      assert.equal(
        fix,
        'find why (aws autoscaling describe-scaling-activities --auto-scaling-group-name web-dev-asg: Auto Scaling suspends Launch itself after a day of failed launches), then aws autoscaling resume-processes --auto-scaling-group-name web-dev-asg --scaling-processes Launch',
      );
      // deploy runs it first: nothing is created.
      const deployed = await run(['deploy', '--env', 'dev', '--revision', BUNDLE, '--no-wait']);
      assert.equal(deployed.code, 1, deployed.stderr);
      assert.ok(
        deployed.lines.some((l) =>
          l.startsWith('preflight: auto-scaling-processes failed; no deployment was created'),
        ),
      );
      await nothingDeployed();
    } finally {
      await (await autoscaling()).send(new ResumeProcessesCommand({ AutoScalingGroupName: 'web-dev-asg' }));
    }
  });

  it('lifecycle hooks: one of the team’s that abandons fails, one that continues warns; CodeDeploy’s own is expected', async () => {
    const hook = (DefaultResult: 'ABANDON' | 'CONTINUE') =>
      new PutLifecycleHookCommand({
        AutoScalingGroupName: 'web-dev-asg',
        LifecycleHookName: 'register-with-inventory',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        HeartbeatTimeout: 300,
        DefaultResult,
      });
    const clean = check(await preflight('dev'), 'lifecycle-hooks');
    assert.match(
      clean.line,
      /^✓ .* CodeDeploy's own: CodeDeploy-managed-automatic-launch-deployment-hook-web-dev-\S+$/,
    );
    await (await autoscaling()).send(hook('ABANDON'));
    try {
      const r = await preflight('dev');
      assert.equal(r.code, 1, r.stderr);
      const { line, fix } = check(r, 'lifecycle-hooks');
      assert.match(
        line,
        /^✗ .* launch hook web-dev-asg's register-with-inventory \(ABANDON after 300 s\): CodeDeploy's copy carries it, and its green instances wait for whoever completes it/,
      );
      assert.equal(
        fix,
        "delete it (aws autoscaling delete-lifecycle-hook --auto-scaling-group-name web-dev-asg --lifecycle-hook-name register-with-inventory), or give it DefaultResult CONTINUE if what completes it may miss CodeDeploy's copies",
      );
      await nothingDeployed();
      await (await autoscaling()).send(hook('CONTINUE'));
      const continuing = await preflight('dev');
      assert.equal(continuing.code, 0, continuing.stderr);
      assert.match(
        check(continuing, 'lifecycle-hooks').line,
        /^! .* launch hook web-dev-asg's register-with-inventory \(CONTINUE after 300 s\): CodeDeploy's copy carries it, each green instance may wait out its heartbeat timeout/,
      );
    } finally {
      await (
        await autoscaling()
      ).send(
        new DeleteLifecycleHookCommand({
          AutoScalingGroupName: 'web-dev-asg',
          LifecycleHookName: 'register-with-inventory',
        }),
      );
    }
  });

  it('a hook CodeDeploy installed for another deployment group: fails, as its troubleshooting guide says', async () => {
    const leftover = 'CodeDeploy-managed-automatic-launch-deployment-hook-web-old-0f0e0d0c';
    await (
      await autoscaling()
    ).send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: 'web-dev-asg',
        LifecycleHookName: leftover,
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        HeartbeatTimeout: 600,
        DefaultResult: 'ABANDON',
      }),
    );
    try {
      const r = await preflight('dev');
      assert.equal(r.code, 1, r.stderr);
      const { line, fix } = check(r, 'lifecycle-hooks');
      assert.match(
        line,
        new RegExp(
          `^✗ .* web-dev-asg has ${leftover}, a hook CodeDeploy installed for a deployment group that is not this one`,
        ),
      );
      assert.equal(
        fix,
        `aws autoscaling delete-lifecycle-hook --auto-scaling-group-name web-dev-asg --lifecycle-hook-name ${leftover} (its deployment group was deleted, or also deploys to this group)`,
      );
      await nothingDeployed();
    } finally {
      await (
        await autoscaling()
      ).send(
        new DeleteLifecycleHookCommand({ AutoScalingGroupName: 'web-dev-asg', LifecycleHookName: leftover }),
      );
    }
  });

  it('a warm pool: a warning, with how to remove it', async () => {
    await (
      await autoscaling()
    ).send(new PutWarmPoolCommand({ AutoScalingGroupName: 'web-dev-asg', MinSize: 1, PoolState: 'Stopped' }));
    try {
      const r = await preflight('dev');
      assert.equal(r.code, 0, r.stderr);
      const { line, fix } = check(r, 'warm-pool');
      assert.match(
        line,
        /^! .* web-dev-asg has a warm pool \(min 1, Stopped\): CodeDeploy copies it, but its launch hook is not answered for instances entering the pool \(Warmed:Pending:Wait, aws\/aws-codedeploy-agent#390\)/,
      );
      assert.equal(
        fix,
        "aws autoscaling delete-warm-pool --auto-scaling-group-name web-dev-asg, unless the pool's instances are deployed to by other means",
      );
    } finally {
      await (await autoscaling()).send(new DeleteWarmPoolCommand({ AutoScalingGroupName: 'web-dev-asg' }));
    }
    assert.match(check(await preflight('dev'), 'warm-pool').line, /^✓ .* web-dev-asg: no warm pool$/);
  });

  it('Spot through a mixed instances policy, and Capacity Rebalancing on it: warnings; all On-Demand: nothing to say', async () => {
    const client = await autoscaling();
    const { LaunchTemplate } =
      (await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-dev-asg'] })))
        .AutoScalingGroups?.[0] ?? {};
    assert.ok(LaunchTemplate?.LaunchTemplateId);
    const mixed = (onDemandPercent: number) =>
      client.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: 'web-dev-asg',
          CapacityRebalance: true,
          MixedInstancesPolicy: {
            LaunchTemplate: {
              LaunchTemplateSpecification: {
                LaunchTemplateId: LaunchTemplate.LaunchTemplateId,
                Version: '$Latest',
              },
              Overrides: [{ InstanceType: 't3.small' }, { InstanceType: 't3a.small' }],
            },
            InstancesDistribution: {
              OnDemandBaseCapacity: 0,
              OnDemandPercentageAboveBaseCapacity: onDemandPercent,
            },
          },
        }),
      );
    await mixed(50);
    try {
      const r = await preflight('dev');
      assert.equal(r.code, 0, r.stderr);
      const spot = check(r, 'mixed-instances');
      assert.match(
        spot.line,
        /^! .* web-dev-asg launches 1 of 2 as Spot \(mixed instances policy\): EC2 may interrupt one during the deployment/,
      );
      assert.equal(
        spot.fix,
        'OnDemandPercentageAboveBaseCapacity: 100 on the group CodeDeploy copies, or accept a release that fails when EC2 reclaims an instance',
      );
      const rebalance = check(r, 'capacity-rebalance');
      assert.match(
        rebalance.line,
        /^! .* Capacity Rebalancing is on for web-dev-asg, whose Spot Instances it replaces when EC2 recommends it/,
      );
      assert.equal(
        rebalance.fix,
        'aws autoscaling update-auto-scaling-group --auto-scaling-group-name web-dev-asg --no-capacity-rebalance, or no Spot in the group CodeDeploy copies',
      );
      await mixed(100);
      const onDemand = await preflight('dev');
      assert.match(
        check(onDemand, 'mixed-instances').line,
        /^✓ .* web-dev-asg launches On-Demand through a mixed instances policy: its launch template version is the team's to move/,
      );
      assert.match(
        check(onDemand, 'capacity-rebalance').line,
        /^✓ .* Capacity Rebalancing is on for web-dev-asg, which launches no Spot Instance: it has nothing to replace$/,
      );
    } finally {
      await client.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: 'web-dev-asg',
          CapacityRebalance: false,
          LaunchTemplate: {
            LaunchTemplateId: LaunchTemplate.LaunchTemplateId,
            Version: LaunchTemplate.Version ?? '$Default',
          },
        }),
      );
    }
  });

  it('deploys nothing, whatever it finds', async () => {
    await nothingDeployed();
  });

  it('deploy with a warning: prints it, names it in its summary, and deploys', async () => {
    await (
      await autoscaling()
    ).send(new PutWarmPoolCommand({ AutoScalingGroupName: 'web-dev-asg', MinSize: 1 }));
    try {
      const r = await run(['deploy', '--env', 'dev', '--revision', BUNDLE, '--no-wait']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(
        r.lines.some((l) => /^! warm-pool +web-dev-asg has a warm pool/.test(l)),
        r.stderr,
      );
      assert.ok(
        r.lines.some((l) =>
          /^preflight: \d+ checks passed, 1 to look at \(warm-pool\) \(.*not checked\)$/.test(l),
        ),
        r.stderr,
      );
      const listed = await (
        await cloud.aws.codedeploy()
      ).send(new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }));
      assert.equal(listed.deployments?.length, 1);
    } finally {
      await (await autoscaling()).send(new DeleteWarmPoolCommand({ AutoScalingGroupName: 'web-dev-asg' }));
    }
  });
});
