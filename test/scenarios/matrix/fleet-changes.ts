// The fleet changes under greenlight: scale-out and scale-in after a deployment (a scale-out during one
// is the verifier's scenario in ../scenario.ts; a scale-in during the termination wait is left out: its
// outcome depends on which instance the ASG picks and when), targets
// that turn unhealthy, a blue instance that takes traffic again, alarms before, during and after.
import { SetDesiredCapacityCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TestCloud } from '../../support/cloud.js';
import { V1, V2, healthOf, instanceAt, type ScenarioContext } from '../scenario.js';
import type { MatrixScenario } from './matrix-scenario.js';
import {
  allOf,
  asgInstances,
  automaticDeploymentsEnded,
  deployArgs,
  greenAsgOf,
  groupFollowsGreen,
  groupStillOn,
  mustSucceed,
  setAlarm,
  targetGroupArn,
  untilLatest,
  v1ThenV2Onward,
  verifyArgs,
} from './moves.js';

async function resize(cloud: TestCloud, asg: string, desired: number): Promise<void> {
  const autoscaling = await cloud.aws.autoscaling();
  await autoscaling.send(
    new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName: asg,
      MinSize: Math.min(desired, 1),
      DesiredCapacity: desired,
    }),
  );
  await cloud.until(
    async () => (await asgInstances(cloud, asg)).filter((i) => i.state === 'InService').length,
    (n) => n === desired,
    `${asg} to reach ${desired} InService`,
  );
}

/** web-dev-5xx in ALARM, then a deployment of V1 (with `extra` flags). */
async function deployUnderAlarm(ctx: ScenarioContext, ...extra: string[]): Promise<void> {
  await setAlarm(ctx.cloud, 'web-dev-5xx', 'ALARM', '5xx above 1% before the deploy');
  await ctx.cli(deployArgs(V1, ...extra));
}

