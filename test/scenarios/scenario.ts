// A verifier scenario is data: the world (fleet size), greenlight.yml changes, what each launched
// instance serves, the action (greenlight commands plus moves through the real AWS APIs at the right
// moment), and the ground truth the runner checks: exit code, verdict, failing rules, and what the
// message must name. Issue 10 grows this matrix; the runner stays the same.
import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { WorldInput } from '@greenlight/localcloud';
import type { RuleName } from '../../src/verify/rules.js';
import type { TestCloud } from '../support/cloud.js';

/**
 * What the n-th launched instance's health endpoint answers. `installed` is the revision the local
 * cloud last installed on it (undefined before its first install): in place the same instance changes
 * version, so an in-place scenario's app answers that.
 */
export type VersionPlan = (launchIndex: number, installed: string | undefined) => string | undefined;

export interface ScenarioContext {
  readonly cloud: TestCloud;
  readonly dir: string;
  /** Ids the action learned (deployment ids), for the checks. */
  readonly facts: Record<string, string>;
  /** Runs greenlight with these arguments (and extra environment variables, e.g. CIRCLE_BUILD_NUM). */
  cli(
    args: string[],
    env?: Record<string, string>,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
}

export interface GroundTruth {
  readonly exitCode: number;
  readonly verified: boolean;
  /** CodeDeploy's own status of the deployment that was judged (any of these). */
  readonly codedeployStatus?: string | readonly string[];
  /** The rules that must fail; every other rule must not, unless `othersMayFail`. */
  readonly failing: readonly RuleName[];
  /** A deployment that was stopped and rolled back fails more rules than the one that caused it. */
  readonly othersMayFail?: boolean;
  /** Exit 5: the rollback deployment's revision, which must have verified. */
  readonly rolledBackTo?: string;
  /** What stderr must name: `launch:N` is the N-th launched instance's id, anything else literal text. */
  readonly names: readonly string[];
}

export interface Scenario {
  readonly name: string;
  /** What really happened, in words. */
  readonly groundTruth: string;
  readonly instances: number;
  /** The world to load instead of the dev world of `instances` (e.g. tagged fleets, no target group). */
  readonly world?: WorldInput;
  /** greenlight.yml's `dev` changes; a key set to undefined is left out (YAML omits it). */
  readonly env?: Record<string, unknown>;
  readonly versions?: VersionPlan;
  readonly faults?: readonly Record<string, unknown>[];
  /** `greenlight group apply` before the faults and the action (default true). */
  readonly applyFirst?: boolean;
  act(ctx: ScenarioContext): Promise<void>;
  readonly expect: GroundTruth;
}

/** What the runner needs of a scenario: everything but its ground truth (the fault matrix has its own). */
export type ScenarioSetup = Omit<Scenario, 'expect' | 'groundTruth'> & {
  readonly groundTruth?: string;
  readonly expect?: unknown;
};

export const V0 = '0'.repeat(40);
export const V1 = 'a1'.repeat(20);
export const V2 = 'b2'.repeat(20);

/** Which fleet the n-th launched instance belongs to when every fleet has `size` instances (0: the world's). */
export const fleetOf = (n: number, size: number) => Math.floor((n - 1) / size);

const deploy = (revision: string, ...extra: string[]) => [
  'deploy',
  '--env',
  'dev',
  '--revision',
  revision,
  '--poll',
  '15s',
  '--json',
  ...extra,
];
const verify = ['verify', '--env', 'dev', '--json', '--junit', 'verify.xml', '--markdown', 'verify.md'];

async function mustSucceed(ctx: ScenarioContext, args: string[]): Promise<string> {
  const r = await ctx.cli(args);
  if (r.code !== 0) throw new Error(`setup step ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { result: { deploymentId: string } }).result.deploymentId;
}

export async function instanceAt(cloud: TestCloud, launchIndex: number): Promise<string> {
  const ec2 = await cloud.aws.ec2();
  const out = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [{ Name: 'private-ip-address', Values: [`127.0.1.${launchIndex}`] }],
    }),
  );
  const id = out.Reservations?.[0]?.Instances?.[0]?.InstanceId;
  if (!id) throw new Error(`no instance was launched as number ${launchIndex}`);
  return id;
}

async function targetGroupArn(cloud: TestCloud): Promise<string> {
  const elbv2 = await cloud.aws.elbv2();
  const out = await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web-dev-tg'] }));
  return out.TargetGroups?.[0]?.TargetGroupArn ?? '';
}

export async function healthOf(cloud: TestCloud, instanceId: string): Promise<string> {
  const elbv2 = await cloud.aws.elbv2();
  const out = await elbv2.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: await targetGroupArn(cloud) }),
  );
  return (
    out.TargetHealthDescriptions?.find((t) => t.Target?.Id === instanceId)?.TargetHealth?.State ?? 'unused'
  );
}

/** The Ready scenario's proof: every blue instance stays registered the whole time. */
export function watchRegistration(cloud: TestCloud, ids: readonly string[]): { stop(): Promise<string[]> } {
  const seenMissing = new Set<string>();
  let running = true;
  const loop = (async () => {
    const elbv2 = await cloud.aws.elbv2();
    const arn = await targetGroupArn(cloud);
    while (running) {
      const out = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      const registered = new Map(
        (out.TargetHealthDescriptions ?? []).map((t) => [t.Target?.Id, t.TargetHealth?.State]),
      );
      for (const id of ids) if (registered.get(id) !== 'healthy') seenMissing.add(id);
      // A look every AWS second, on the cloud's clock: the same looks however busy the machine is.
      await cloud.clock.sleep(1_000);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...seenMissing];
    },
  };
}

const allOf = (version: string) => (n: number) => (n > 4 ? version : undefined);

export const scenarios: readonly Scenario[] = [
  {
    name: 'all good, 4 instances',
    groundTruth: 'every green instance installed v1, is healthy and serves v1',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await ctx.cli(deploy(V1));
    },
    expect: {
      exitCode: 0,
      verified: true,
      codedeployStatus: 'Succeeded',
      failing: [],
      names: ['verified, 4 of 4 instances'],
    },
  },
  {
    name: 'all good, 50 instances',
    groundTruth: 'every one of 50 green instances installed v1, is healthy and serves v1',
    instances: 50,
    versions: (n) => (n > 50 ? V1 : undefined),
    act: async (ctx) => {
      await ctx.cli(deploy(V1));
    },
    expect: {
      exitCode: 0,
      verified: true,
      codedeployStatus: 'Succeeded',
      failing: [],
      names: ['verified, 50 of 50 instances'],
    },
  },
  {
    name: 'one instance fails AfterInstall under AllAtOnce',
    groundTruth:
      'the first green instance (launch 5) fails hooks/after-install.sh with exit 3; CodeDeploy still says Succeeded',
    instances: 4,
    faults: [
      {
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 0,
        event: 'AfterInstall',
        effect: 'fail',
        exitCode: 3,
      },
    ],
    act: async (ctx) => {
      await ctx.cli(deploy(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      codedeployStatus: 'Succeeded',
      failing: ['lifecycle-events', 'target-health'],
      names: [
        'launch:5',
        'AfterInstall',
        'hooks/after-install.sh',
        'ScriptFailed',
        'CodeDeploy: Succeeded — greenlight: FAILED, 1 of 4 instances failed',
      ],
    },
  },
  {
    name: 'a ValidateService timeout',
    groundTruth:
      'hooks/validate-service.sh on the second green instance (launch 6) never finishes; the agent times it out',
    instances: 4,
    faults: [
      {
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 1,
        event: 'ValidateService',
        effect: 'timeout',
      },
    ],
    act: async (ctx) => {
      await ctx.cli(deploy(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      codedeployStatus: 'Succeeded',
      failing: ['lifecycle-events', 'target-health'],
      names: ['launch:6', 'ValidateService', 'hooks/validate-service.sh', 'ScriptTimedOut'],
    },
  },
  {
    name: 'the agent is down on one instance',
    groundTruth:
      'the third green instance (launch 7) has no running agent: its first event, ApplicationStop, never starts and fails',
    instances: 4,
    faults: [
      { scope: 'instance', deploymentGroup: 'web-dev', fleet: 'green', index: 2, effect: 'agent-down' },
    ],
    act: async (ctx) => {
      await ctx.cli(deploy(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      codedeployStatus: 'Succeeded',
      failing: ['lifecycle-events', 'target-health'],
      names: ['launch:7', 'ApplicationStop Failed', 'UnknownError'],
    },
  },
  {
    name: 'a scale-out during the deployment leaves an undeployed instance',
    groundTruth:
      'while blue waits to be terminated, the green ASG grows to 5; the new instance (launch 9) waits in Pending:Wait for an automatic deployment that hangs, so it never got v1',
    instances: 4,
    env: {
      blueGreen: {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        ready: { action: 'CONTINUE_DEPLOYMENT' },
        terminateBlue: { action: 'TERMINATE', waitMinutes: 60 },
      },
    },
    act: async (ctx) => {
      const running = ctx.cli(deploy(V1));
      const codedeploy = await ctx.cloud.aws.codedeploy();
      const autoscaling = await ctx.cloud.aws.autoscaling();
      const found = await ctx.cloud.until(
        async () => {
          const id = (
            await codedeploy.send(
              new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
            )
          ).deployments?.[0];
          if (!id) return undefined;
          const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
          return info?.instanceTerminationWaitTimeStarted ? `CodeDeploy_web-dev_${id}` : undefined;
        },
        (name) => name !== undefined,
        'the termination wait',
      );
      const green = found ?? '';
      await autoscaling.send(
        new SetDesiredCapacityCommand({ AutoScalingGroupName: green, DesiredCapacity: 5 }),
      );
      await ctx.cloud.until(
        async () =>
          (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [green] })))
            .AutoScalingGroups?.[0]?.Instances?.length ?? 0,
        (n) => n === 5,
        'the scale-out',
      );
      await ctx.cloud.fault({
        scope: 'instance',
        instanceId: await instanceAt(ctx.cloud, 9),
        effect: 'hang',
      });
      await running;
    },
    expect: {
      exitCode: 1,
      verified: false,
      codedeployStatus: 'Succeeded',
      failing: ['capacity', 'scale-out-deployments'],
      names: ['launch:9', 'is undeployed', 'desired 5, InService 4, deployed 4'],
    },
  },
  {
    name: 'an instance terminated after success',
    groundTruth:
      'v1 deployed and verified; then the second green instance (launch 6) is terminated through EC2',
    instances: 4,
    act: async (ctx) => {
      await mustSucceed(ctx, deploy(V1, '--no-verify'));
      const id = await instanceAt(ctx.cloud, 6);
      const ec2 = await ctx.cloud.aws.ec2();
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      await ctx.cli(verify);
    },
    expect: {
      exitCode: 1,
      verified: false,
      codedeployStatus: 'Succeeded',
      failing: ['capacity', 'target-health'],
      // The group replaces the instance; whether the replacement's automatic deployment is still
      // running when verify looks is timing, so only what the terminated instance causes is pinned.
      othersMayFail: true,
      names: ['launch:6', 'is gone'],
    },
  },
  {
    name: 'a green instance unhealthy in the target group after success',
    groundTruth: 'v1 deployed; then the app on the third green instance (launch 7) fails its health checks',
    instances: 4,
    act: async (ctx) => {
      await mustSucceed(ctx, deploy(V1, '--no-verify'));
      const id = await instanceAt(ctx.cloud, 7);
      // Target health has no AWS API to set; the emulator's own model is the instance's app here.
      ctx.cloud.lc.cloud.region('us-east-1').elbv2.setAppHealthy(id, false);
      await ctx.cloud.until(
        () => healthOf(ctx.cloud, id),
        (s) => s === 'unhealthy',
        'the target to turn unhealthy',
      );
      await ctx.cli(verify);
    },
    expect: {
      exitCode: 1,
      verified: false,
      codedeployStatus: 'Succeeded',
      failing: ['target-health'],
      names: ['launch:7', 'unhealthy', 'Target.FailedHealthChecks'],
    },
  },
  {
    name: 'a blue instance still registered',
    groundTruth:
      'v1 deployed with blue kept alive; then the second blue instance (launch 2) is registered back into the target group',
    instances: 4,
    env: {
      blueGreen: {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        ready: { action: 'CONTINUE_DEPLOYMENT' },
        terminateBlue: { action: 'KEEP_ALIVE' },
      },
    },
    act: async (ctx) => {
      await mustSucceed(ctx, deploy(V1, '--no-verify'));
      const id = await instanceAt(ctx.cloud, 2);
      const elbv2 = await ctx.cloud.aws.elbv2();
      await elbv2.send(
        new RegisterTargetsCommand({
          TargetGroupArn: await targetGroupArn(ctx.cloud),
          Targets: [{ Id: id, Port: 8000 }],
        }),
      );
      await ctx.cli(verify);
    },
    expect: {
      exitCode: 1,
      verified: false,
      codedeployStatus: 'Succeeded',
      failing: ['blue-deregistered'],
      names: ['launch:2', '(blue) is still registered in web-dev-tg'],
    },
  },
  {
    name: 'an alarm in ALARM',
    groundTruth: 'v1 deployed; then web-dev-5xx goes to ALARM',
    instances: 4,
    act: async (ctx) => {
      await mustSucceed(ctx, deploy(V1, '--no-verify'));
      const cloudwatch = await ctx.cloud.aws.cloudwatch();
      await cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: 'web-dev-5xx',
          StateValue: 'ALARM',
          StateReason: '5xx above 1%',
        }),
      );
      await ctx.cli(verify);
    },
    expect: {
      exitCode: 1,
      verified: false,
      codedeployStatus: 'Succeeded',
      failing: ['alarms'],
      names: ['alarm web-dev-5xx is ALARM', '5xx above 1%'],
    },
  },
  {
    name: 'an instance serving the old version',
    groundTruth: 'every green instance installed v1, but the second one (launch 6) still serves v0',
    instances: 4,
    versions: (n) => (n === 6 ? V0 : n > 4 ? V1 : undefined),
    act: async (ctx) => {
      await ctx.cli(deploy(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      codedeployStatus: 'Succeeded',
      failing: ['served-version'],
      names: ['launch:6', `serves ${V0}, expected ${V1}`],
    },
  },
  {
    name: 'a failed verification is rolled back to the last-known-good revision, verified',
    groundTruth:
      'v1 deployed and verified; v2 installs everywhere but its second instance (launch 10) serves v1; --rollback-on-failure redeploys v1, which verifies',
    instances: 4,
    versions: (n) => (fleetOf(n, 4) === 2 && n !== 10 ? V2 : n > 4 ? V1 : undefined),
    act: async (ctx) => {
      ctx.facts.lkg = await mustSucceed(ctx, deploy(V1));
      await ctx.cli(deploy(V2, '--rollback-on-failure'));
    },
    expect: {
      exitCode: 5,
      verified: false,
      codedeployStatus: 'Succeeded',
      failing: ['served-version'],
      rolledBackTo: V1,
      names: [
        'launch:10',
        `serves ${V1}, expected ${V2}`,
        `roll web/web-dev back to ${V1}`,
        'greenlight: verified, 4 of 4 instances',
      ],
    },
  },
  {
    name: 'an instance failure mid-deployment is stopped and rolled back by CodeDeploy, verified',
    groundTruth:
      'v1 deployed and verified; v2 fails AfterInstall on its first instance (launch 9); greenlight stops it with rollback and verifies the rollback',
    instances: 4,
    env: {
      deploymentConfig: { name: 'web-one-by-one', minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 } },
    },
    versions: (n) => (n > 4 && n <= 8 ? V1 : n > 8 ? V2 : undefined),
    act: async (ctx) => {
      await mustSucceed(ctx, deploy(V1));
      await ctx.cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 0,
        event: 'AfterInstall',
        effect: 'fail',
        exitCode: 4,
      });
      await ctx.cli(deploy(V2, '--rollback-on-failure'));
    },
    expect: {
      exitCode: 5,
      verified: false,
      codedeployStatus: ['Stopped', 'Failed'],
      failing: ['deployment-status', 'lifecycle-events'],
      othersMayFail: true,
      rolledBackTo: V1,
      names: ['launch:9', 'AfterInstall', 'hooks/after-install.sh', 'greenlight: verified, 4 of 4 instances'],
    },
  },
  {
    name: 'greenlight rollback redeploys the last-known-good revision and verifies it',
    groundTruth:
      'v1 verified; v2 serves v0 on its first instance (launch 9); `greenlight rollback` deploys v1 again, which verifies',
    instances: 4,
    versions: (n) => (n === 9 ? V0 : fleetOf(n, 4) === 2 ? V2 : n > 4 ? V1 : undefined),
    act: async (ctx) => {
      await mustSucceed(ctx, deploy(V1));
      const failed = await ctx.cli(deploy(V2));
      if (failed.code !== 1) throw new Error(`v2 should fail verification:\n${failed.stderr}`);
      await ctx.cli([
        'rollback',
        '--env',
        'dev',
        '--poll',
        '15s',
        '--json',
        '--junit',
        'verify.xml',
        '--markdown',
        'verify.md',
      ]);
    },
    expect: {
      exitCode: 5,
      verified: true,
      codedeployStatus: 'Succeeded',
      failing: [],
      names: [`roll web/web-dev back to ${V1}`, `rolled back to ${V1}`, 'verified'],
    },
  },
  {
    name: 'greenlight rollback with no last-known-good refuses',
    groundTruth:
      'nothing was ever verified in web/web-dev, so there is no revision greenlight may roll back to',
    instances: 2,
    act: async (ctx) => {
      await ctx.cli(['rollback', '--env', 'dev', '--poll', '15s']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: [],
      names: ['has no last-known-good revision', '--to SHA'],
    },
  },
];

/** Verify-before-traffic: its ground truth is also about what never happened to blue. */
export const readyScenario: Scenario = {
  name: 'verify before traffic: a green instance serving the wrong version while Ready is caught',
  groundTruth:
    'v1 verified; v2 reaches Ready but its third green instance (launch 11) serves v1; greenlight stops v2 with rollback before traffic moves, and no blue instance is ever deregistered',
  instances: 4,
  env: {
    blueGreen: {
      greenFleet: 'COPY_AUTO_SCALING_GROUP',
      ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 60 },
      terminateBlue: { action: 'TERMINATE', waitMinutes: 1 },
    },
  },
  versions: (n) => (fleetOf(n, 4) === 2 && n !== 11 ? V2 : n > 4 ? V1 : undefined),
  act: async (ctx) => {
    ctx.facts.v1 = await mustSucceed(ctx, deploy(V1));
    const blue = await Promise.all([5, 6, 7, 8].map((n) => instanceAt(ctx.cloud, n)));
    ctx.facts.blue = blue.join(',');
    const watcher = watchRegistration(ctx.cloud, blue);
    await ctx.cli(deploy(V2));
    ctx.facts.missing = (await watcher.stop()).join(',');
  },
  expect: {
    exitCode: 5,
    verified: false,
    codedeployStatus: 'Ready',
    failing: ['served-version'],
    rolledBackTo: V1,
    names: ['launch:11', `serves ${V1}, expected ${V2}`, 'green fleet before traffic failed', 'stop d-'],
  },
};
