// tier: integration
// An in-place environment (style: in-place) released through greenlight's library on the local
// cloud's virtual clock: deploy, follow, verify and roll back, each scenario with its ground truth.
// The deployment group is created with the SDK (CreateDeploymentGroup, IN_PLACE): group apply does not
// manage in-place groups here. CodeDeploy's own word is checked beside greenlight's, so each test
// shows where they differ (AllAtOnce: CodeDeploy Succeeded with 1 of 9).
import assert from 'node:assert/strict';
import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchGetDeploymentsCommand,
  CreateApplicationCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  type DeploymentInfo,
  type EC2TagFilter,
} from '@aws-sdk/client-codedeploy';
import { after, before, describe, it } from 'node:test';
import type { WorldInput } from '@greenlight/localcloud';
import {
  ExitCode,
  gate,
  parseRevision,
  release,
  rollback,
  type Deps,
  type EnvironmentConfig,
  type LogEvent,
  type ReleaseRollback,
} from '../src/index.js';
import type { CodeDeployRollback } from '../src/rollback/settle.js';
import { formatEvent } from '../src/log/format.js';
import { VersionServers } from './scenarios/runner.js';
import { devEnvironment, startCloud, type TestCloud } from './support/cloud.js';

const V1 = 'a1'.repeat(20);
const V2 = 'b2'.repeat(20);
const V3 = 'c3'.repeat(20);

/** One ASG behind one target group (or none), plus an ASG of tagged instances. */
function world(options: {
  instances: number;
  targetGroup?: boolean;
  tagged?: { instances: number; tags: Record<string, string> }[];
}): WorldInput {
  const tg = options.targetGroup ?? true;
  return {
    region: 'us-east-1',
    launchTemplates: [{ name: 'web' }],
    ...(tg
      ? {
          targetGroups: [
            { name: 'web-dev-tg', port: 8000, healthCheck: { path: '/healthcheck', healthyThreshold: 2 } },
          ],
          loadBalancers: [{ name: 'web-dev-alb', listeners: [{ port: 0, targetGroup: 'web-dev-tg' }] }],
        }
      : {}),
    autoScalingGroups: [
      {
        name: 'web-dev-asg',
        instances: options.instances,
        maxSize: 100,
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        targetGroups: tg ? ['web-dev-tg'] : [],
        launchTemplate: 'web',
        agent: 'synthetic',
      },
      ...(options.tagged ?? []).map((t, index) => ({
        name: `tagged-${index}`,
        instances: t.instances,
        maxSize: 10,
        availabilityZones: ['us-east-1a'],
        launchTemplate: 'web',
        agent: 'synthetic' as const,
        tags: t.tags,
      })),
    ],
    alarms: [
      { name: 'web-dev-5xx', state: 'OK' },
      { name: 'web-dev-latency', state: 'OK' },
    ],
    buckets: ['web-revisions'],
  };
}

interface GroupOptions {
  readonly config: string;
  readonly asgs?: readonly string[];
  readonly tags?: Record<string, string>;
  readonly targetGroups?: readonly string[];
  readonly autoRollback?: boolean;
  readonly alarms?: readonly string[];
  /** Alarms only the gate watches (greenlight.yml gate.alarms). */
  readonly gateAlarms?: readonly string[];
}

/** greenlight.yml's in-place `dev`, matching the group `createInPlaceGroup` makes. */
function inPlaceEnv(options: GroupOptions): EnvironmentConfig {
  return devEnvironment({
    blueGreen: undefined,
    autoScalingGroup: undefined,
    style: 'in-place',
    inPlace: { autoScalingGroups: [...(options.asgs ?? ['web-dev-asg'])], tags: options.tags ?? {} },
    targetGroups: [...(options.targetGroups ?? ['web-dev-tg'])],
    deploymentConfig: options.config,
    autoRollback: options.autoRollback ? ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] : [],
    alarms: [...(options.alarms ?? [])],
    ...(options.gateAlarms ? { gate: { alarms: [...options.gateAlarms] } } : {}),
  });
}

