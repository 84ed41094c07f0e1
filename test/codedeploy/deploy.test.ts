// tier: integration
import assert from 'node:assert/strict';
import {
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import {
  ContinueDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type CodeDeployClient,
} from '@aws-sdk/client-codedeploy';
import { CreateLaunchTemplateVersionCommand, DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { after, before, describe, it } from 'node:test';
import {
  buildInfoFromEnv,
  DeploymentRefused,
  HISTORY_PAGES,
  startDeployment,
  type StartRequest,
} from '../../src/codedeploy/deploy.js';
import { applyGroup } from '../../src/codedeploy/group.js';
import { fleetBehindLaunchTemplate } from '../../src/codedeploy/launch-template.js';
import { revisionLocation } from '../../src/codedeploy/revision-location.js';
import { waitForDeployment } from '../../src/codedeploy/wait.js';
import type { Clock } from '../../src/clock.js';
import type { EnvironmentConfig } from '../../src/config/environment.js';
import type { LogEvent } from '../../src/log/events.js';
import { devEnvironment, devWorld, startCloud, type TestCloud } from '../support/cloud.js';

const sha = (c: string) => c.repeat(40);
const github = (commit: string) =>
  ({
    revisionType: 'GitHub',
    gitHubLocation: { repository: 'example/greenlight', commitId: commit },
  }) as const;

function recorder() {
  const events: LogEvent[] = [];
  return { events, emit: (e: LogEvent) => events.push(e) };
}

const readyEnv = () =>
  devEnvironment({
    blueGreen: {
      greenFleet: 'COPY_AUTO_SCALING_GROUP',
      ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 600 },
      terminateBlue: { action: 'TERMINATE', waitMinutes: 1 },
    },
  });

async function setUp(cloud: TestCloud, env: EnvironmentConfig) {
  const codedeploy = await cloud.aws.codedeploy();
  await applyGroup(env, { codedeploy, autoscaling: await cloud.aws.autoscaling() }, recorder());
  return codedeploy;
}

function request(env: EnvironmentConfig, commit: string, extra: Partial<StartRequest> = {}): StartRequest {
  return {
    env,
    revision: github(commit),
    build: {},
    ifBusy: 'fail',
    force: false,
    // AWS time: the cloud and greenlight share one virtual clock.
    busyTimeoutMs: 6 * 60 * 60_000,
    pollMs: 15_000,
    ...extra,
  };
}

async function statusOf(cloud: TestCloud, id: string): Promise<string | undefined> {
  const codedeploy = await cloud.aws.codedeploy();
  return (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status;
}

function untilStatus(cloud: TestCloud, id: string, wanted: string[]): Promise<string> {
  return cloud.until(
    async () => (await statusOf(cloud, id)) ?? '',
    (s) => wanted.includes(s),
    `${id} to reach ${wanted.join('|')}`,
  );
}

describe('creating deployments safely', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
  });
  after(async () => {
    await cloud.close();
  });

  it('the same revision twice makes one deployment: the second attaches to the first', async () => {
    const env = readyEnv();
    const codedeploy = await setUp(cloud, env);
    const deps = { codedeploy, clock: cloud.clock, logger: recorder() };
    const first = await startDeployment(request(env, sha('1')), deps);
    assert.equal(first.kind, 'created');
    const second = await startDeployment(request(env, sha('1')), deps);
    assert.deepEqual(second, {
      kind: 'attached',
      deploymentId: first.deploymentId,
      reason: `${sha('1')} is already being deployed`,
    });
    const list = await codedeploy.send(
      new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
    );
    assert.deepEqual(list.deployments, [first.deploymentId]);
  });

  it('a busy group: --if-busy fail refuses, attach follows the active one, wait creates after it ends', async () => {
    const env = readyEnv();
    const codedeploy = await cloud.aws.codedeploy();
    const deps = { codedeploy, clock: cloud.clock, logger: recorder() };
    const active = (
      await codedeploy.send(
        new ListDeploymentsCommand({
          applicationName: 'web',
          deploymentGroupName: 'web-dev',
          includeOnlyStatuses: ['Created', 'InProgress', 'Ready'],
        }),
      )
    ).deployments?.[0];
    assert.ok(active, 'the previous test left a deployment waiting in Ready');

    await assert.rejects(startDeployment(request(env, sha('2'), { ifBusy: 'fail' }), deps), (e: unknown) => {
      assert.equal((e as { exitCode?: number }).exitCode, 1);
      assert.match(
        (e as Error).message,
        new RegExp(`web/web-dev is busy with ${active} \\(${sha('1')}, (Created|InProgress|Ready)\\)`),
      );
      return true;
    });

    // attach follows only the same revision: another one's outcome is not this one's.
    await assert.rejects(
      startDeployment(request(env, sha('2'), { ifBusy: 'attach' }), deps),
      (e: unknown) => {
        assert.ok(e instanceof DeploymentRefused);
        assert.equal(e.exitCode, 1);
        assert.match(
          e.message,
          new RegExp(
            `web/web-dev is busy with ${active} \\(${sha('1')}, (Created|InProgress|Ready)\\), not ${sha('2')}: ` +
              '--if-busy attach follows only a deployment of the same revision; ' +
              `deploy ${sha('2')} after it with --if-busy wait, or stop it`,
          ),
        );
        return true;
      },
    );
    const attached = await startDeployment(request(env, sha('1'), { ifBusy: 'attach' }), deps);
    assert.deepEqual(attached, {
      kind: 'attached',
      deploymentId: active,
      reason: `${sha('1')} is already being deployed`,
    });

    const waiting = startDeployment(request(env, sha('2'), { ifBusy: 'wait' }), deps);
    await untilStatus(cloud, active, ['Ready']);
    await codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: active, deploymentWaitType: 'READY_WAIT' }),
    );
    const created = await waiting;
    assert.equal(created.kind, 'created');
    assert.notEqual(created.deploymentId, active);
    assert.equal(await statusOf(cloud, active), 'Succeeded', 'created only after the other one ended');
    await codedeploy.send(
      new StopDeploymentCommand({ deploymentId: created.deploymentId, autoRollbackEnabled: false }),
    );
    await untilStatus(cloud, created.deploymentId, ['Stopped']);
  });

  it('--if-busy wait has one budget for the whole wait: a group that takes on another deployment as each ends does not get a new one', async () => {
    const env = readyEnv();
    const codedeploy = await cloud.aws.codedeploy();
    const deps = { codedeploy, clock: cloud.clock, logger: recorder() };
    const first = await startDeployment(request(env, sha('5')), deps);
    assert.equal(first.kind, 'created');
    await untilStatus(cloud, first.deploymentId, ['Ready']);
    const budget = 60 * 60_000;
    const start = cloud.clock.now();
    let second = '';
    // 50 minutes into the wait, the first deployment goes on and ends, and at once another pipeline
    // creates its own, which waits in Ready for ten hours.
    const clock: Clock = {
      now: () => cloud.clock.now(),
      async sleep(ms, signal) {
        if (!second && cloud.clock.now() - start >= 50 * 60_000) {
          second = 'creating';
          await codedeploy.send(
            new ContinueDeploymentCommand({
              deploymentId: first.deploymentId,
              deploymentWaitType: 'READY_WAIT',
            }),
          );
          await untilStatus(cloud, first.deploymentId, ['Succeeded']);
          const other = await startDeployment(request(env, sha('7')), deps);
          assert.equal(other.kind, 'created');
          second = other.deploymentId;
        }
        await cloud.clock.sleep(ms, signal);
      },
    };
    try {
      await assert.rejects(
        startDeployment(request(env, sha('6'), { ifBusy: 'wait', busyTimeoutMs: budget }), {
          ...deps,
          clock,
        }),
        (e: unknown) => {
          assert.equal((e as { exitCode?: number }).exitCode, 4, String(e));
          assert.match(
            (e as Error).message,
            new RegExp(
              `web/web-dev has been busy for 1h\\S*, more than the 1h it may be waited for: ${second} \\(${sha('7')}, (Created|InProgress|Ready)\\) is still`,
            ),
          );
          return true;
        },
      );
      assert.ok(second.startsWith('d-'), 'the second deployment was created during the wait');
      assert.ok(cloud.clock.now() - start <= budget + 15_000, `waited ${cloud.clock.now() - start} ms`);
    } finally {
      // The next tests need the group free.
      if (second.startsWith('d-')) {
        await codedeploy.send(
          new StopDeploymentCommand({ deploymentId: second, autoRollbackEnabled: false }),
        );
        await untilStatus(cloud, second, ['Stopped']);
      }
    }
  });

  it('the limit-exceeded race after the check: one deployment is created and the other attaches to it', async () => {
    const env = readyEnv();
    const codedeploy = await cloud.aws.codedeploy();
    const deps = { codedeploy, clock: cloud.clock, logger: recorder() };
    // Both callers see an idle group, then both create: CodeDeploy refuses one of them.
    await cloud.fault({
      scope: 'api',
      service: 'codedeploy',
      operation: 'ListDeployments',
      effect: 'delay',
      ms: 300,
      count: 2,
    });
    const [a, b] = await Promise.all([
      startDeployment(request(env, sha('3'), { ifBusy: 'attach' }), deps),
      startDeployment(request(env, sha('3'), { ifBusy: 'attach' }), deps),
    ]);
    await cloud.clearFaults();
    const kinds = [a.kind, b.kind].sort();
    assert.deepEqual(kinds, ['attached', 'created']);
    assert.equal(a.deploymentId, b.deploymentId);
    await codedeploy.send(
      new StopDeploymentCommand({ deploymentId: a.deploymentId, autoRollbackEnabled: false }),
    );
    await untilStatus(cloud, a.deploymentId, ['Stopped']);
  });

  it('the same race with different revisions under --if-busy attach: one is created, the other refused, naming it', async () => {
    const env = readyEnv();
    const codedeploy = await cloud.aws.codedeploy();
    const deps = { codedeploy, clock: cloud.clock, logger: recorder() };
    await cloud.fault({
      scope: 'api',
      service: 'codedeploy',
      operation: 'ListDeployments',
      effect: 'delay',
      ms: 300,
      count: 2,
    });
    const outcomes = await Promise.allSettled([
      startDeployment(request(env, sha('3'), { ifBusy: 'attach' }), deps),
      startDeployment(request(env, sha('4'), { ifBusy: 'attach' }), deps),
    ]);
    await cloud.clearFaults();
    const created = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    assert.equal(created.length, 1, 'one deployment is created');
    assert.equal(created[0]?.kind, 'created');
    const winner = created[0]?.deploymentId ?? '';
    assert.equal(refused.length, 1, 'the other is refused');
    assert.ok(refused[0] instanceof DeploymentRefused);
    assert.match(refused[0].message, new RegExp(`is busy with ${winner} .*--if-busy wait`));
    await codedeploy.send(new StopDeploymentCommand({ deploymentId: winner, autoRollbackEnabled: false }));
    await untilStatus(cloud, winner, ['Stopped']);
  });

  it('an older build is refused after a newer one, unless --force', async () => {
    const env = devEnvironment();
    const codedeploy = await setUp(cloud, env);
    const deps = { codedeploy, clock: cloud.clock, logger: recorder() };
    const newer = await startDeployment(request(env, sha('5'), { build: { buildNumber: 120 } }), deps);
    await untilStatus(cloud, newer.deploymentId, ['Succeeded']);
    await assert.rejects(
      startDeployment(request(env, sha('6'), { build: { buildNumber: 119 } }), deps),
      (e: unknown) => {
        assert.equal((e as { exitCode?: number }).exitCode, 1);
        assert.match(
          (e as Error).message,
          /refusing to deploy build 119 .* last deployed build 120 .* use --force/,
        );
        return true;
      },
    );
    const forced = await startDeployment(
      request(env, sha('6'), { build: { buildNumber: 119 }, force: true }),
      deps,
    );
    assert.equal(forced.kind, 'created');
    await untilStatus(cloud, forced.deploymentId, ['Succeeded']);
  });

  it('an S3 bundle is pinned to its ETag (and version) and deployed', async () => {
    const env = devEnvironment({ revision: { s3: { bucket: 'web-revisions', prefix: 'web/' } } });
    const codedeploy = await setUp(cloud, env);
    const s3 = await cloud.aws.s3();
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'web-revisions',
        Key: 'web/' + sha('7') + '.zip',
        Body: Buffer.from('PK\x05\x06' + '\0'.repeat(18)),
      }),
    );
    const location = await revisionLocation(env, { type: 'GitHub', commitId: sha('7') }, () =>
      cloud.aws.s3(),
    );
    assert.equal(location.revisionType, 'S3');
    assert.equal(location.s3Location?.key, `web/${sha('7')}.zip`);
    assert.equal(location.s3Location?.bundleType, 'zip');
    assert.equal(location.s3Location?.eTag, put.ETag?.replace(/"/g, ''));
    const started = await startDeployment(
      { ...request(env, sha('7')), revision: location },
      { codedeploy, clock: cloud.clock, logger: recorder() },
    );
    const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: started.deploymentId })))
      .deploymentInfo;
    assert.deepEqual(info?.revision?.s3Location, location.s3Location);
    await untilStatus(cloud, started.deploymentId, ['Succeeded', 'Failed']);

    await assert.rejects(
      revisionLocation(env, { type: 'S3', bucket: 'web-revisions', key: 'web/missing.zip' }, () =>
        cloud.aws.s3(),
      ),
      (e: unknown) =>
        (e as { exitCode?: number }).exitCode === 2 &&
        /s3:\/\/web-revisions\/web\/missing.zip does not exist/.test((e as Error).message),
    );
  });
});

