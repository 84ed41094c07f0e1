// Instances that fail: a script failing at every lifecycle event that runs one (green and blue), scripts
// that time out or hang, an agent that is down, an instance terminated in the middle of its events.
import type { Observed } from '../runner.js';
import { V1, V2 } from '../scenario.js';
import type { MatrixScenario } from './matrix-scenario.js';
import {
  allOf,
  deployArgs,
  groupFollowsGreen,
  mustSucceed,
  startDeploy,
  v1ThenV2,
  waitArgs,
} from './moves.js';

export const idOf = (observed: Observed): string | undefined =>
  (observed.result as { deploymentId?: string } | undefined)?.deploymentId;

/** Where the synthetic agent keeps an event's script (packages/localcloud/src/codedeploy/synthetic-agent.ts). */
const scriptOf = (event: string) =>
  `hooks/${event.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? '' : '-') + c.toLowerCase())}.sh`;

const greenFailure = (event: string, index: number, exitCode: number): MatrixScenario => ({
  id: `green-${event}-fails`,
  category: 'instance failure',
  groundTruth: `the green instance at index ${index} (launch ${5 + index}) fails ${scriptOf(event)} with exit ${exitCode}; CodeDeploy's AllAtOnce may still say Succeeded`,
  action: 'deploy',
  instances: 4,
  versions: allOf(V1),
  faults: [
    { scope: 'instance', deploymentGroup: 'web-dev', fleet: 'green', index, event, effect: 'fail', exitCode },
  ],
  act: async (ctx) => {
    await ctx.cli(deployArgs(V1));
  },
  expect: {
    exitCode: 1,
    verified: false,
    failing: ['lifecycle-events'],
    names: [`launch:${5 + index}`, event, scriptOf(event), 'ScriptFailed', `exit code ${exitCode}`],
    finalState: (observed) => groupFollowsGreen(observed.context.cloud, idOf(observed), 4),
  },
});

const blueFailure = (event: string, index: number, ignoreStopFailures: boolean): MatrixScenario => ({
  id: `blue-${event}-fails${ignoreStopFailures ? '-ignored' : ''}`,
  category: 'instance failure',
  groundTruth: ignoreStopFailures
    ? `v1 verified; while v2 moves traffic, the blue instance at index ${index} (launch ${5 + index}) fails ${scriptOf(event)}; ignoreApplicationStopFailures lets it carry on, so every green instance runs v2`
    : `v1 verified; while v2 moves traffic, the blue instance at index ${index} (launch ${5 + index}) fails ${scriptOf(event)}; CodeDeploy fails v2 and rolls back to v1, which verifies`,
  action: 'deploy',
  instances: 4,
  env: { ignoreApplicationStopFailures: ignoreStopFailures },
  versions: v1ThenV2,
  act: async (ctx) => {
    ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1));
    await ctx.cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'blue',
      index,
      event,
      effect: 'fail',
      exitCode: 2,
    });
    await ctx.cli(deployArgs(V2));
  },
  expect: ignoreStopFailures
    ? {
        exitCode: 0,
        verified: true,
        names: ['verified, 4 of 4 instances'],
        finalState: (observed) => groupFollowsGreen(observed.context.cloud, idOf(observed), 4),
      }
    : {
        exitCode: 5,
        verified: false,
        failing: ['deployment-status'],
        names: [`launch:${5 + index}`, event, scriptOf(event), 'greenlight: verified, 4 of 4 instances'],
        finalState: (observed) => groupFollowsGreen(observed.context.cloud, observed.context.facts.v1, 4),
      },
});

export const instanceFailures: readonly MatrixScenario[] = [
  greenFailure('ApplicationStop', 0, 2),
  greenFailure('BeforeInstall', 1, 3),
  greenFailure('ApplicationStart', 2, 4),
  greenFailure('ValidateService', 3, 5),
  greenFailure('BeforeAllowTraffic', 0, 6),
  greenFailure('AfterAllowTraffic', 1, 7),
  blueFailure('BeforeBlockTraffic', 0, false),
  blueFailure('AfterBlockTraffic', 1, false),
  blueFailure('AfterBlockTraffic', 2, true),
  {
    id: 'green-AllowTraffic-fails',
    category: 'instance failure',
    groundTruth:
      'CodeDeploy cannot register the third green instance (launch 7) in the target group: AllowTraffic fails, a reserved event with no script',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    faults: [
      {
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 2,
        event: 'AllowTraffic',
        effect: 'fail',
      },
    ],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events', 'target-health'],
      names: ['launch:7', 'AllowTraffic', 'UnknownError'],
    },
  },
  {
    id: 'AfterInstall-timeout-wait',
    category: 'timeout',
    groundTruth:
      'hooks/after-install.sh on the first green instance (launch 5) runs past its timeout; `greenlight wait` reports it',
    action: 'wait',
    instances: 4,
    versions: allOf(V1),
    faults: [
      {
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 0,
        event: 'AfterInstall',
        effect: 'timeout',
      },
    ],
    act: async (ctx) => {
      const id = await startDeploy(ctx, V1);
      await ctx.cli(waitArgs(id));
    },
    expect: { exitCode: 1, names: ['launch:5', 'AfterInstall', 'hooks/after-install.sh', 'ScriptTimedOut'] },
  },
  {
    id: 'BeforeInstall-hangs',
    category: 'timeout',
    groundTruth:
      'BeforeInstall on the second green instance (launch 6) never finishes; CodeDeploy fails the event at its one-hour limit',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    faults: [
      {
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 1,
        event: 'BeforeInstall',
        effect: 'hang',
      },
    ],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:6', 'BeforeInstall', 'did not complete'],
    },
  },
  {
    id: 'agent-down-every-green',
    category: 'agent down',
    groundTruth:
      'no green instance has a running agent: no host succeeds, CodeDeploy fails the deployment; the original fleet keeps the traffic',
    action: 'deploy',
    instances: 2,
    versions: (n) => (n > 2 ? V1 : undefined),
    faults: [0, 1].map((index) => ({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index,
      effect: 'agent-down',
    })),
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['deployment-status', 'lifecycle-events'],
      names: ['launch:3', 'launch:4', 'ApplicationStop', 'UnknownError'],
    },
  },
  {
    id: 'agent-down-blue',
    category: 'agent down',
    groundTruth:
      'v1 verified; during v2 the agent of the first blue instance (launch 5) is down, so it cannot leave the load balancer cleanly: CodeDeploy fails v2 and rolls back to v1, which verifies',
    action: 'deploy',
    instances: 4,
    versions: v1ThenV2,
    act: async (ctx) => {
      ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1));
      await ctx.cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'blue',
        index: 0,
        effect: 'agent-down',
      });
      await ctx.cli(deployArgs(V2));
    },
    expect: {
      exitCode: 5,
      verified: false,
      failing: ['deployment-status'],
      names: ['launch:5', 'BeforeBlockTraffic', 'UnknownError', 'greenlight: verified, 4 of 4 instances'],
      finalState: (observed) => groupFollowsGreen(observed.context.cloud, observed.context.facts.v1, 4),
    },
  },
  {
    id: 'green-terminated-mid-install',
    category: 'terminated',
    groundTruth:
      'the second green instance (launch 6) is terminated while it runs Install; the green ASG launches a replacement',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    faults: [
      {
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 1,
        event: 'Install',
        effect: 'terminate',
      },
    ],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:6', 'Install'],
    },
  },
];