/** The in-place group as CodeDeploy holds it, created with the SDK (the tags one per tag group). */
async function createInPlaceGroup(cloud: TestCloud, options: GroupOptions): Promise<void> {
  const codedeploy = await cloud.aws.codedeploy();
  await codedeploy.send(new CreateApplicationCommand({ applicationName: 'web', computePlatform: 'Server' }));
  const targetGroups = options.targetGroups ?? ['web-dev-tg'];
  const tagGroups: EC2TagFilter[][] = Object.entries(options.tags ?? {}).map(([Key, Value]) => [
    { Key, Value, Type: 'KEY_AND_VALUE' },
  ]);
  await codedeploy.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'web',
      deploymentGroupName: 'web-dev',
      serviceRoleArn: 'arn:aws:iam::123456789012:role/web-codedeploy',
      deploymentConfigName: options.config,
      deploymentStyle: {
        deploymentType: 'IN_PLACE',
        deploymentOption: targetGroups.length > 0 ? 'WITH_TRAFFIC_CONTROL' : 'WITHOUT_TRAFFIC_CONTROL',
      },
      autoScalingGroups: [...(options.asgs ?? ['web-dev-asg'])],
      ...(tagGroups.length > 0 ? { ec2TagSet: { ec2TagSetList: tagGroups } } : {}),
      ...(targetGroups.length > 0
        ? { loadBalancerInfo: { targetGroupInfoList: targetGroups.map((name) => ({ name })) } }
        : {}),
      autoRollbackConfiguration: options.autoRollback
        ? { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] }
        : { enabled: false },
      ...(options.alarms?.length
        ? { alarmConfiguration: { enabled: true, alarms: options.alarms.map((name) => ({ name })) } }
        : {}),
    }),
  );
}

interface Scene {
  readonly cloud: TestCloud;
  readonly env: EnvironmentConfig;
  readonly deps: Deps;
  readonly events: LogEvent[];
  /** Everything greenlight said, as the CI log shows it. */
  log(): string;
  instances(asg?: string): Promise<string[]>;
  deployment(id: string): Promise<DeploymentInfo>;
  release(revision: string, more?: { rollbackOnFailure?: boolean }): ReturnType<typeof release>;
}

async function scene(w: WorldInput, group: GroupOptions): Promise<Scene> {
  const cloud = await startCloud({ world: w });
  await createInPlaceGroup(cloud, group);
  // Each synthetic instance's app, on its own loopback address: it answers the version CodeDeploy
  // last installed on it (the local cloud's record of Install), nothing before its first install.
  const servers = new VersionServers((server) => cloud.time?.track(server));
  const ec2 = cloud.lc.cloud.region('us-east-1').ec2;
  servers.plan = (n) => {
    const instance = ec2.all().find((i) => i.privateIpAddress === `127.0.1.${n}` && i.state === 'running');
    return instance ? cloud.lc.cloud.installedVersion(instance.instanceId) : undefined;
  };
  await servers.start();
  const env = {
    ...inPlaceEnv(group),
    health: { path: '/healthcheck', port: servers.port, expectVersion: true },
  };
  const events: LogEvent[] = [];
  const deps: Deps = { aws: cloud.aws, clock: cloud.clock, logger: { emit: (e) => events.push(e) } };
  return {
    cloud: {
      ...cloud,
      close: async () => {
        await servers.close();
        await cloud.close();
      },
    },
    env,
    deps,
    events,
    log: () => events.map((e) => formatEvent(e)).join('\n'),
    async instances(asg = 'web-dev-asg') {
      const out = await (
        await cloud.aws.autoscaling()
      ).send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asg] }));
      return (out.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? '?');
    },
    async deployment(id) {
      const out = await (await cloud.aws.codedeploy()).send(new GetDeploymentCommand({ deploymentId: id }));
      assert.ok(out.deploymentInfo);
      return out.deploymentInfo;
    },
    release: (revision, more = {}) =>
      release({ env, revision: parseRevision(revision), build: {}, pollMs: 15_000, ...more }, deps),
  };
}