describe('a verified revision is not deployed again, unless the fleet is behind its launch template', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
  });
  after(async () => {
    await cloud.close();
  });

  it('same commit, new AMI: answered already-verified until a new launch template version, then deployed again', async () => {
    const env = devEnvironment();
    const codedeploy = await setUp(cloud, env);
    const autoscaling = await cloud.aws.autoscaling();
    const ec2Client = await cloud.aws.ec2();
    // The stack's group names version 1 for good (finding H1).
    const templates = await ec2Client.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['web'] }),
    );
    const templateId = templates.LaunchTemplates?.[0]?.LaunchTemplateId as string;
    await autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web-dev-asg',
        LaunchTemplate: { LaunchTemplateId: templateId, Version: '1' },
      }),
    );
    const logger = recorder();
    const deps = {
      codedeploy,
      clock: cloud.clock,
      logger,
      fleetBehind: (groups: readonly string[]) =>
        fleetBehindLaunchTemplate(groups, { autoscaling, ec2: ec2Client }),
    };
    const verified = { isVerified: () => Promise.resolve(true) };
    const first = await startDeployment(request(env, sha('7'), verified), deps);
    assert.equal(first.kind, 'created');
    assert.equal(
      await untilStatus(cloud, first.deploymentId, ['Succeeded', 'Failed', 'Stopped']),
      'Succeeded',
    );

    assert.deepEqual(await startDeployment(request(env, sha('7'), verified), deps), {
      kind: 'already-verified',
      deploymentId: first.deploymentId,
    });

    // sam deploy with a new AmiId: a new launch template version, the fleet still on version 1.
    await ec2Client.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        LaunchTemplateData: { ImageId: 'ami-0b0de0c0ffee00042' },
      }),
    );
    const again = await startDeployment(request(env, sha('7'), verified), deps);
    assert.equal(again.kind, 'created');
    assert.notEqual(again.deploymentId, first.deploymentId);
    const said = logger.events.flatMap((e) => (e.kind === 'message' ? [e.text] : []));
    assert.ok(
      said.some(
        (text) =>
          text ===
          `${sha('7')} is verified in ${first.deploymentId}, but CodeDeploy_web-dev_${first.deploymentId} launches from version 1 of launch template ${templateId}, which is at 2: deploying it again, so the fleet launches from it`,
      ),
      said.join('\n'),
    );
  });
});