export const fleetChanges: readonly MatrixScenario[] = [
  {
    id: 'scale-out-after-deployed',
    category: 'scale-out',
    groundTruth:
      'v1 verified; the green ASG then grows to 5 and CodeDeploy deploys v1 to the new instance (launch 9) automatically, but the copy CodeDeploy made of the ASG has no target group (the local cloud does not copy them), so launch 9 takes no traffic',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      const id = await mustSucceed(ctx, deployArgs(V1));
      await resize(ctx.cloud, greenAsgOf(id), 5);
      await automaticDeploymentsEnded(ctx.cloud, 1);
      await ctx.cli(['verify', id, '--json']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['target-health'],
      names: ['launch:9', 'is not registered in web-dev-tg'],
    },
  },
  {
    id: 'scale-out-after-undeployed',
    category: 'scale-out',
    groundTruth:
      'v1 verified; the green ASG grows to 5 and the automatic deployment to the new instance fails hooks/after-install.sh (the ASG abandons it and launches another, which fails the same way)',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      const id = await mustSucceed(ctx, deployArgs(V1));
      await ctx.cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        event: 'AfterInstall',
        effect: 'fail',
        exitCode: 9,
      });
      const autoscaling = await ctx.cloud.aws.autoscaling();
      await autoscaling.send(
        new SetDesiredCapacityCommand({ AutoScalingGroupName: greenAsgOf(id), DesiredCapacity: 5 }),
      );
      await automaticDeploymentsEnded(ctx.cloud, 1);
      await ctx.cli(['verify', id, '--json']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      // When verify looks, the ASG has abandoned the failed instance and not yet launched its
      // replacement (the cloud's clock stands still while greenlight reads): the group wants 5 and
      // has 4, all deployed. The counts are what says so; "undeployed" alone would also match a
      // passing rule's summary ("no blue or undeployed instance …").
      failing: ['capacity'],
      names: ['desired 5, InService 4, deployed 4 — they must be equal'],
    },
  },
  {
    id: 'scale-in-after',
    category: 'scale-in',
    groundTruth:
      'v1 deployed; then the green ASG shrinks to 2: the two left run v1, two deployed instances are gone (strict, as above)',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      const id = await mustSucceed(ctx, deployArgs(V1, '--no-verify'));
      await resize(ctx.cloud, greenAsgOf(id), 2);
      await ctx.cli(verifyArgs);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['capacity'],
      names: ['is gone', 'CodeDeploy: Succeeded'],
    },
  },
  {
    id: 'unhealthy-during-deployment',
    category: 'unhealthy target',
    groundTruth:
      'the app on the second green instance (launch 6) never passes its health check, so AllowTraffic cannot finish on it',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      const running = ctx.cli(deployArgs(V1));
      const id = await ctx.cloud.until(
        () => instanceAt(ctx.cloud, 6).catch(() => ''),
        (x) => x !== '',
        'launch 6',
      );
      ctx.cloud.lc.cloud.region('us-east-1').elbv2.setAppHealthy(id, false);
      await running;
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events', 'target-health'],
      names: ['launch:6', 'AllowTraffic'],
    },
  },
  {
    id: 'two-unhealthy-after',
    category: 'unhealthy target',
    groundTruth: 'v1 deployed; then the apps on launches 5 and 8 fail their health checks',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1, '--no-verify'));
      const elbv2 = ctx.cloud.lc.cloud.region('us-east-1').elbv2;
      for (const n of [5, 8]) {
        const id = await instanceAt(ctx.cloud, n);
        elbv2.setAppHealthy(id, false);
        await ctx.cloud.until(
          () => healthOf(ctx.cloud, id),
          (s) => s === 'unhealthy',
          `launch ${n} to turn unhealthy`,
        );
      }
      await ctx.cli(verifyArgs);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['target-health'],
      names: ['launch:5', 'launch:8', 'unhealthy'],
    },
  },
  {
    id: 'blue-registered-other-port',
    category: 'blue still registered',
    groundTruth:
      'v1 verified, v2 deployed with blue kept alive; then the first blue instance (launch 5, v1) is registered back on port 8001',
    action: 'verify',
    instances: 4,
    env: {
      blueGreen: {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        ready: { action: 'CONTINUE_DEPLOYMENT' },
        terminateBlue: { action: 'KEEP_ALIVE' },
      },
    },
    versions: v1ThenV2Onward,
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await mustSucceed(ctx, deployArgs(V2, '--no-verify'));
      const elbv2 = await ctx.cloud.aws.elbv2();
      await elbv2.send(
        new RegisterTargetsCommand({
          TargetGroupArn: await targetGroupArn(ctx.cloud),
          Targets: [{ Id: await instanceAt(ctx.cloud, 5), Port: 8001 }],
        }),
      );
      await ctx.cli(verifyArgs);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['blue-deregistered'],
      names: ['launch:5', 'still registered'],
    },
  },
  {
    id: 'alarm-before',
    category: 'alarm',
    groundTruth:
      "web-dev-5xx is in ALARM before the deployment starts: deploy's preflight refuses it, no deployment is created",
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    act: (ctx) => deployUnderAlarm(ctx),
    expect: {
      exitCode: 1,
      names: ['already in ALARM: web-dev-5xx', 'no deployment was created'],
      finalState: (observed) => groupStillOn(observed.context.cloud, 'web-dev-asg'),
    },
  },
  {
    id: 'alarm-before-skip-preflight',
    category: 'alarm',
    groundTruth:
      'web-dev-5xx is in ALARM before the deployment starts, and deploy --skip-preflight: CodeDeploy stops it at once, nothing is replaced',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    act: (ctx) => deployUnderAlarm(ctx, '--skip-preflight'),
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['deployment-status', 'alarms'],
      names: ['web-dev-5xx', 'ALARM_ACTIVE'],
      finalState: (observed) => groupStillOn(observed.context.cloud, 'web-dev-asg'),
    },
  },
  {
    id: 'alarm-during',
    category: 'alarm',
    groundTruth:
      'v1 verified; web-dev-5xx fires while v2 installs: CodeDeploy stops v2 and rolls back to v1, but the alarm still fires, so nothing verifies',
    action: 'deploy',
    instances: 4,
    env: { autoRollback: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
    versions: v1ThenV2Onward,
    act: async (ctx) => {
      ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1));
      const running = ctx.cli(deployArgs(V2));
      await untilLatest(
        ctx.cloud,
        (d) =>
          d.status === 'InProgress' &&
          d.deploymentId !== ctx.facts.v1 &&
          (d.deploymentOverview?.InProgress ?? 0) > 0,
        'v2 to install',
      );
      await setAlarm(ctx.cloud, 'web-dev-5xx', 'ALARM', '5xx above 1% during the deploy');
      await running;
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['deployment-status', 'alarms'],
      names: ['web-dev-5xx', 'ALARM_ACTIVE'],
      finalState: (observed) => groupFollowsGreen(observed.context.cloud, observed.context.facts.v1, 4),
    },
  },
  {
    id: 'unrelated-alarm-after',
    category: 'alarm',
    groundTruth:
      'v1 deployed; then web-dev-latency, an alarm this environment does not watch, fires: every instance still runs v1 and web-dev-5xx is OK',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1, '--no-verify'));
      await setAlarm(ctx.cloud, 'web-dev-latency', 'ALARM', 'p99 above 2 s');
      await ctx.cli(verifyArgs);
    },
    expect: { exitCode: 0, verified: true, names: ['verified, 4 of 4 instances'] },
  },
  {
    id: 'alarm-after-then-ok',
    category: 'alarm',
    groundTruth: 'v1 deployed; web-dev-5xx fires and recovers before verify: nothing is wrong any more',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1, '--no-verify'));
      await setAlarm(ctx.cloud, 'web-dev-5xx', 'ALARM', 'a spike');
      await setAlarm(ctx.cloud, 'web-dev-5xx', 'OK', 'recovered');
      await ctx.cli(verifyArgs);
    },
    expect: { exitCode: 0, verified: true, names: ['verified, 4 of 4 instances'] },
  },
];
