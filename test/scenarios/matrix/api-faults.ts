// AWS APIs misbehaving under greenlight: throttling on every operation it calls (30 % by a seeded coin,
// and in bursts the SDK's retries must absorb), 500s, dropped connections and slow answers.
import { V1 } from '../scenario.js';
import { idOf } from './instance-failures.js';
import type { MatrixScenario, MatrixTruth, ScenarioContext } from './matrix-scenario.js';
import {
  allOf,
  applyArgs,
  deployArgs,
  deployment,
  deploymentIds,
  groupFollowsGreen,
  mustSucceed,
  verifyArgs,
} from './moves.js';

/** Every operation greenlight calls on apply, deploy (with its wait) and verify, by signing name. */
export const OPERATIONS = {
  codedeployApply: ['GetApplication', 'CreateApplication', 'GetDeploymentGroup', 'CreateDeploymentGroup'],
  codedeployDeploy: [
    'ListDeployments',
    'CreateDeployment',
    'GetDeployment',
    'ListDeploymentTargets',
    'BatchGetDeploymentTargets',
    'ListTagsForResource',
    'TagResource',
  ],
  autoscaling: ['DescribeAutoScalingGroups'],
  elasticloadbalancing: ['DescribeTargetGroups', 'DescribeTargetHealth'],
  ec2: ['DescribeInstances'],
  monitoring: ['DescribeAlarms'],
} as const;

const THROTTLE_CODE = {
  codedeploy: 'ThrottlingException',
  autoscaling: 'Throttling',
  elasticloadbalancing: 'Throttling',
  ec2: 'RequestLimitExceeded',
  monitoring: 'Throttling',
} as const;

type Service = keyof typeof THROTTLE_CODE;

/** group apply on an empty account, then deploy and verify: the whole path under the faults. */
async function applyThenDeploy(ctx: ScenarioContext): Promise<void> {
  const applied = await ctx.cli(applyArgs);
  if (applied.code !== 0) return;
  await ctx.cli(deployArgs(V1));
}

const verifiedEverywhere: MatrixTruth = {
  exitCode: 0,
  verified: true,
  names: ['verified, 4 of 4 instances'],
  finalState: (observed) => groupFollowsGreen(observed.context.cloud, idOf(observed), 4),
};

/** When a coin keeps landing on the fault, the SDK's attempts run out: exit 3 naming what failed. */
const honestGiveUp = (code: string, why: string) => ({ exitCode: 3, names: [code, 'failed'], why });

const throttled30 = (service: Service): MatrixScenario => ({
  id: `throttle-30pct-${service}`,
  category: 'API throttling',
  groundTruth: `30 % of every ${service} call is throttled (seeded) through apply, deploy and verify; nothing else is wrong`,
  action: 'deploy',
  probabilistic: true,
  applyFirst: false,
  instances: 4,
  versions: allOf(V1),
  faults: [{ scope: 'api', service, operation: '*', effect: 'throttle', probability: 0.3 }],
  act: applyThenDeploy,
  expect: {
    ...verifiedEverywhere,
    tolerated: honestGiveUp(THROTTLE_CODE[service], 'five throttles in a row on one call (0.3^5 per call)'),
  },
});

const burst = (
  id: string,
  service: Service,
  operations: readonly string[],
  count: number,
): MatrixScenario => ({
  id,
  category: 'API throttling',
  groundTruth: `a burst of ${count} throttles on each of ${service} ${operations.join(', ')}; the SDK's retries get past every one`,
  action: 'deploy',
  applyFirst: false,
  instances: 4,
  versions: allOf(V1),
  faults: operations.map((operation) => ({ scope: 'api', service, operation, effect: 'throttle', count })),
  act: applyThenDeploy,
  expect: verifiedEverywhere,
});