describe('waiting that tells the truth', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({ world: devWorld(4) });
  });
  after(async () => {
    await cloud.close();
  });

  it('a failing instance under AllAtOnce is reported with its script and log tail while CodeDeploy goes on to Succeeded', async () => {
    const env = devEnvironment();
    const codedeploy = await setUp(cloud, env);
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    const logger = recorder();
    const started = await startDeployment(request(env, sha('a')), { codedeploy, clock: cloud.clock, logger });
    const outcome = await waitForDeployment(
      { deploymentId: started.deploymentId, pollMs: 15_000 },
      { codedeploy, clock: cloud.clock, logger },
    );
    await cloud.clearFaults();
    assert.equal(outcome.deployment.status, 'Succeeded', 'CodeDeploy calls it Succeeded');
    assert.equal(outcome.failures.length, 1);
    const failure = outcome.failures[0];
    assert.equal(failure?.lifecycleEvent, 'AfterInstall');
    assert.equal(failure?.errorCode, 'ScriptFailed');
    assert.match(failure?.message ?? '', /failed with exit code 3/);
    assert.ok((failure?.scriptName ?? '') !== '', 'names the script');
    assert.ok((failure?.logTail ?? '') !== '', 'carries the log tail');
    // Reported as it happened: before the deployment's terminal status was seen.
    const failedAt = logger.events.findIndex((e) => e.kind === 'instance-failed');
    const doneAt = logger.events.findIndex((e) => e.kind === 'deployment' && e.status === 'Succeeded');
    assert.ok(failedAt >= 0 && failedAt < doneAt, 'failure reported before the end');
  });

  it('--rollback-on-failure stops the deployment with rollback: a Stopped deployment and a rollback deployment', async () => {
    const env = devEnvironment();
    const codedeploy = await setUp(cloud, env);
    const good = await startDeployment(request(env, sha('b')), {
      codedeploy,
      clock: cloud.clock,
      logger: recorder(),
    });
    await untilStatus(cloud, good.deploymentId, ['Succeeded']);
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 1,
      event: 'ValidateService',
      effect: 'fail',
      exitCode: 1,
    });
    const bad = await startDeployment(request(env, sha('c'), { force: true }), {
      codedeploy,
      clock: cloud.clock,
      logger: recorder(),
    });
    const outcome = await waitForDeployment(
      { deploymentId: bad.deploymentId, pollMs: 15_000, rollbackOnFailure: true },
      { codedeploy, clock: cloud.clock, logger: recorder() },
    );
    await cloud.clearFaults();
    assert.equal(outcome.kind, 'rolled-back');
    assert.equal(outcome.deployment.status, 'Stopped');
    assert.ok(
      outcome.kind === 'rolled-back' && outcome.rollbackDeploymentId,
      'a rollback deployment was created',
    );
    const rollback = (
      await codedeploy.send(new GetDeploymentCommand({ deploymentId: outcome.rollbackDeploymentId }))
    ).deploymentInfo;
    assert.equal(rollback?.creator, 'codeDeployRollback');
    assert.equal(rollback?.revision?.gitHubLocation?.commitId, sha('b'));
    await untilStatus(cloud, outcome.rollbackDeploymentId ?? '', ['Succeeded', 'Failed', 'Stopped']);
  });

  it('the deadline fires with exit 4 and says how to re-attach', async () => {
    const env = readyEnv();
    const codedeploy = await setUp(cloud, env);
    const started = await startDeployment(request(env, sha('d'), { force: true }), {
      codedeploy,
      clock: cloud.clock,
      logger: recorder(),
    });
    await assert.rejects(
      waitForDeployment(
        { deploymentId: started.deploymentId, pollMs: 15_000, timeoutMs: 60_000 },
        { codedeploy, clock: cloud.clock, logger: recorder() },
      ),
      (e: unknown) => {
        assert.equal((e as { exitCode?: number }).exitCode, 4);
        assert.match(
          (e as Error).message,
          new RegExp(`re-attach with: greenlight wait ${started.deploymentId}`),
        );
        return true;
      },
    );
    await codedeploy.send(
      new StopDeploymentCommand({ deploymentId: started.deploymentId, autoRollbackEnabled: false }),
    );
    await untilStatus(cloud, started.deploymentId, ['Stopped']);
  });
});

