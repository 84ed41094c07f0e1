// In-place environments (issue 19): the revision goes onto the instances that serve, as many at a time
// as the deployment config allows, so CodeDeploy's word is weaker still than blue/green's — AllAtOnce
// says Succeeded when one instance of nine did, a HOST_COUNT config when the last instance failed, a
// rollback to a revision nobody verified. Each instance's app answers the revision the local cloud last
// installed on it (the same instance changes version), so what it serves is what really happened.
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import {
  BatchGetDeploymentTargetsCommand,
  GetDeploymentGroupCommand,
  ListDeploymentTargetsCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import type { WorldInput } from '@greenlight/localcloud';
import { readLastKnownGood } from '../../../src/rollback/last-known-good.js';
import { readGroupTags } from '../../../src/codedeploy/group-tags.js';
import { PASSED_GATE_TAGS } from '../../../src/gate/passed-gate.js';
import type { TestCloud } from '../../support/cloud.js';
import type { Observed } from '../runner.js';
import { V0, V1, V2, instanceAt, type VersionPlan } from '../scenario.js';
import type { MatrixScenario } from './matrix-scenario.js';
import {
  POLL,
  applyArgs,
  asgInstances,
  automaticDeploymentsEnded,
  endedAutomaticDeployments,
  deployArgs,
  deployment,
  deploymentIds,
  mustSucceed,
  setAlarm,
  untilLatest,
} from './moves.js';

const V3 = 'c3'.repeat(20);
const WEB_DEV = { application: 'web', deploymentGroup: 'web-dev' };

/** Every instance answers the revision last installed on it. */
const installed: VersionPlan = (_n, version) => version;

/**
 * greenlight.yml's dev as an in-place environment over web-dev-asg (blue/green keys left out) with
 * `more` on top. CodeDeploy's own rollback is off unless a scenario turns it on: the failure itself,
 * not the redeploy after it, is what most of these judge.
 */
function inPlace(more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    style: 'in-place',
    blueGreen: undefined,
    autoScalingGroup: undefined,
    inPlace: { autoScalingGroups: ['web-dev-asg'] },
    autoRollback: [],
    ...more,
  };
}

/** Fails `event` on the index-th instance of the group's next deployment (in launch order). */
const failAt = (index: number, event: string, exitCode = 3) => ({
  scope: 'instance',
  deploymentGroup: 'web-dev',
  fleet: 'green',
  index,
  event,
  effect: 'fail',
  exitCode,
});

const commitOf = (d: DeploymentInfo | undefined) => d?.revision?.gitHubLocation?.commitId;

/** CodeDeploy's status of the scenario's judged deployment (facts.judged), against what it should say. */
async function codeDeploySays(observed: Observed, status: string): Promise<string[]> {
  const id = observed.context.facts.judged ?? judgedId(observed);
  if (!id) return ['the judged run printed no deployment id'];
  const d = await deployment(observed.context.cloud, id);
  return d.status === status ? [] : [`CodeDeploy says ${id} is ${d.status ?? '?'}, expected ${status}`];
}

function judgedId(observed: Observed): string | undefined {
  const id = observed.result?.deploymentId;
  return typeof id === 'string' ? id : undefined;
}

/** Each listed launch's target in `deploymentId` has this status. */
async function targetStatuses(
  cloud: TestCloud,
  deploymentId: string,
  expected: Record<number, string>,
): Promise<string[]> {
  const codedeploy = await cloud.aws.codedeploy();
  const targetIds =
    (await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [];
  const out = await codedeploy.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }));
  const status = new Map(
    (out.deploymentTargets ?? []).map((t) => [t.instanceTarget?.targetId, t.instanceTarget?.status]),
  );
  const problems: string[] = [];
  for (const [n, want] of Object.entries(expected)) {
    const id = await instanceAt(cloud, Number(n));
    const seen = status.get(id);
    if (seen !== want)
      problems.push(`launch ${n} (${id}) is ${seen ?? 'no target'} in ${deploymentId}, expected ${want}`);
  }
  return problems;
}