/** The instance ids a verdict's failing evidence names, from the JSON report. */
function failedIds(
  verification: { instances: readonly { instanceId: string; verdict: string }[] } | undefined,
) {
  return (verification?.instances ?? [])
    .filter((i) => i.verdict === 'fail')
    .map((i) => i.instanceId)
    .sort();
}

describe('in place: OneAtATime over 3 instances behind a target group', () => {
  let s: Scene;
  before(async () => {
    s = await scene(world({ instances: 3 }), { config: 'CodeDeployDefault.OneAtATime' });
  });
  after(() => s.cloud.close());

  it('is deployed without targetInstances, followed as instances done of 3, and verified (exit 0)', async () => {
    const { exitCode, result } = await s.release(V1);
    assert.equal(exitCode, ExitCode.Ok, s.log());
    assert.equal(result.status, 'Succeeded');
    assert.equal(result.verified, true);
    assert.equal(result.lastKnownGood?.deploymentId, result.deploymentId);
    const d = await s.deployment(result.deploymentId);
    assert.equal(d.deploymentStyle?.deploymentType, 'IN_PLACE');
    assert.equal(d.targetInstances, undefined);
    // Every instance of the group, each with all its events (block, install, allow traffic).
    const ids = await s.instances();
    assert.equal(result.verification?.instances.length, 3);
    assert.ok(result.verification?.instances.every((i) => i.role === 'in-place'));
    assert.deepEqual(result.verification?.instances.map((i) => i.instanceId).sort(), [...ids].sort());
    // What the wait said: progress in instances, no fleets or traffic switch.
    const log = s.events
      .filter((e) => e.kind === 'deployment' || e.kind === 'step')
      .map((e) => formatEvent(e))
      .join('\n');
    assert.match(log, /in place: \d of 3 instances done/);
    assert.match(log, /in place: 3 of 3 instances done/);
    assert.doesNotMatch(log, /green|blue|reroute/i, 'no blue/green wording for an in-place deployment');
    const rules = Object.fromEntries(result.verification?.rules.map((r) => [r.rule, r.verdict]) ?? []);
    assert.equal(rules['lifecycle-events'], 'pass');
    assert.equal(rules['target-health'], 'pass');
    assert.equal(rules['served-version'], 'pass');
    assert.equal(rules.capacity, 'pass');
    assert.equal(rules['blue-fleet'], 'skip');
  });

  it('the 2nd instance failing stops OneAtATime: the 3rd is Skipped and named as still on the old revision', async () => {
    const ids = await s.instances();
    await s.cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 1,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 4,
    });
    try {
      s.events.length = 0;
      const { exitCode, result } = await s.release(V2);
      assert.equal(exitCode, ExitCode.Failed, s.log());
      assert.equal(result.status, 'Failed');
      const failed = result.failures?.map((f) => f.instanceId) ?? [];
      assert.equal(failed.length, 1);
      assert.equal(result.failures?.[0]?.lifecycleEvent, 'AfterInstall');
      const evidence = result.verification?.rules.find((r) => r.rule === 'lifecycle-events')?.evidence ?? [];
      const skipped = evidence.filter((e) => /Skipped — .* still runs the revision before/.test(e.detail));
      assert.equal(skipped.length, 1, JSON.stringify(evidence, null, 1));
      const skippedId = skipped[0]?.instanceId ?? '';
      assert.ok(ids.includes(skippedId) && !failed.includes(skippedId));
      assert.deepEqual(failedIds(result.verification), [failed[0], skippedId].sort());
      assert.match(s.log(), new RegExp(`${skippedId}: Skipped`));
    } finally {
      await s.cloud.clearFaults();
    }
  });
});

