// Races and history: ten `group apply` at once, CI jobs deploying at the same time (`--if-busy attach`
// to another revision refused), an older build after a newer one (and after a scale-out made an
// automatic deployment the last attempt), a build number CI cannot give, a broken ApplicationStop
// from the previous revision, rollbacks with and without a last-known-good, deadlines, and `wait`
// stopping a failing deployment.
import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import type { TestCloud } from '../../support/cloud.js';
import { V0, V1, V2, fleetOf } from '../scenario.js';
import { idOf } from './instance-failures.js';
import type { MatrixScenario } from './matrix-scenario.js';
import {
  allOf,
  applyArgs,
  asgInstances,
  deployArgs,
  deployment,
  deploymentIds,
  endedAutomaticDeployments,
  greenAsgOf,
  groupFollowsGreen,
  groupState,
  mustSucceed,
  rollbackArgs,
  startDeploy,
  untilLatest,
  v1ThenV2,
  verifyArgs,
  waitArgs,
} from './moves.js';

/**
 * Grows `asg` by one through Auto Scaling and waits (through the API) until CodeDeploy's automatic
 * deployment to the new instance has ended; returns that deployment's id.
 */
async function scaleOutByOne(cloud: TestCloud, asg: string): Promise<string> {
  const autoscaling = await cloud.aws.autoscaling();
  const size = (await asgInstances(cloud, asg)).length;
  await autoscaling.send(
    new SetDesiredCapacityCommand({ AutoScalingGroupName: asg, DesiredCapacity: size + 1 }),
  );
  const automatic = await cloud.until(
    async () => (await endedAutomaticDeployments(cloud))[0],
    (d) => d !== undefined,
    `the automatic deployment to the new instance of ${asg}`,
  );
  return automatic?.deploymentId ?? '';
}