/** The last-known-good record of web/web-dev names a Succeeded deployment of `revision`. */
async function lastKnownGoodIs(cloud: TestCloud, revision: string): Promise<string[]> {
  const lkg = await readLastKnownGood(await cloud.aws.codedeploy(), WEB_DEV);
  if (!lkg) return ['no last-known-good is recorded'];
  const d = await deployment(cloud, lkg.deploymentId);
  return commitOf(d) === revision && lkg.revision === revision && d.status === 'Succeeded'
    ? []
    : [
        `the last-known-good ${lkg.deploymentId} is ${commitOf(d) ?? '?'} (${d.status ?? '?'}), expected ${revision}`,
      ];
}

/** CodeDeploy's lastSuccessfulDeployment of web/web-dev is of `revision` (what an automatic deployment installs). */
async function lastSuccessfulIs(cloud: TestCloud, revision: string): Promise<string[]> {
  const codedeploy = await cloud.aws.codedeploy();
  const info = (
    await codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
    )
  ).deploymentGroupInfo;
  const id = info?.lastSuccessfulDeployment?.deploymentId;
  if (!id) return ['web/web-dev has no last successful deployment'];
  const d = await deployment(cloud, id);
  return commitOf(d) === revision
    ? []
    : [`web/web-dev's last successful deployment ${id} is of ${commitOf(d) ?? '?'}, expected ${revision}`];
}

async function rollbacksByCodeDeploy(cloud: TestCloud): Promise<DeploymentInfo[]> {
  const all = await Promise.all((await deploymentIds(cloud)).map((id) => deployment(cloud, id)));
  return all.filter((d) => d.creator === 'codeDeployRollback');
}

/** web-dev-asg (no target group) and tagged fleets: app=web env=dev ones are the fleet, env=prod is not. */
function taggedWorld(): WorldInput {
  return {
    region: 'us-east-1',
    launchTemplates: [{ name: 'web' }],
    autoScalingGroups: [
      {
        name: 'web-dev-asg',
        instances: 2,
        maxSize: 10,
        availabilityZones: ['us-east-1a'],
        launchTemplate: 'web',
        agent: 'synthetic',
      },
      {
        name: 'tagged-dev',
        instances: 2,
        maxSize: 10,
        availabilityZones: ['us-east-1a'],
        launchTemplate: 'web',
        agent: 'synthetic',
        tags: { app: 'web', env: 'dev' },
      },
      {
        name: 'tagged-prod',
        instances: 1,
        maxSize: 10,
        availabilityZones: ['us-east-1a'],
        launchTemplate: 'web',
        agent: 'synthetic',
        tags: { app: 'web', env: 'prod' },
      },
    ],
    alarms: [
      { name: 'web-dev-5xx', state: 'OK' },
      { name: 'web-dev-latency', state: 'OK' },
    ],
    buckets: ['web-revisions'],
  };
}

const gateArgs = ['gate', '--env', 'dev', '--bake', '400ms', '--poll', '50ms', '--json'];