describe('in place: AllAtOnce where 1 of 9 instances succeeds', () => {
  let s: Scene;
  before(async () => {
    s = await scene(world({ instances: 9 }), { config: 'CodeDeployDefault.AllAtOnce' });
  });
  after(() => s.cloud.close());

  it('CodeDeploy says Succeeded; greenlight exits 1 naming the 8 that failed', async () => {
    const ids = await s.instances();
    const ok = ids[4] ?? '';
    for (const id of ids.filter((i) => i !== ok))
      await s.cloud.fault({ scope: 'instance', instanceId: id, event: 'ApplicationStart', effect: 'fail' });
    const { exitCode, result } = await s.release(V1);
    assert.equal(result.status, 'Succeeded', 'CodeDeploy: any one success is a success with AllAtOnce');
    assert.equal(exitCode, ExitCode.Failed, s.log());
    assert.equal(result.verified, false);
    const bad = ids.filter((i) => i !== ok).sort();
    assert.deepEqual(failedIds(result.verification), bad);
    assert.match(result.verification?.headline ?? '', /FAILED, 8 of 9 instances failed/);
    const events = result.verification?.rules.find((r) => r.rule === 'lifecycle-events');
    assert.equal(events?.verdict, 'fail');
    for (const id of bad)
      assert.ok(
        events?.evidence.some((e) => e.instanceId === id && /ApplicationStart Failed/.test(e.detail)),
        id,
      );
  });
});