export const racesAndHistory: readonly MatrixScenario[] = [
  {
    id: 'concurrent-group-apply-x10',
    category: 'concurrency',
    groundTruth:
      'ten CI jobs run `group apply` at once on an empty account: one application, one deployment config and one deployment group come out, as greenlight.yml says',
    action: 'apply',
    applyFirst: false,
    instances: 2,
    env: {
      deploymentConfig: {
        name: 'web-most-healthy',
        minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 },
      },
    },
    act: async (ctx) => {
      await Promise.all(Array.from({ length: 10 }, () => ctx.cli(applyArgs)));
      // The judged outcome: after the race, the plan finds nothing to change.
      await ctx.cli(['group', 'plan', '--env', 'dev']);
    },
    expect: {
      exitCode: 0,
      names: ['deployment group web/web-dev: up to date', 'deployment config web-most-healthy: exists'],
      finalState: async (observed) => {
        const applies = observed.runs.slice(0, 10);
        const problems = applies
          .filter((r) => r.code !== 0)
          .map((r) => `a concurrent apply exited ${r.code}: ${r.stderr.split('\n').slice(-3).join(' ')}`);
        const state = await groupState(observed.context.cloud);
        if (state.autoScalingGroups.join() !== 'web-dev-asg')
          problems.push(`the group follows [${state.autoScalingGroups.join(', ')}]`);
        return problems;
      },
    },
  },
  {
    id: 'concurrent-deploy-same-revision',
    category: 'concurrency',
    groundTruth:
      'three CI jobs deploy v1 at once: one deployment is created, the other jobs follow it, all verify it',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await Promise.all([1, 2, 3].map(() => ctx.cli(deployArgs(V1))));
    },
    expect: {
      exitCode: 0,
      verified: true,
      names: ['verified, 4 of 4 instances'],
      finalState: async (observed) => {
        const problems = observed.runs.filter((r) => r.code !== 0).map((r) => `a job exited ${r.code}`);
        const ids = await deploymentIds(observed.context.cloud);
        if (ids.length !== 1) problems.push(`${ids.length} deployments were created, expected 1`);
        return [...problems, ...(await groupFollowsGreen(observed.context.cloud, ids[0], 4))];
      },
    },
  },
  {
    id: 'concurrent-deploy-different-revisions-if-busy-fail',
    category: 'concurrency',
    groundTruth:
      'two CI jobs deploy v1 and v2 at once with --if-busy fail: exactly one deployment runs and verifies, the other job is refused and names the busy deployment',
    action: 'verify',
    instances: 4,
    act: async (ctx) => {
      await Promise.all([V1, V2].map((rev) => ctx.cli(deployArgs(rev, '--if-busy', 'fail'))));
      await ctx.cli(verifyArgs);
    },
    expect: {
      exitCode: 0,
      verified: true,
      names: ['verified, 4 of 4 instances'],
      finalState: async (observed) => {
        const [a, b] = observed.runs;
        const codes = [a?.code, b?.code].sort().join(',');
        const problems = codes === '0,1' ? [] : [`the two jobs exited ${codes}, expected one 0 and one 1`];
        const refused = [a, b].find((r) => r?.code === 1);
        if (refused && !refused.stderr.includes('is busy with'))
          problems.push(`the refused job does not say the group is busy:\n${refused.stderr}`);
        const ids = await deploymentIds(observed.context.cloud);
        if (ids.length !== 1) problems.push(`${ids.length} deployments exist, expected 1`);
        return problems;
      },
    },
  },
  {
    id: 'concurrent-deploy-different-revisions-if-busy-wait',
    category: 'concurrency',
    groundTruth:
      'two CI jobs deploy v1 and v2 at once (default --if-busy wait): the second waits for the first, then deploys; the group ends on the later one',
    action: 'verify',
    instances: 4,
    act: async (ctx) => {
      await Promise.all([V1, V2].map((rev) => ctx.cli(deployArgs(rev, '--no-verify'))));
      await ctx.cli(verifyArgs);
    },
    expect: {
      exitCode: 0,
      verified: true,
      names: ['verified, 4 of 4 instances'],
      finalState: async (observed) => {
        const problems = observed.runs
          .slice(0, 2)
          .filter((r) => r.code !== 0)
          .map((r) => `a job exited ${r.code}`);
        const ids = await deploymentIds(observed.context.cloud);
        if (ids.length !== 2) problems.push(`${ids.length} deployments exist, expected 2`);
        const state = await groupState(observed.context.cloud);
        if (state.lastSuccessful !== ids[0])
          problems.push(
            `the last successful deployment is ${state.lastSuccessful ?? 'none'}, expected ${ids[0] ?? '?'}`,
          );
        return [...problems, ...(await groupFollowsGreen(observed.context.cloud, ids[0], 4))];
      },
    },
  },
  {
    id: 'older-build-after-newer',
    category: 'history',
    groundTruth: 'build 12 deployed v2; then build 11 (v1) arrives late: it must not replace the newer build',
    action: 'deploy',
    instances: 4,
    versions: (n) => (n > 4 ? V2 : undefined),
    act: async (ctx) => {
      ctx.facts.v2 = await mustSucceed(ctx, deployArgs(V2), { CIRCLE_BUILD_NUM: '12' });
      await ctx.cli(deployArgs(V1), { CIRCLE_BUILD_NUM: '11' });
    },
    expect: {
      exitCode: 1,
      names: ['refusing to deploy build 11', 'last deployed build 12', '--force'],
      finalState: async (observed) => {
        const ids = await deploymentIds(observed.context.cloud);
        const problems = ids.length === 1 ? [] : [`${ids.length} deployments exist, expected 1`];
        return [
          ...problems,
          ...(await groupFollowsGreen(observed.context.cloud, observed.context.facts.v2, 4)),
        ];
      },
    },
  },
  {
    id: 'older-build-after-scale-out',
    category: 'history',
    groundTruth:
      "build 12 deployed v2 and verified; the green ASG then grew by one and CodeDeploy's automatic deployment (creator autoscaling, no build number) became the group's last attempt; build 11 (v1) arrives late: it must not replace build 12",
    action: 'deploy',
    instances: 4,
    versions: (n) => (n > 4 ? V2 : undefined),
    act: async (ctx) => {
      ctx.facts.v2 = await mustSucceed(ctx, deployArgs(V2), { CIRCLE_BUILD_NUM: '12' });
      ctx.facts.automatic = await scaleOutByOne(ctx.cloud, greenAsgOf(ctx.facts.v2));
      await ctx.cli(deployArgs(V1), { CIRCLE_BUILD_NUM: '11' });
    },
    expect: {
      exitCode: 1,
      names: ['refusing to deploy build 11', 'last deployed build 12', V2, '--force'],
      finalState: async (observed) => {
        const { cloud, facts } = observed.context;
        const problems: string[] = [];
        if (!observed.last.stderr.includes(`${V2}, ${facts.v2 ?? '?'}`))
          problems.push(`the refusal does not name build 12's deployment ${facts.v2 ?? '?'}`);
        const state = await groupState(cloud);
        if (state.lastAttempted !== facts.automatic)
          problems.push(
            `the last attempt is ${state.lastAttempted ?? 'none'}, not the automatic ${facts.automatic ?? '?'}: the scenario did not set up its history`,
          );
        const revisions = await Promise.all(
          (await deploymentIds(cloud)).map(
            async (id) => (await deployment(cloud, id)).revision?.gitHubLocation?.commitId,
          ),
        );
        if (revisions.includes(V1)) problems.push(`a deployment of the older build's ${V1} was created`);
        return problems;
      },
    },
  },
  {
    id: 'build-number-unreadable-in-ci',
    category: 'history',
    groundTruth:
      'CI=true with CIRCLE_BUILD_NUM=abc: greenlight cannot order the build, says so (the variable, its value, the skipped check) and deploys v1, which verifies',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1), { CIRCLE_BUILD_NUM: 'abc' });
    },
    expect: {
      exitCode: 0,
      verified: true,
      names: [
        'CIRCLE_BUILD_NUM is "abc", not a build number: the build-order check is skipped',
        'verified, 4 of 4 instances',
      ],
      finalState: (observed) => groupFollowsGreen(observed.context.cloud, idOf(observed), 4),
    },
  },
  {
    id: 'if-busy-attach-other-revision',
    category: 'concurrency',
    groundTruth:
      "v1 waits in Ready (STOP_DEPLOYMENT); a CI job deploys v2 with --if-busy attach: following v1's deployment would report v1's outcome as v2's, so it is refused, naming v1's deployment and --if-busy wait, and v1's deployment is left as it was",
    action: 'deploy',
    instances: 4,
    env: {
      blueGreen: {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        // Two days of the local cloud's time: v1 is still waiting whenever the v2 job looks.
        ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 2880 },
        terminateBlue: { action: 'TERMINATE', waitMinutes: 5 },
      },
    },
    act: async (ctx) => {
      const v1 = await startDeploy(ctx, V1);
      ctx.facts.v1 = v1;
      await untilLatest(
        ctx.cloud,
        (d) => d.deploymentId === v1 && d.status === 'Ready',
        'v1 to wait in Ready',
      );
      await ctx.cli(deployArgs(V2, '--if-busy', 'attach'));
    },
    expect: {
      exitCode: 1,
      names: [
        `is busy with d-`,
        `(${V1}, Ready), not ${V2}`,
        '--if-busy attach follows only a deployment of the same revision',
        '--if-busy wait',
      ],
      finalState: async (observed) => {
        const { cloud, facts } = observed.context;
        const problems: string[] = [];
        if (!observed.last.stderr.includes(`is busy with ${facts.v1 ?? '?'}`))
          problems.push(`the refusal does not name v1's deployment ${facts.v1 ?? '?'}`);
        const ids = await deploymentIds(cloud);
        if (ids.join() !== facts.v1) problems.push(`deployments [${ids.join(', ')}], expected only v1's`);
        const status = (await deployment(cloud, facts.v1 ?? '')).status;
        if (status !== 'Ready') problems.push(`v1's deployment is ${status ?? '?'}, expected still Ready`);
        return problems;
      },
    },
  },
  {
    id: 'older-build-forced',
    category: 'history',
    groundTruth: 'build 12 deployed v2; build 11 (v1) is deployed on purpose with --force and verifies',
    action: 'deploy',
    instances: 4,
    versions: (n) => (fleetOf(n, 4) === 1 ? V2 : fleetOf(n, 4) === 2 ? V1 : undefined),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V2), { CIRCLE_BUILD_NUM: '12' });
      await ctx.cli(deployArgs(V1, '--force'), { CIRCLE_BUILD_NUM: '11' });
    },
    expect: {
      exitCode: 0,
      verified: true,
      names: ['verified, 4 of 4 instances'],
      finalState: (observed) => groupFollowsGreen(observed.context.cloud, idOf(observed), 4),
    },
  },
  {
    id: 'previous-ApplicationStop-fails',
    category: 'history',
    groundTruth:
      "v1 verified; v2's first green instance (launch 9) fails hooks/application-stop.sh, the stop script the previous revision left",
    action: 'deploy',
    instances: 4,
    versions: v1ThenV2,
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await ctx.cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 0,
        event: 'ApplicationStop',
        effect: 'fail',
        exitCode: 1,
      });
      await ctx.cli(deployArgs(V2));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:9', 'ApplicationStop', 'hooks/application-stop.sh', 'ScriptFailed'],
    },
  },
  {
    id: 'previous-ApplicationStop-fails-ignored',
    category: 'history',
    groundTruth:
      "v1 verified; v2's first green instance (launch 9) fails the previous revision's hooks/application-stop.sh; ignoreApplicationStopFailures lets it install v2 and CodeDeploy counts it Succeeded, but a stop script that failed may have left the old app running, so greenlight does not verify it (strict by design) and names the ignored failure",
    action: 'deploy',
    instances: 4,
    env: { ignoreApplicationStopFailures: true },
    versions: v1ThenV2,
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await ctx.cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 0,
        event: 'ApplicationStop',
        effect: 'fail',
        exitCode: 1,
      });
      await ctx.cli(deployArgs(V2));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:9', 'ApplicationStop Failed', 'hooks/application-stop.sh', 'CodeDeploy: Succeeded'],
      finalState: (observed) => groupFollowsGreen(observed.context.cloud, idOf(observed), 4),
    },
  },
  {
    id: 'rollback-no-last-known-good-after-failure',
    category: 'rollback',
    groundTruth:
      'v1 was deployed but never verified (launch 6 serves v0); there is no revision greenlight may roll back to, so it deploys nothing',
    action: 'rollback',
    instances: 4,
    versions: (n) => (n === 6 ? V0 : n > 4 ? V1 : undefined),
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
      await ctx.cli(rollbackArgs);
    },
    expect: {
      exitCode: 1,
      names: ['has no last-known-good revision', '--to SHA'],
      finalState: async (observed) => {
        const ids = await deploymentIds(observed.context.cloud);
        return ids.length === 1 ? [] : [`${ids.length} deployments exist, expected 1`];
      },
    },
  },
  {
    id: 'rollback-to-named-revision-without-last-known-good',
    category: 'rollback',
    groundTruth:
      'v1 never verified (launch 6 serves v0); `rollback --to v0` deploys v0 everywhere, which verifies',
    action: 'rollback',
    instances: 4,
    versions: (n) => (n === 6 || fleetOf(n, 4) === 2 ? V0 : n > 4 ? V1 : undefined),
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
      await ctx.cli([...rollbackArgs, '--to', V0]);
    },
    expect: { exitCode: 5, verified: true, names: [`rolled back to ${V0}`, 'verified'] },
  },
  {
    id: 'rollback-stops-active-deployment',
    category: 'rollback',
    groundTruth:
      'v1 verified; v2 is running when `greenlight rollback` is called: it stops v2 with rollback, and v1 verifies again',
    action: 'rollback',
    instances: 4,
    env: {
      blueGreen: {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 60 },
        terminateBlue: { action: 'TERMINATE', waitMinutes: 5 },
      },
    },
    versions: v1ThenV2,
    act: async (ctx) => {
      ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1, '--continue'));
      const v2 = await startDeploy(ctx, V2);
      await untilLatest(
        ctx.cloud,
        (d) => d.deploymentId === v2 && d.status === 'Ready',
        'v2 to wait in Ready',
      );
      await ctx.cli(rollbackArgs);
    },
    expect: {
      exitCode: 5,
      verified: true,
      names: ['stop', `rolled back to ${V1}`],
      finalState: (observed) => groupFollowsGreen(observed.context.cloud, observed.context.facts.v1, 4),
    },
  },
  {
    id: 'deadline-while-ready',
    category: 'deadline',
    groundTruth:
      'v1 waits in Ready for someone to continue it (STOP_DEPLOYMENT, 60 minutes); `greenlight wait --timeout 30m` reaches its deadline first',
    action: 'wait',
    instances: 4,
    env: {
      blueGreen: {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 60 },
        terminateBlue: { action: 'TERMINATE', waitMinutes: 5 },
      },
    },
    versions: allOf(V1),
    act: async (ctx) => {
      const id = await startDeploy(ctx, V1);
      await ctx.cli(waitArgs(id, '--timeout', '30m'));
    },
    expect: { exitCode: 4, names: ['is still Ready', 're-attach with: greenlight wait d-'] },
  },
  {
    id: 'wait-stops-failing-deployment',
    category: 'rollback',
    groundTruth:
      'v1 verified; v2 fails AfterInstall on launch 9 while launch 10 hangs in ValidateService (CodeDeploy would wait an hour); `greenlight wait --rollback-on-failure` stops v2 at once and CodeDeploy rolls back to v1',
    action: 'wait',
    instances: 4,
    versions: v1ThenV2,
    act: async (ctx) => {
      ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1));
      await ctx.cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 0,
        event: 'AfterInstall',
        effect: 'fail',
        exitCode: 4,
      });
      await ctx.cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 1,
        event: 'ValidateService',
        effect: 'hang',
      });
      const id = await startDeploy(ctx, V2);
      await ctx.cli(waitArgs(id, '--rollback-on-failure'));
    },
    expect: {
      exitCode: 1,
      names: [
        'launch:9',
        'AfterInstall',
        'hooks/after-install.sh',
        'with rollback',
        'CodeDeploy is rolling back in d-',
      ],
      finalState: (observed) => groupFollowsGreen(observed.context.cloud, observed.context.facts.v1, 4),
    },
  },
];