describe('waiting through a bad minute of the API', () => {
  it('a poll that runs out of retries on throttling is a missed tick, reported, and the wait goes on', async () => {
    const cloud = await startCloud({ world: devWorld(2), maxAttempts: 1 });
    try {
      const env = devEnvironment();
      const codedeploy = await setUp(cloud, env);
      const started = await startDeployment(request(env, sha('e')), {
        codedeploy,
        clock: cloud.clock,
        logger: recorder(),
      });
      await cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'GetDeployment',
        effect: 'throttle',
        count: 3,
      });
      const logger = recorder();
      const outcome = await waitForDeployment(
        { deploymentId: started.deploymentId, pollMs: 15_000 },
        { codedeploy, clock: cloud.clock, logger },
      );
      assert.equal(outcome.deployment.status, 'Succeeded');
      const missed = logger.events.filter(
        (e) => e.kind === 'message' && e.level === 'warn' && /a poll missed/.test(e.text),
      );
      assert.equal(missed.length, 3, 'each throttled poll is said');
    } finally {
      await cloud.close();
    }
  });

  it('more missed polls in a row than allowed end the wait with exit 3, naming the operation', async () => {
    const cloud = await startCloud({ world: devWorld(2), maxAttempts: 1 });
    try {
      const env = devEnvironment();
      const codedeploy = await setUp(cloud, env);
      const started = await startDeployment(request(env, sha('f')), {
        codedeploy,
        clock: cloud.clock,
        logger: recorder(),
      });
      await cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'GetDeployment',
        effect: 'throttle',
      });
      await assert.rejects(
        waitForDeployment(
          { deploymentId: started.deploymentId, pollMs: 15_000 },
          { codedeploy, clock: cloud.clock, logger: recorder() },
        ),
        (e: unknown) =>
          (e as { exitCode?: number }).exitCode === 3 && /^GetDeployment on d-/.test((e as Error).message),
      );
    } finally {
      await cloud.close();
    }
  });
});