describe('in place: rollback to the last verified revision', () => {
  let s: Scene;
  before(async () => {
    s = await scene(world({ instances: 3 }), {
      config: 'CodeDeployDefault.OneAtATime',
      autoRollback: true,
      alarms: ['web-dev-5xx'],
      // The gate's own alarm: one of the group's would stop the rollback's deployment too (CodeDeploy
      // stops any deployment of a group whose alarm is in ALARM).
      gateAlarms: ['web-dev-latency'],
    });
  });
  after(() => s.cloud.close());

  it('a failure with autoRollback after a verified V1: CodeDeploy redeploys V1, verified, exit 5', async () => {
    assert.equal((await s.release(V1)).exitCode, ExitCode.Ok, s.log());
    await s.cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
    });
    try {
      const { exitCode, result } = await s.release(V2);
      assert.equal(exitCode, ExitCode.RolledBack, s.log());
      const rb = result.rollback as CodeDeployRollback;
      assert.equal(rb.verified, true);
      assert.equal(rb.onLastVerifiedRevision, true);
      assert.equal(rb.verification?.revision, V1);
      const redeploy = await s.deployment(rb.deploymentId);
      assert.equal(redeploy.creator, 'codeDeployRollback');
      assert.equal(redeploy.deploymentStyle?.deploymentType, 'IN_PLACE');
      assert.equal(result.lastKnownGood?.deploymentId, rb.deploymentId);
    } finally {
      await s.cloud.clearFaults();
    }
  });

  it('CodeDeploy rolls back to a successful but unverified V2: greenlight redeploys the verified V1 (exit 5)', async () => {
    // V2 succeeds for CodeDeploy (OneAtATime: only the last instance fails) but not for greenlight.
    await s.cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 2,
      event: 'ValidateService',
      effect: 'fail',
    });
    s.events.length = 0;
    const v2 = await s.release(V2);
    await s.cloud.clearFaults();
    assert.equal(v2.result.status, 'Succeeded', s.log());
    assert.equal(v2.exitCode, ExitCode.Failed);
    // V3 fails; CodeDeploy's rollback goes to V2, its last *successful* revision, never verified.
    await s.cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
    });
    try {
      s.events.length = 0;
      const { exitCode, result } = await s.release(V3, { rollbackOnFailure: true });
      assert.equal(exitCode, ExitCode.RolledBack, s.log());
      const rb = result.rollback as ReleaseRollback;
      assert.equal(rb.how, 'redeployed');
      assert.equal(rb.verified, true);
      assert.equal(rb.verification.revision, V1);
      const redeploy = await s.deployment(rb.deploymentId);
      assert.equal(redeploy.creator, 'user');
      assert.equal(redeploy.deploymentStyle?.deploymentType, 'IN_PLACE');
      // CodeDeploy's own rollback did run first, to V2.
      const ids =
        (
          await (
            await s.cloud.aws.codedeploy()
          ).send(new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }))
        ).deployments ?? [];
      const infos =
        (await (await s.cloud.aws.codedeploy()).send(new BatchGetDeploymentsCommand({ deploymentIds: ids })))
          .deploymentsInfo ?? [];
      assert.ok(
        infos.some((d) => d.creator === 'codeDeployRollback' && d.revision?.gitHubLocation?.commitId === V2),
      );
      assert.match(s.log(), /not the last verified revision/);
    } finally {
      await s.cloud.clearFaults();
    }
  });

  it('greenlight rollback on the in-place env redeploys the verified revision and verifies it (exit 5)', async () => {
    s.events.length = 0;
    // Put V2 on the fleet (unverified because its 3rd instance fails ValidateService again).
    await s.cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 2,
      event: 'ValidateService',
      effect: 'fail',
    });
    const v2 = await s.release(V2, {});
    await s.cloud.clearFaults();
    assert.equal(v2.exitCode, ExitCode.Failed, s.log());
    const rolled = await rollback({ env: s.env, build: {}, pollMs: 15_000 }, s.deps);
    assert.equal(rolled.exitCode, ExitCode.RolledBack, s.log());
    assert.equal(rolled.result.revision, V1);
    assert.equal(rolled.result.verified, true);
  });

  it('a gate on the in-place env looks at every instance and rolls back when an alarm fires (exit 5)', async () => {
    // V1 (verified by the rollback above) passes a bake, so it is the revision a failed gate goes back to.
    s.events.length = 0;
    const passed = await gate({ env: s.env, bakeMs: 0, pollMs: 60_000, build: {} }, s.deps);
    assert.equal(passed.exitCode, ExitCode.Ok, s.log());
    // Its summary counts the fleet itself: in place there is no green fleet.
    assert.match(s.log(), /target health: +3 instances of the fleet in web-dev-tg/, s.log());
    const v2 = await s.release(V2);
    assert.equal(v2.exitCode, ExitCode.Ok, s.log());
    // The alarm fires after the first look of V2's bake.
    const cloudwatch = await s.cloud.aws.cloudwatch();
    let firing: Promise<unknown> | undefined;
    const deps: Deps = {
      ...s.deps,
      logger: {
        emit: (e) => {
          s.events.push(e);
          if (!firing && e.kind === 'message' && e.text.startsWith('look 1 '))
            firing = cloudwatch.send(
              new SetAlarmStateCommand({
                AlarmName: 'web-dev-latency',
                StateValue: 'ALARM',
                StateReason: 'test: 5xx',
              }),
            );
        },
      },
    };
    s.events.length = 0;
    const r = await gate(
      { env: s.env, bakeMs: 30 * 60_000, pollMs: 60_000, rollbackOnFailure: true, build: {} },
      deps,
    );
    await firing;
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'web-dev-latency', StateValue: 'OK', StateReason: 'test' }),
    );
    assert.equal(r.exitCode, ExitCode.RolledBack, s.log());
    const ids = await s.instances();
    // Each look held every instance of the fleet to health and version.
    assert.match(s.log(), /look 1 at .*: good/);
    assert.deepEqual([...(r.outcome.lastLook?.instances ?? [])].sort(), [...ids].sort());
    assert.ok(r.result.problems.some((p) => p.kind === 'alarm' && p.subject === 'web-dev-latency'));
    const rb = r.result.rollback;
    assert.ok(rb && 'deploymentId' in rb, JSON.stringify(rb));
    assert.equal(rb.verified, true);
    assert.equal(rb.verification.revision, V1);
    assert.equal((await s.deployment(rb.deploymentId)).deploymentStyle?.deploymentType, 'IN_PLACE');
  });

  it("a rollback while one of the group's own alarms fires is not stopped by it; the alarm still fails its verification (exit 1)", async () => {
    // Before: CodeDeploy stopped greenlight's redeploy of the verified revision at once (ALARM_ACTIVE),
    // exactly when a rollback is needed. Now the rollback's deployment does not poll the group's alarms
    // (overrideAlarmConfiguration, as CodeDeploy's API reference advises for this case); greenlight's
    // verification still reads them, so exit 5 waits for the alarm to clear.
    const v3 = await s.release(V3);
    assert.equal(v3.exitCode, ExitCode.Ok, s.log());
    const cloudwatch = await s.cloud.aws.cloudwatch();
    const setAlarm = (StateValue: 'ALARM' | 'OK') =>
      cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: 'web-dev-5xx', StateValue, StateReason: 'test' }),
      );
    await setAlarm('ALARM');
    try {
      s.events.length = 0;
      const rolled = await rollback({ env: s.env, to: parseRevision(V1), build: {}, pollMs: 15_000 }, s.deps);
      assert.equal(rolled.exitCode, ExitCode.Failed, s.log());
      const id = rolled.result.deploymentId;
      assert.ok(id, s.log());
      const info = await s.deployment(id);
      assert.equal(
        info.status,
        'Succeeded',
        `CodeDeploy ran the rollback: ${JSON.stringify(info.errorInformation)}`,
      );
      assert.equal(info.overrideAlarmConfiguration?.enabled, false);
      assert.equal(info.revision?.gitHubLocation?.commitId, V1);
      assert.match(s.log(), /alarm web-dev-5xx is ALARM/);
    } finally {
      await setAlarm('OK');
    }
    // The fleet is on V1: with the alarm clear, the same deployment verifies.
    const again = await rollback({ env: s.env, to: parseRevision(V1), build: {}, pollMs: 15_000 }, s.deps);
    assert.equal(again.exitCode, ExitCode.RolledBack, s.log());
    assert.equal(again.result.revision, V1);
  });
});