export const apiFaults: readonly MatrixScenario[] = [
  throttled30('codedeploy'),
  throttled30('autoscaling'),
  throttled30('elasticloadbalancing'),
  throttled30('ec2'),
  throttled30('monitoring'),
  burst('throttle-burst-codedeploy-apply', 'codedeploy', OPERATIONS.codedeployApply, 2),
  burst('throttle-burst-codedeploy-deploy', 'codedeploy', OPERATIONS.codedeployDeploy, 2),
  burst('throttle-burst-autoscaling', 'autoscaling', OPERATIONS.autoscaling, 3),
  burst('throttle-burst-elbv2', 'elasticloadbalancing', OPERATIONS.elasticloadbalancing, 2),
  burst('throttle-burst-ec2', 'ec2', OPERATIONS.ec2, 3),
  burst('throttle-burst-cloudwatch', 'monitoring', OPERATIONS.monitoring, 3),
  {
    id: 'error500-outlasts-retries-on-create',
    category: 'API 500',
    groundTruth:
      'CreateDeployment answers 500 five times in a row, more than the SDK tries; no deployment is created',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    faults: [
      { scope: 'api', service: 'codedeploy', operation: 'CreateDeployment', effect: 'error500', count: 5 },
    ],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      exitCode: 3,
      names: ['CreateDeployment on web/web-dev failed', 'InternalFailure', 'after 5 attempts'],
      finalState: async (observed) => {
        const ids = await deploymentIds(observed.context.cloud);
        return ids.length === 0 ? [] : [`${ids.length} deployment(s) exist: ${ids.join(', ')}`];
      },
    },
  },
  {
    id: 'error500-bursts-while-waiting',
    category: 'API 500',
    groundTruth:
      'GetDeployment, DescribeTargetHealth and DescribeInstances each answer 500 twice; retries get past',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    faults: [
      { scope: 'api', service: 'codedeploy', operation: 'GetDeployment', effect: 'error500', count: 2 },
      {
        scope: 'api',
        service: 'elasticloadbalancing',
        operation: 'DescribeTargetHealth',
        effect: 'error500',
        count: 2,
      },
      { scope: 'api', service: 'ec2', operation: 'DescribeInstances', effect: 'error500', count: 2 },
    ],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: verifiedEverywhere,
  },
  {
    id: 'error500-30pct-codedeploy',
    category: 'API 500',
    groundTruth:
      '30 % of CodeDeploy calls answer 500 (seeded) through deploy and verify; nothing else is wrong',
    action: 'deploy',
    probabilistic: true,
    instances: 4,
    versions: allOf(V1),
    faults: [{ scope: 'api', service: 'codedeploy', operation: '*', effect: 'error500', probability: 0.3 }],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      ...verifiedEverywhere,
      tolerated: honestGiveUp('InternalFailure', 'five 500s in a row on one call'),
    },
  },
  {
    id: 'connection-resets-absorbed',
    category: 'connection reset',
    groundTruth:
      'the connection drops twice on each verify read (ASG, target health, instances, alarms) and on GetDeployment; retries get past',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    faults: [
      { scope: 'api', service: 'codedeploy', operation: 'GetDeployment', effect: 'reset', count: 2 },
      {
        scope: 'api',
        service: 'autoscaling',
        operation: 'DescribeAutoScalingGroups',
        effect: 'reset',
        count: 2,
      },
      {
        scope: 'api',
        service: 'elasticloadbalancing',
        operation: 'DescribeTargetHealth',
        effect: 'reset',
        count: 2,
      },
      { scope: 'api', service: 'ec2', operation: 'DescribeInstances', effect: 'reset', count: 2 },
      { scope: 'api', service: 'monitoring', operation: 'DescribeAlarms', effect: 'reset', count: 2 },
    ],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: verifiedEverywhere,
  },
  {
    id: 'connection-reset-outlasts-retries',
    category: 'connection reset',
    groundTruth:
      'v1 deployed and every instance good; then the next five DescribeTargetHealth connections drop, more than the SDK’s own five attempts: a read is weather, verify keeps reading within its deadline and reaches the true verdict (giving up with exit 3 only past the deadline, test/aws/patient-read.test.ts)',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1, '--no-verify'));
      await ctx.cloud.fault({
        scope: 'api',
        service: 'elasticloadbalancing',
        operation: 'DescribeTargetHealth',
        effect: 'reset',
        count: 5,
      });
      await ctx.cli(verifyArgs);
    },
    expect: { exitCode: 0, verified: true, names: ['verified, 4 of 4 instances'] },
  },
  {
    id: 'connection-reset-30pct-elbv2',
    category: 'connection reset',
    groundTruth: '30 % of ELBv2 connections drop (seeded) through deploy and verify; nothing else is wrong',
    action: 'deploy',
    probabilistic: true,
    instances: 4,
    versions: allOf(V1),
    faults: [
      { scope: 'api', service: 'elasticloadbalancing', operation: '*', effect: 'reset', probability: 0.3 },
    ],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      ...verifiedEverywhere,
      tolerated: honestGiveUp('ECONNRESET', 'five dropped connections in a row'),
    },
  },
  {
    id: 'slow-apis-everywhere',
    category: 'slow API',
    groundTruth: 'every call to every service takes 40 ms longer; nothing else is wrong',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    faults: (['codedeploy', 'autoscaling', 'elasticloadbalancing', 'ec2', 'monitoring'] as const).map(
      (service) => ({
        scope: 'api',
        service,
        operation: '*',
        effect: 'delay',
        ms: 40,
      }),
    ),
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1));
    },
    expect: verifiedEverywhere,
  },
  {
    id: 'deadline-reached-on-slow-api',
    category: 'deadline',
    groundTruth:
      'GetDeployment answers 400 ms (real time) late and greenlight may wait 300 ms of AWS time, less than any deployment takes: the deadline passes; the deployment itself goes on and succeeds',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    faults: [{ scope: 'api', service: 'codedeploy', operation: 'GetDeployment', effect: 'delay', ms: 400 }],
    act: async (ctx) => {
      await ctx.cli(deployArgs(V1, '--timeout', '300ms'));
    },
    expect: {
      exitCode: 4,
      names: ['re-attach with: greenlight wait d-'],
      finalState: async (observed) => {
        const cloud = observed.context.cloud;
        const id = (await deploymentIds(cloud))[0];
        if (!id) return ['no deployment was created'];
        const status = await cloud.until(
          async () => (await deployment(cloud, id)).status ?? '',
          (s) => ['Succeeded', 'Failed', 'Stopped'].includes(s),
          `${id} to finish`,
        );
        return status === 'Succeeded'
          ? []
          : [`${id} ended ${status}; greenlight's deadline must not stop it`];
      },
    },
  },
];
