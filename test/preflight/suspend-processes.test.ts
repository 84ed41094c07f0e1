// tier: integration
// autoScaling.suspendProcesses around a release (src/preflight/auto-scaling.ts, withSuspendedProcesses),
// through greenlight's library on the local cloud's virtual clock: the processes CodeDeploy's guide
// names are suspended on the group CodeDeploy copies before the deployment, CodeDeploy's copy carries
// them while it is made and installed, and they are resumed — on the original if it is still there,
// and on the copy — when the release ends, whichever way: verified, failed, thrown, cancelled. A
// process the team had suspended before stays suspended; each suspension and resumption is said.
import assert from 'node:assert/strict';
import {
  DescribeAutoScalingGroupsCommand,
  SuspendProcessesCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { after, before, describe, it } from 'node:test';
import {
  applyGroup,
  parseRevision,
  release,
  type Deps,
  type EnvironmentConfig,
  type LogEvent,
} from '../../src/index.js';
import { devEnvironment, devWorld, startCloud, type TestCloud } from '../support/cloud.js';

const THREE = ['AZRebalance', 'AlarmNotification', 'ReplaceUnhealthy'];

describe('autoScaling.suspendProcesses: suspended for a release, resumed however it ends', () => {
  let cloud: TestCloud;
  let env: EnvironmentConfig;
  let events: LogEvent[];
  let deps: Deps;
  const said = () => events.flatMap((e) => (e.kind === 'message' ? [e.text] : []));

  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
    env = devEnvironment({ autoScaling: { suspendProcesses: true } });
    events = [];
    deps = { aws: cloud.aws, clock: cloud.clock, logger: { emit: (e) => events.push(e) } };
    await applyGroup({ env }, deps);
    // The team's own suspension: greenlight neither suspends nor resumes it.
    await (
      await cloud.aws.autoscaling()
    ).send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: 'web-dev-asg',
        ScalingProcesses: ['ScheduledActions'],
      }),
    );
  });
  after(() => cloud.close());

  async function group(name: string): Promise<AutoScalingGroup | undefined> {
    const answer = await (
      await cloud.aws.autoscaling()
    ).send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
    return answer.AutoScalingGroups?.[0];
  }
  const suspended = async (name: string) =>
    (await group(name))?.SuspendedProcesses?.map((p) => p.ProcessName ?? '').sort();
  const messages = () => said().join('\n');

  it('a verified release: the copy carried them while it was made, and is left with the team’s own only', async () => {
    events = [];
    // While the deployment runs, what CodeDeploy's copy has suspended, each time greenlight polls.
    const seen: Promise<string[] | undefined>[] = [];
    const watching: Deps = {
      ...deps,
      logger: {
        emit: (e) => {
          events.push(e);
          if (e.kind === 'deployment') seen.push(suspended(`CodeDeploy_web-dev_${e.deploymentId}`));
        },
      },
    };
    const { exitCode, result } = await release(
      { env, revision: parseRevision('a1'.repeat(20)), build: {}, pollMs: 15_000 },
      watching,
    );
    assert.equal(exitCode, 0, said().join('\n'));
    const copy = `CodeDeploy_web-dev_${result.deploymentId}`;
    const during = (await Promise.all(seen)).filter((s) => s !== undefined);
    assert.ok(during.length > 0, 'the copy was seen while the deployment ran');
    for (const processes of during) assert.deepEqual(processes, [...THREE, 'ScheduledActions'].sort());
    assert.deepEqual(await suspended(copy), ['ScheduledActions']);
    assert.ok(
      said().includes(
        "suspended AZRebalance, AlarmNotification, ReplaceUnhealthy on web-dev-asg for the deployment (CodeDeploy's copy carries them); greenlight resumes them when it ends",
      ),
      said().join('\n'),
    );
    assert.ok(
      said().includes(
        `resumed AZRebalance, AlarmNotification, ReplaceUnhealthy on ${copy} (CodeDeploy's copy)`,
      ),
      said().join('\n'),
    );
    // TERMINATE: the original is gone with its instances, and nothing is resumed on it.
    const original = await group('web-dev-asg');
    assert.ok(original === undefined || original.Status === 'Delete in progress', original?.Status);
  });

  it('a release whose instance fails (verification fails it): resumed on the copy it leaves', async () => {
    events = [];
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    try {
      const { exitCode } = await release(
        { env, revision: parseRevision('b2'.repeat(20)), build: {}, pollMs: 15_000 },
        deps,
      );
      assert.equal(exitCode, 1, said().join('\n'));
    } finally {
      await cloud.clearFaults();
    }
    // AllAtOnce: CodeDeploy calls it Succeeded with one instance of two, moves traffic and deletes the
    // original; greenlight's verifier fails it. The copy, now the fleet, is resumed.
    const resumed = said().filter((t) => t.startsWith('resumed '));
    assert.ok(
      resumed.some((t) => / on CodeDeploy_web-dev_d-\w+ \(CodeDeploy's copy\)$/.test(t)),
      messages(),
    );

    for (const line of resumed) assert.ok(line.startsWith(`resumed ${THREE.join(', ')} on `), line);
    await everyGroupAsTheTeamLeftIt();
  });

  it('a release that throws (CodeDeploy refuses it): resumed before the error goes on', async () => {
    events = [];
    await cloud.fault({
      scope: 'api',
      service: 'codedeploy',
      operation: 'CreateDeployment',
      effect: 'error500',
      count: 20,
    });
    try {
      await assert.rejects(
        release({ env, revision: parseRevision('c3'.repeat(20)), build: {}, pollMs: 15_000 }, deps),
        /CreateDeployment/,
      );
    } finally {
      await cloud.clearFaults();
    }
    assert.ok(
      said().some((t) =>
        /^resumed AZRebalance, AlarmNotification, ReplaceUnhealthy on \S+ \(the group CodeDeploy copied\)$/.test(
          t,
        ),
      ),
      messages(),
    );
    await everyGroupAsTheTeamLeftIt();
  });

  it('a release cancelled while CodeDeploy works: resumed, on the copy it had made too; the deployment goes on', async () => {
    events = [];
    const cancel = new AbortController();
    const cancelling: Deps = {
      ...deps,
      logger: {
        emit: (e) => {
          events.push(e);
          if (e.kind === 'deployment' && e.status === 'InProgress') cancel.abort('SIGINT');
        },
      },
    };
    let deploymentId = '';
    await assert.rejects(
      release(
        {
          env,
          revision: parseRevision('d4'.repeat(20)),
          build: {},
          pollMs: 15_000,
          signal: cancel.signal,
          onStarted: (started) => {
            deploymentId = started.deploymentId;
            return Promise.resolve();
          },
        },
        cancelling,
      ),
      /cancelled/,
    );
    assert.ok(
      said().some((t) => t.startsWith('resumed ')),
      messages(),
    );
    // The deployment runs on without greenlight, and without the suspension.
    await cloud.until(
      async () =>
        (await (await cloud.aws.codedeploy()).send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo
          ?.status,
      (status) => ['Succeeded', 'Failed', 'Stopped'].includes(status ?? ''),
      'the cancelled release’s deployment to end',
    );
    await everyGroupAsTheTeamLeftIt();
  });

  /** Every group of the deployment group, the original and CodeDeploy's copies alike. */
  async function everyGroupAsTheTeamLeftIt(): Promise<void> {
    const all = await (await cloud.aws.autoscaling()).send(new DescribeAutoScalingGroupsCommand({}));
    const ours = (all.AutoScalingGroups ?? []).filter(
      (g) => g.AutoScalingGroupName?.startsWith('CodeDeploy_web-dev_') && !g.Status?.startsWith('Delete'),
    );
    assert.ok(ours.length > 0);
    for (const g of ours)
      assert.deepEqual(
        g.SuspendedProcesses?.map((p) => p.ProcessName),
        ['ScheduledActions'],
        `${g.AutoScalingGroupName}: ${messages()}`,
      );
  }
});