export const inPlaceScenarios: readonly MatrixScenario[] = [
  {
    id: 'in-place-all-at-once-1-of-9',
    category: 'in-place',
    groundTruth:
      'in place, AllAtOnce over 9 instances: 8 fail hooks/after-install.sh (all but launch 5); CodeDeploy says Succeeded because one instance did',
    action: 'deploy',
    instances: 9,
    env: inPlace({ deploymentConfig: 'CodeDeployDefault.AllAtOnce' }),
    versions: installed,
    faults: [0, 1, 2, 3, 5, 6, 7, 8].map((i) => failAt(i, 'AfterInstall')),
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: [
        ...[1, 2, 3, 4, 6, 7, 8, 9].map((n) => `launch:${n}`),
        'AfterInstall',
        'hooks/after-install.sh',
        'ScriptFailed',
        'CodeDeploy: Succeeded — greenlight: FAILED, 8 of 9 instances failed',
      ],
      finalState: (observed) => codeDeploySays(observed, 'Succeeded'),
    },
  },
  {
    id: 'in-place-one-at-a-time-stops',
    category: 'in-place',
    groundTruth:
      'in place, OneAtATime over 4: v1 verified; v2 fails AfterInstall on the 2nd instance (launch 2), so CodeDeploy stops there: launches 3 and 4 are Skipped and still run v1',
    action: 'deploy',
    instances: 4,
    env: inPlace({ deploymentConfig: 'CodeDeployDefault.OneAtATime' }),
    versions: installed,
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await ctx.cloud.fault(failAt(1, 'AfterInstall', 4));
      await ctx.cli(deployArgs(V2));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['deployment-status', 'lifecycle-events'],
      names: [
        'launch:2',
        'AfterInstall',
        'hooks/after-install.sh',
        'launch:3',
        'launch:4',
        'never installed',
        'still runs the revision before',
      ],
      finalState: async (observed) => {
        const id = judgedId(observed);
        if (!id) return ['the v2 run printed no deployment id'];
        return [
          ...(await codeDeploySays(observed, 'Failed')),
          ...(await targetStatuses(observed.context.cloud, id, {
            1: 'Succeeded',
            2: 'Failed',
            3: 'Skipped',
            4: 'Skipped',
          })),
          ...(await lastKnownGoodIs(observed.context.cloud, V1)),
        ];
      },
    },
  },
  {
    id: 'in-place-half-at-a-time-second-half',
    category: 'in-place',
    groundTruth:
      'in place, HalfAtATime over 4: the 4th instance (launch 4, in the second half) fails ApplicationStart; half the fleet is still healthy, so CodeDeploy says Succeeded',
    action: 'deploy',
    instances: 4,
    env: inPlace({ deploymentConfig: 'CodeDeployDefault.HalfAtATime' }),
    versions: installed,
    faults: [failAt(3, 'ApplicationStart', 7)],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:4', 'ApplicationStart', 'hooks/application-start.sh', 'ScriptFailed'],
    },
  },
  {
    id: 'in-place-host-count-last-fails',
    category: 'in-place',
    groundTruth:
      'in place, a custom config keeping 3 of 4 healthy (one at a time): the last instance (launch 4) fails ValidateService; 3 healthy hosts meet the minimum, so CodeDeploy says Succeeded',
    action: 'deploy',
    instances: 4,
    env: inPlace({
      deploymentConfig: { name: 'web-three-healthy', minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 } },
    }),
    versions: installed,
    faults: [failAt(3, 'ValidateService', 5)],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:4', 'ValidateService', 'hooks/validate-service.sh', 'ScriptFailed'],
      finalState: (observed) => codeDeploySays(observed, 'Succeeded'),
    },
  },
  {
    id: 'in-place-codedeploy-rollback-verified',
    category: 'in-place',
    groundTruth:
      'in place, OneAtATime over 4: v1 verified; v2 fails AfterInstall on launch 1 and CodeDeploy rolls back (autoRollback), redeploying v1 in place, which every instance then serves',
    action: 'deploy',
    instances: 4,
    env: inPlace({ deploymentConfig: 'CodeDeployDefault.OneAtATime', autoRollback: ['DEPLOYMENT_FAILURE'] }),
    versions: installed,
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await ctx.cloud.fault(failAt(0, 'AfterInstall', 4));
      await ctx.cli(deployArgs(V2));
    },
    expect: {
      exitCode: 5,
      verified: false,
      failing: ['deployment-status', 'lifecycle-events'],
      names: [
        'launch:1',
        'AfterInstall',
        'hooks/after-install.sh',
        "follow CodeDeploy's rollback",
        'CodeDeploy: Succeeded — greenlight: verified, 4 of 4 instances',
      ],
      finalState: async (observed) => {
        const { cloud } = observed.context;
        const rollbacks = await rollbacksByCodeDeploy(cloud);
        const problems =
          rollbacks.length === 1 && commitOf(rollbacks[0]) === V1 && rollbacks[0]?.status === 'Succeeded'
            ? []
            : [
                `CodeDeploy's rollbacks: ${rollbacks.map((d) => `${commitOf(d) ?? '?'} ${d.status ?? '?'}`).join(', ') || 'none'}`,
              ];
        return [...problems, ...(await lastKnownGoodIs(cloud, V1)), ...(await lastSuccessfulIs(cloud, V1))];
      },
    },
  },
  {
    id: 'in-place-codedeploy-rollback-to-unverified',
    category: 'in-place',
    groundTruth:
      'in place, OneAtATime over 4: v1 verified; v2 deployed with --no-verify (Succeeded, never verified); v3 fails AfterInstall on launch 1 and CodeDeploy rolls back to v2, its last successful revision; --rollback-on-failure deploys v1 again, which verifies',
    action: 'deploy',
    instances: 4,
    env: inPlace({ deploymentConfig: 'CodeDeployDefault.OneAtATime', autoRollback: ['DEPLOYMENT_FAILURE'] }),
    versions: installed,
    act: async (ctx) => {
      ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1));
      ctx.facts.v2 = await mustSucceed(ctx, deployArgs(V2, '--no-verify'));
      await ctx.cloud.fault(failAt(0, 'AfterInstall', 4));
      await ctx.cli(deployArgs(V3, '--rollback-on-failure'));
    },
    expect: {
      exitCode: 5,
      verified: false,
      failing: ['deployment-status', 'lifecycle-events'],
      names: ['launch:1', 'AfterInstall', 'not the last verified revision', `roll web/web-dev back to ${V1}`],
      finalState: async (observed) => {
        const { cloud } = observed.context;
        const rollbacks = await rollbacksByCodeDeploy(cloud);
        const problems = rollbacks.some((d) => commitOf(d) === V2)
          ? []
          : ['CodeDeploy never rolled back to v2 (the ground truth of this scenario did not happen)'];
        return [...problems, ...(await lastSuccessfulIs(cloud, V1)), ...(await lastKnownGoodIs(cloud, V1))];
      },
    },
  },
  {
    id: 'in-place-tags-no-traffic-control-old-version',
    category: 'in-place',
    groundTruth:
      'in place without a load balancer, the fleet web-dev-asg plus instances tagged app=web, env=dev: every one installs v1 and CodeDeploy says Succeeded, but the second tagged instance (launch 4) still serves v0',
    action: 'deploy',
    instances: 5,
    world: taggedWorld(),
    env: inPlace({
      deploymentConfig: 'CodeDeployDefault.HalfAtATime',
      targetGroups: undefined,
      inPlace: { autoScalingGroups: ['web-dev-asg'], tags: { app: 'web', env: 'dev' } },
    }),
    versions: (n, version) => (n === 4 ? V0 : version),
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['served-version'],
      names: ['launch:4', `serves ${V0}, expected ${V1}`],
      finalState: async (observed) => {
        const problems = await codeDeploySays(observed, 'Succeeded');
        // The env=prod instance (launch 5) is not the fleet: the deployment never touched it.
        const id = judgedId(observed);
        if (!id) return [...problems, 'the run printed no deployment id'];
        const codedeploy = await observed.context.cloud.aws.codedeploy();
        const targets =
          (await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: id }))).targetIds ?? [];
        const prod = await instanceAt(observed.context.cloud, 5);
        if (targets.length !== 4 || targets.includes(prod))
          problems.push(`the deployment targeted ${targets.join(', ')}: expected launches 1–4, not ${prod}`);
        return problems;
      },
    },
  },
  {
    id: 'in-place-scale-out-during-hangs',
    category: 'in-place',
    groundTruth:
      'in place, OneAtATime over 3: web-dev-asg grows to 4 while v1 installs; the new instance (launch 4) waits for the automatic deployment CodeDeploy gives it after v1, which hangs, so it never gets v1',
    action: 'deploy',
    instances: 3,
    env: inPlace({ deploymentConfig: 'CodeDeployDefault.OneAtATime' }),
    versions: installed,
    act: async (ctx) => {
      const running = ctx.cli(deployArgs(V1));
      await untilLatest(
        ctx.cloud,
        (d) => d.status === 'InProgress' && (d.deploymentOverview?.Succeeded ?? 0) === 0,
        'v1 to start installing',
      );
      const autoscaling = await ctx.cloud.aws.autoscaling();
      await autoscaling.send(
        new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-dev-asg', DesiredCapacity: 4 }),
      );
      const launched = await ctx.cloud.until(
        () => instanceAt(ctx.cloud, 4).catch(() => ''),
        (id) => id !== '',
        'the scale-out',
      );
      // Held in Pending:Wait until v1 ends (CodeDeploy deploys to it afterwards), so the hang is in place first.
      await ctx.cloud.fault({ scope: 'instance', instanceId: launched, effect: 'hang' });
      await running;
    },
    expect: {
      exitCode: 1,
      verified: false,
      // The fleet settles for 15 minutes at most, then is judged with the automatic deployment still hung.
      failing: ['lifecycle-events', 'capacity', 'scale-out-deployments'],
      names: ['launch:4', 'is undeployed', 'web-dev-asg: desired 4, InService 3, deployed 3'],
    },
  },
  {
    id: 'in-place-replaced-instance-deploy-fails',
    category: 'in-place',
    groundTruth:
      'in place over 4: v1 verified; then launch 2 is terminated through EC2, the ASG replaces it, and the automatic deployment of v1 to the replacement fails hooks/after-install.sh (the ASG abandons it and launches another, which fails the same way)',
    action: 'verify',
    instances: 4,
    env: inPlace({ deploymentConfig: 'CodeDeployDefault.OneAtATime' }),
    versions: installed,
    act: async (ctx) => {
      ctx.facts.judged = await mustSucceed(ctx, deployArgs(V1));
      await ctx.cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        event: 'AfterInstall',
        effect: 'fail',
        exitCode: 9,
      });
      const ec2 = await ctx.cloud.aws.ec2();
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [await instanceAt(ctx.cloud, 2)] }));
      await automaticDeploymentsEnded(ctx.cloud, 1);
      await ctx.cli(['verify', '--env', 'dev', '--json']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      // Where the ASG is in its abandon-and-relaunch loop when verify looks is timing: the replacement
      // gone and the next not launched, or one held in Pending:Wait (undeployed). Either way web-dev-asg
      // is one short of its desired 4 InService and deployed.
      failing: ['capacity'],
      names: ['web-dev-asg: desired 4, InService 3, deployed 3'],
      finalState: async (observed) => {
        const automatic = await endedAutomaticDeployments(observed.context.cloud);
        return automatic.length > 0 && automatic.every((d) => d.status === 'Failed')
          ? []
          : [
              `the automatic deployments: ${automatic.map((d) => `${d.deploymentId ?? '?'} ${d.status ?? '?'}`).join(', ')}`,
            ];
      },
    },
  },
  {
    id: 'in-place-tagged-after-undeployed',
    category: 'in-place',
    groundTruth:
      'in place over web-dev-asg and instances tagged app=web, env=dev: v1 verified; then the tagged group grows by one (launch 6, tagged, no deployment group of its ASG, so no automatic deployment): it runs nothing',
    action: 'verify',
    instances: 5,
    world: taggedWorld(),
    env: inPlace({
      deploymentConfig: 'CodeDeployDefault.HalfAtATime',
      targetGroups: undefined,
      inPlace: { autoScalingGroups: ['web-dev-asg'], tags: { app: 'web', env: 'dev' } },
    }),
    versions: installed,
    act: async (ctx) => {
      ctx.facts.judged = await mustSucceed(ctx, deployArgs(V1));
      const autoscaling = await ctx.cloud.aws.autoscaling();
      await autoscaling.send(
        new SetDesiredCapacityCommand({ AutoScalingGroupName: 'tagged-dev', DesiredCapacity: 3 }),
      );
      await ctx.cloud.until(
        async () =>
          (await asgInstances(ctx.cloud, 'tagged-dev')).filter((i) => i.state === 'InService').length,
        (n) => n === 3,
        'tagged-dev to reach 3 InService',
      );
      await ctx.cli(['verify', '--env', 'dev', '--json']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events', 'served-version'],
      names: ['launch:6', 'is undeployed'],
    },
  },
  {
    id: 'in-place-codedeploy-rollback-all-at-once-partial',
    category: 'in-place',
    groundTruth:
      'in place, AllAtOnce over 4: v1 verified; v2 fails AfterInstall on every instance and CodeDeploy rolls back to v1, but the rollback fails ApplicationStart on launch 3: CodeDeploy says the rollback Succeeded (3 of 4), launch 3 serves nothing',
    action: 'deploy',
    instances: 4,
    env: inPlace({ deploymentConfig: 'CodeDeployDefault.AllAtOnce', autoRollback: ['DEPLOYMENT_FAILURE'] }),
    versions: installed,
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      for (const i of [0, 1, 2, 3]) await ctx.cloud.fault(failAt(i, 'AfterInstall', 4));
      // v2 never reaches ApplicationStart (AfterInstall fails first everywhere): only the rollback does.
      await ctx.cloud.fault({
        scope: 'instance',
        instanceId: await instanceAt(ctx.cloud, 3),
        event: 'ApplicationStart',
        effect: 'fail',
        exitCode: 6,
      });
      await ctx.cli(deployArgs(V2));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['deployment-status', 'lifecycle-events'],
      names: ['launch:3', 'ApplicationStart', 'hooks/application-start.sh'],
      finalState: async (observed) => {
        const rollbacks = await rollbacksByCodeDeploy(observed.context.cloud);
        return rollbacks.length === 1 && commitOf(rollbacks[0]) === V1 && rollbacks[0]?.status === 'Succeeded'
          ? []
          : [
              `CodeDeploy's rollbacks: ${rollbacks.map((d) => `${commitOf(d) ?? '?'} ${d.status ?? '?'}`).join(', ') || 'none'} (expected one Succeeded of v1)`,
            ];
      },
    },
  },
  {
    id: 'in-place-gate-alarm-rolls-back',
    category: 'in-place',
    groundTruth:
      'in place over 4: v1 verified and its bake passed; v2 verified; web-dev-latency (a gate alarm) fires during v2’s bake; --rollback-on-failure deploys v1 again in place, which verifies',
    action: 'gate',
    instances: 4,
    env: inPlace({
      deploymentConfig: 'CodeDeployDefault.HalfAtATime',
      gate: { alarms: ['web-dev-latency'] },
    }),
    versions: installed,
    act: async (ctx) => {
      ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1));
      const passed = await ctx.cli(gateArgs);
      if (passed.code !== 0) throw new Error(`v1's gate should pass:\n${passed.stderr}`);
      ctx.facts.v2 = await mustSucceed(ctx, deployArgs(V2));
      const gating = ctx.cli([
        'gate',
        '--env',
        'dev',
        '--bake',
        '10m',
        '--poll',
        '50ms',
        ...POLL,
        '--rollback-on-failure',
        '--json',
      ]);
      await setAlarm(ctx.cloud, 'web-dev-latency', 'ALARM', 'p99 above 2 s while baking');
      await gating;
    },
    expect: {
      exitCode: 5,
      verified: false,
      names: ['gate failed', 'alarm web-dev-latency is ALARM', `roll web/web-dev back to ${V1}`],
      finalState: async (observed) => {
        const { cloud, facts } = observed.context;
        const newest = await deployment(cloud, (await deploymentIds(cloud))[0] ?? '');
        const problems =
          commitOf(newest) === V1 && newest.status === 'Succeeded' && newest.deploymentId !== facts.v1
            ? []
            : [
                `the newest deployment ${newest.deploymentId ?? '?'} is ${commitOf(newest) ?? '?'} ${newest.status ?? '?'}, expected a redeploy of v1`,
              ];
        const tags = await readGroupTags(await cloud.aws.codedeploy(), WEB_DEV);
        if (tags.get(PASSED_GATE_TAGS.deployment) !== facts.v1)
          problems.push(
            `the passed-gate record names ${tags.get(PASSED_GATE_TAGS.deployment) ?? 'nothing'}, expected v1's ${facts.v1 ?? '?'}`,
          );
        return [...problems, ...(await lastKnownGoodIs(cloud, V1))];
      },
    },
  },
  {
    id: 'in-place-verify-superseded',
    category: 'in-place',
    groundTruth:
      'in place, AllAtOnce over 3: v1 verified, then v2 verified onto the same instances; `verify` of v1’s deployment (by id, so no health check to ask): every instance runs v2, though v1’s targets all still say Succeeded',
    action: 'verify',
    instances: 3,
    env: inPlace({ deploymentConfig: 'CodeDeployDefault.AllAtOnce' }),
    versions: installed,
    act: async (ctx) => {
      ctx.facts.judged = await mustSucceed(ctx, deployArgs(V1));
      await mustSucceed(ctx, deployArgs(V2));
      await ctx.cli(['verify', ctx.facts.judged, '--json']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:1', 'launch:2', 'launch:3', 'superseded', `deployed ${V2} on it`],
    },
  },
  {
    id: 'in-place-verify-superseded-no-version-check',
    category: 'in-place',
    groundTruth:
      'in place, AllAtOnce over 3, health.expectVersion: false: v1 verified, then v2 verified onto the same instances; `verify` of v1’s deployment with --env: every instance runs v2',
    action: 'verify',
    instances: 3,
    env: inPlace({
      deploymentConfig: 'CodeDeployDefault.AllAtOnce',
      health: { path: '/healthcheck', expectVersion: false },
    }),
    versions: installed,
    act: async (ctx) => {
      ctx.facts.judged = await mustSucceed(ctx, deployArgs(V1));
      await mustSucceed(ctx, deployArgs(V2));
      await ctx.cli(['verify', ctx.facts.judged, '--env', 'dev', '--json']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:1', 'superseded', `deployed ${V2} on it`],
      // Nothing verified may be recorded for v1 now: the last-known-good stays v2's.
      finalState: (observed) => lastKnownGoodIs(observed.context.cloud, V2),
    },
  },
  {
    id: 'in-place-apply-twice',
    category: 'in-place',
    groundTruth:
      'an in-place group (web-dev-asg and instances tagged app=web, with traffic control) applied once; applying it again changes nothing',
    action: 'apply',
    instances: 2,
    env: inPlace({
      deploymentConfig: 'CodeDeployDefault.HalfAtATime',
      inPlace: { autoScalingGroups: ['web-dev-asg'], tags: { app: 'web' } },
    }),
    act: async (ctx) => {
      await ctx.cli(applyArgs);
    },
    expect: {
      exitCode: 0,
      names: ['deployment group web/web-dev: up to date'],
      finalState: async (observed) => {
        const codedeploy = await observed.context.cloud.aws.codedeploy();
        const info = (
          await codedeploy.send(
            new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
          )
        ).deploymentGroupInfo;
        const problems: string[] = [];
        const style = `${info?.deploymentStyle?.deploymentType ?? '?'}/${info?.deploymentStyle?.deploymentOption ?? '?'}`;
        if (style !== 'IN_PLACE/WITH_TRAFFIC_CONTROL') problems.push(`the group is ${style}`);
        const asgs = (info?.autoScalingGroups ?? []).map((a) => a.name).join();
        if (asgs !== 'web-dev-asg') problems.push(`the group's ASGs are [${asgs}]`);
        const tags = JSON.stringify(info?.ec2TagSet?.ec2TagSetList ?? []);
        if (tags !== JSON.stringify([[{ Key: 'app', Value: 'web', Type: 'KEY_AND_VALUE' }]]))
          problems.push(`the group's EC2 tag set is ${tags}`);
        const result = observed.result as
          { changed?: unknown; plan?: { group?: { action?: unknown } } } | undefined;
        if (result?.changed !== false || result.plan?.group?.action !== 'none')
          problems.push(
            `the second apply changed ${String(result?.changed)} (group ${String(result?.plan?.group?.action)})`,
          );
        return problems;
      },
    },
  },
];