/**
 * A local cloud whose CodeDeploy lists one deployment per page, so the group's history is read
 * across pages as it is on a busy group.
 */
function pagedCloud(): Promise<TestCloud> {
  return startCloud({ world: devWorld(2), codeDeployPageSize: 1 });
}

describe('build order from the group history, not its last attempt', () => {
  let cloud: Awaited<ReturnType<typeof pagedCloud>>;
  let codedeploy: CodeDeployClient;
  let autoscaling: AutoScalingClient;
  const env = devEnvironment();
  before(async () => {
    cloud = await pagedCloud();
    codedeploy = await cloud.aws.codedeploy();
    autoscaling = await cloud.aws.autoscaling();
    await applyGroup(env, { codedeploy, autoscaling }, recorder());
  });
  after(async () => {
    await cloud.close();
  });

  const statusOf = async (id: string) =>
    (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status ?? '';
  const succeeded = (id: string) =>
    cloud.until(
      () => statusOf(id),
      (s) => s === 'Succeeded',
      `${id} to succeed`,
    );
  const allDeployments = async () => {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await codedeploy.send(
        new ListDeploymentsCommand({
          applicationName: 'web',
          deploymentGroupName: 'web-dev',
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      ids.push(...(page.deployments ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const infos = [];
    for (const id of ids)
      infos.push((await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo);
    return infos;
  };
  const lastAttempted = async () =>
    (
      await codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
      )
    ).deploymentGroupInfo?.lastAttemptedDeployment?.deploymentId;

  /** Grows the group's current ASG by one and waits for CodeDeploy's automatic deployment to end. */
  async function scaleOut(): Promise<string> {
    const group = (
      await codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
      )
    ).deploymentGroupInfo;
    const asg = group?.autoScalingGroups?.[0]?.name ?? '';
    const before = (await allDeployments()).filter((d) => d?.creator === 'autoscaling').length;
    const described = await autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asg] }),
    );
    const desired = described.AutoScalingGroups?.[0]?.DesiredCapacity ?? 0;
    await autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: asg,
        MaxSize: desired + 1,
        DesiredCapacity: desired + 1,
      }),
    );
    const automatic = await cloud.until(
      async () =>
        (await allDeployments()).filter(
          (d) => d?.creator === 'autoscaling' && ['Succeeded', 'Failed', 'Stopped'].includes(d.status ?? ''),
        ),
      (done) => done.length > before,
      'the automatic deployment',
    );
    return automatic[0]?.deploymentId ?? '';
  }

  const deploy = (commit: string, build: StartRequest['build'], logger = recorder()) =>
    startDeployment(request(env, commit, { build }), { codedeploy, clock: cloud.clock, logger });

  it('an older build after a scale-out is refused: it is compared with build 12, not the automatic deployment', async () => {
    const newer = await deploy(sha('a'), { buildNumber: 12 });
    await succeeded(newer.deploymentId);
    const automatic = await scaleOut();
    assert.equal(await lastAttempted(), automatic, 'the automatic deployment is the last attempt');

    await assert.rejects(deploy(sha('b'), { buildNumber: 11 }), (e: unknown) => {
      assert.ok(e instanceof DeploymentRefused);
      assert.equal(e.exitCode, 1);
      assert.match(
        e.message,
        new RegExp(
          `^refusing to deploy build 11 \\(${sha('b')}\\): web/web-dev last deployed build 12 ` +
            `\\(${sha('a')}, ${newer.deploymentId}\\); an older build must not replace a newer one — use --force`,
        ),
      );
      return true;
    });
    const revisions = (await allDeployments()).map((d) => d?.revision?.gitHubLocation?.commitId);
    assert.ok(!revisions.includes(sha('b')), 'no deployment of the older build was created');
  });

  it('a newer build after the scale-out is created, and so is build 11 of the revision build 12 deployed', async () => {
    const again = await deploy(sha('a'), { buildNumber: 11 });
    assert.equal(again.kind, 'created', 'a re-run of the same revision is not an older build');
    await succeeded(again.deploymentId);
    const newer = await deploy(sha('c'), { buildNumber: 13 });
    assert.equal(newer.kind, 'created');
    await succeeded(newer.deploymentId);
  });

  it('a build number CI cannot give is said, naming the variable and its value, and the check skipped', async () => {
    const logger = recorder();
    const started = await deploy(sha('d'), buildInfoFromEnv({ CI: 'true', CIRCLE_BUILD_NUM: 'abc' }), logger);
    assert.equal(started.kind, 'created');
    assert.deepEqual(warnings(logger), [
      'CIRCLE_BUILD_NUM is "abc", not a build number: the build-order check is skipped',
    ]);
    await succeeded(started.deploymentId);

    // Now the newest pipeline deployment records no build number: that is said too.
    const next = recorder();
    const after = await deploy(sha('e'), { buildNumber: 14 }, next);
    assert.equal(after.kind, 'created');
    assert.deepEqual(warnings(next), [
      `web/web-dev's newest deployment a person or pipeline created, ${started.deploymentId} (${sha('d')}), records no build number: the build-order check is skipped`,
    ]);
    await succeeded(after.deploymentId);
  });

  it(`the history is read ${HISTORY_PAGES} pages deep at most; past that, the skipped check is said`, async () => {
    for (let i = 0; i < HISTORY_PAGES; i++) await scaleOut();
    const logger = recorder();
    const started = await deploy(sha('f'), { buildNumber: 15 }, logger);
    assert.equal(started.kind, 'created');
    assert.deepEqual(warnings(logger), [
      `no deployment a person or pipeline created among web/web-dev's newest ${HISTORY_PAGES} deployments: the build-order check is skipped`,
    ]);
    await succeeded(started.deploymentId);
  });
});

function warnings(logger: ReturnType<typeof recorder>): string[] {
  return logger.events.flatMap((e) => (e.kind === 'message' && e.level === 'warn' ? [e.text] : []));
}