describe('in place without traffic control: instances by Auto Scaling group and tags', () => {
  let s: Scene;
  before(async () => {
    s = await scene(
      world({
        instances: 2,
        targetGroup: false,
        tagged: [
          { instances: 2, tags: { app: 'web', env: 'dev' } },
          // app=web but env=prod: the tag set ANDs its groups, so these are not the fleet.
          { instances: 1, tags: { app: 'web', env: 'prod' } },
        ],
      }),
      { config: 'CodeDeployDefault.HalfAtATime', targetGroups: [], tags: { app: 'web', env: 'dev' } },
    );
  });
  after(() => s.cloud.close());

  it('verifies every instance through its own health endpoint (exit 0); the env=prod one is not in the fleet', async () => {
    const { exitCode, result } = await s.release(V1);
    assert.equal(exitCode, ExitCode.Ok, s.log());
    const fleet = [...(await s.instances()), ...(await s.instances('tagged-0'))].sort();
    assert.deepEqual(result.verification?.instances.map((i) => i.instanceId).sort(), fleet);
    const prod = await s.instances('tagged-1');
    assert.ok(!result.verification?.instances.some((i) => prod.includes(i.instanceId)));
    const rules = Object.fromEntries(result.verification?.rules.map((r) => [r.rule, r]) ?? []);
    assert.equal(rules['target-health']?.verdict, 'skip');
    assert.equal(rules['served-version']?.verdict, 'pass');
    assert.equal(rules['served-version']?.evidence.length, 4);
  });

  it('a tagged instance the deployment never reached is named as undeployed (exit 1)', async () => {
    // Another instance is tagged into the fleet after V1: V2 reaches it, so stop V2 from reaching it
    // by making it a late arrival: scale the tagged group out after the deployment is created.
    const autoscaling = await s.cloud.aws.autoscaling();
    s.events.length = 0;
    const started = s.release(V2);
    await s.cloud.until(
      () => s.events.some((e) => e.kind === 'deployment' && e.status === 'InProgress'),
      Boolean,
      'V2 in progress',
      '1h',
    );
    await autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'tagged-0', DesiredCapacity: 3 }),
    );
    const { exitCode, result } = await started;
    const late = (await s.instances('tagged-0')).filter(
      (id) => !result.verification?.instances.some((i) => i.instanceId === id && i.role === 'in-place'),
    );
    assert.equal(late.length, 1, s.log());
    assert.equal(exitCode, ExitCode.Failed, s.log());
    assert.deepEqual(failedIds(result.verification), late);
    assert.match(s.log(), new RegExp(`${late[0]} is undeployed`));
  });
});

describe('in place: a scale-out during the deployment', () => {
  let s: Scene;
  before(async () => {
    s = await scene(world({ instances: 3 }), { config: 'CodeDeployDefault.OneAtATime' });
  });
  after(() => s.cloud.close());

  it('the launched instance waits, gets the revision in an automatic deployment, and the release verifies (exit 0)', async () => {
    const autoscaling = await s.cloud.aws.autoscaling();
    const started = s.release(V1);
    await s.cloud.until(
      () => s.events.some((e) => e.kind === 'deployment' && e.status === 'InProgress'),
      Boolean,
      'V1 in progress',
      '1h',
    );
    await autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-dev-asg', DesiredCapacity: 4 }),
    );
    const { exitCode, result } = await started;
    assert.equal(exitCode, ExitCode.Ok, s.log());
    const ids = await s.instances();
    assert.equal(ids.length, 4);
    const rows = result.verification?.instances ?? [];
    assert.deepEqual(rows.map((i) => i.instanceId).sort(), [...ids].sort());
    const later = rows.filter((i) => i.role === 'scale-out');
    assert.equal(later.length, 1, JSON.stringify(rows, null, 1));
    assert.match(s.log(), /let web\/web-dev's fleet settle/);
  });
});

describe('in place: autoScaling.suspendProcesses', () => {
  let s: Scene;
  before(async () => {
    s = await scene(world({ instances: 2 }), { config: 'CodeDeployDefault.AllAtOnce' });
  });
  after(() => s.cloud.close());

  it('suspends the processes on inPlace.autoScalingGroups while the deployment runs and resumes them after', async () => {
    const autoscaling = await s.cloud.aws.autoscaling();
    const suspended = async () =>
      (
        (
          await autoscaling.send(
            new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-dev-asg'] }),
          )
        ).AutoScalingGroups?.[0]?.SuspendedProcesses ?? []
      )
        .map((p) => p.ProcessName ?? '')
        .sort();
    const env: EnvironmentConfig = { ...s.env, autoScaling: { suspendProcesses: true } };
    const seen: Promise<string[]>[] = [];
    const deps: Deps = {
      ...s.deps,
      logger: {
        emit: (e) => {
          s.events.push(e);
          if (e.kind === 'deployment' && e.status === 'InProgress') seen.push(suspended());
        },
      },
    };
    const { exitCode } = await release({ env, revision: parseRevision(V1), build: {}, pollMs: 15_000 }, deps);
    assert.equal(exitCode, ExitCode.Ok, s.log());
    const during = await Promise.all(seen);
    assert.ok(during.length > 0);
    for (const processes of during)
      assert.deepEqual(processes, [
        'AZRebalance',
        'AlarmNotification',
        'ReplaceUnhealthy',
        'ScheduledActions',
      ]);
    assert.deepEqual(await suspended(), []);
    assert.match(s.log(), /resumed .* on web-dev-asg \(deployed in place\)/);
  });
});
