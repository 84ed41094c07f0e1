// The verifier judges the environment, not the deployment (issue 13): instances that take the
// environment's traffic although no deployment of it installed the revision, the release chosen on
// purpose instead of CodeDeploy's last automatic deployment, ids of other groups, verdicts from a
// memory, health endpoints that never finish, a group that vanished, throttling as weather — and the
// other side, a deployment that failed before traffic moved, which must not fail the old fleet.
import { CreateAutoScalingGroupCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  DeleteDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { DeregisterTargetsCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readGroupTags } from '../../../src/codedeploy/group-tags.js';
import type { TestCloud } from '../../support/cloud.js';
import { TRICKLE } from '../runner.js';
import { V0, V1, V2, fleetOf, healthOf, instanceAt } from '../scenario.js';
import type { MatrixScenario } from './matrix-scenario.js';
import {
  allOf,
  asgInstances,
  automaticDeploymentsEnded,
  deployArgs,
  greenAsgOf,
  mustSucceed,
  setAlarm,
  startDeploy,
  targetGroupArn,
  v1ThenV2Onward,
  verifyArgs,
  waitArgs,
} from './moves.js';

/** An ASG of one instance that is not the environment's (another team's, an old fleet): its instance id. */
async function foreignAsg(cloud: TestCloud, name: string): Promise<string> {
  const autoscaling = await cloud.aws.autoscaling();
  await autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      MinSize: 1,
      MaxSize: 1,
      DesiredCapacity: 1,
      AvailabilityZones: ['us-east-1a'],
      // Another team's instance runs its own app, which answers the health check with no deployment of ours.
      LaunchTemplate: { LaunchTemplateName: 'other-app' },
    }),
  );
  const [member] = await cloud.until(
    () => asgInstances(cloud, name),
    (list) => list.some((i) => i.state === 'InService'),
    `${name} to have an instance InService`,
  );
  if (!member) throw new Error(`${name} has no instance`);
  return member.id;
}

async function register(cloud: TestCloud, instanceId: string): Promise<void> {
  const elbv2 = await cloud.aws.elbv2();
  await elbv2.send(
    new RegisterTargetsCommand({
      TargetGroupArn: await targetGroupArn(cloud),
      Targets: [{ Id: instanceId }],
    }),
  );
  await cloud.until(
    () => healthOf(cloud, instanceId),
    (s) => s === 'healthy',
    `${instanceId} to be healthy`,
  );
}

async function scaleOut(cloud: TestCloud, asg: string, desired: number): Promise<void> {
  const autoscaling = await cloud.aws.autoscaling();
  await autoscaling.send(
    new SetDesiredCapacityCommand({ AutoScalingGroupName: asg, DesiredCapacity: desired }),
  );
}

const failGreen = (index: number, event: string) => ({
  scope: 'instance',
  deploymentGroup: 'web-dev',
  fleet: 'green',
  index,
  event,
  effect: 'fail',
  exitCode: 3,
});

export const environmentScenarios: readonly MatrixScenario[] = [
  {
    id: 'foreign-instance-in-target-group',
    category: 'the environment, not the deployment',
    groundTruth:
      'v1 verified; an instance of another ASG (web-other-asg, launch 9), serving v0, is registered by hand in web-dev-tg and healthy: it takes the environment’s traffic with a revision nobody verified',
    action: 'verify',
    instances: 4,
    versions: (n) => (n === 9 ? V0 : n > 4 ? V1 : undefined),
    act: async (ctx) => {
      ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1));
      await register(ctx.cloud, await foreignAsg(ctx.cloud, 'web-other-asg'));
      await ctx.cli(['verify', ctx.facts.v1, '--env', 'dev', '--json']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['blue-deregistered', 'served-version'],
      names: ['launch:9', 'web-other-asg', `serves ${V0}`, 'FAILED, 1 of 5 instances'],
    },
  },
  {
    id: 'foreign-instance-outside-any-asg',
    category: 'the environment, not the deployment',
    groundTruth:
      'v1 verified; an instance of another team’s ASG (api-dev-asg, launch 9) whose app happens to answer v1 is registered by hand in web-dev-tg: no deployment of web/web-dev installed v1 on it, so what it answers proves nothing',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1));
      await register(ctx.cloud, await foreignAsg(ctx.cloud, 'api-dev-asg'));
      await ctx.cli(verifyArgs);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['blue-deregistered'],
      names: ['launch:9', 'api-dev-asg', 'no deployment of web/web-dev installed'],
    },
  },
  {
    id: 'verify-env-judges-the-release',
    category: 'the release, chosen on purpose',
    groundTruth:
      'v2 deployed with --no-verify under AllAtOnce while its first green instance (launch 5) fails AfterInstall, so CodeDeploy says Succeeded; the green ASG then grows by one and the automatic deployment to the new instance succeeds and becomes the group’s last attempt: the release, v2, still has a failed instance',
    action: 'verify',
    instances: 4,
    versions: allOf(V2),
    faults: [failGreen(0, 'AfterInstall')],
    act: async (ctx) => {
      const r = await ctx.cli(deployArgs(V2, '--no-verify'));
      const id = (JSON.parse(r.stdout) as { result: { deploymentId: string } }).result.deploymentId;
      ctx.facts.v2 = id;
      await ctx.cloud.clearFaults();
      await scaleOut(ctx.cloud, greenAsgOf(id), 5);
      await automaticDeploymentsEnded(ctx.cloud, 1);
      await ctx.cli(verifyArgs);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:5', 'AfterInstall', 'the newest deployment a person or pipeline created'],
      finalState: async (observed) => {
        const codedeploy = await observed.context.cloud.aws.codedeploy();
        const tags = await readGroupTags(codedeploy, { application: 'web', deploymentGroup: 'web-dev' });
        return tags.has('greenlight:lkg-deployment')
          ? ['a last-known-good was recorded although nothing verified']
          : [];
      },
    },
  },
  {
    id: 'redeploy-of-verified-revision-re-verifies',
    category: 'no verdict from a memory',
    groundTruth:
      'v1 deployed and verified; then the second green instance (launch 6) is deregistered from web-dev-tg by hand; `deploy --revision v1` again finds v1 verified before — but the environment is not whole now',
    action: 'deploy',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      const elbv2 = await ctx.cloud.aws.elbv2();
      const id = await instanceAt(ctx.cloud, 6);
      await elbv2.send(
        new DeregisterTargetsCommand({
          TargetGroupArn: await targetGroupArn(ctx.cloud),
          Targets: [{ Id: id }],
        }),
      );
      await ctx.cli(deployArgs(V1));
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['target-health'],
      names: ['launch:6', 'no longer verifies', '--force'],
    },
  },
  {
    id: 'deployment-of-another-group',
    category: 'an id must belong to the environment',
    groundTruth:
      'a deployment of api/api-dev (another application and group) is passed to `verify ID --env dev` (web/web-dev): nothing about web-dev can be learnt from it and nothing may be recorded on api-dev',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      const codedeploy = await ctx.cloud.aws.codedeploy();
      await codedeploy.send(new CreateApplicationCommand({ applicationName: 'api' }));
      await codedeploy.send(
        new CreateDeploymentGroupCommand({
          applicationName: 'api',
          deploymentGroupName: 'api-dev',
          serviceRoleArn: 'arn:aws:iam::123456789012:role/api-codedeploy',
          ec2TagFilters: [{ Key: 'app', Value: 'api', Type: 'KEY_AND_VALUE' }],
        }),
      );
      const out = await codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: 'api',
          deploymentGroupName: 'api-dev',
          revision: { revisionType: 'GitHub', gitHubLocation: { repository: 'example/api', commitId: V1 } },
        }),
      );
      ctx.facts.api = out.deploymentId ?? '';
      await ctx.cli(['verify', ctx.facts.api, '--env', 'dev', '--json']);
    },
    expect: {
      exitCode: 2,
      names: ['belongs to api/api-dev, not to web/web-dev'],
      finalState: async (observed) => {
        const codedeploy = await observed.context.cloud.aws.codedeploy();
        const tags = await readGroupTags(codedeploy, { application: 'api', deploymentGroup: 'api-dev' });
        return tags.size > 0 ? ['verify wrote tags on api/api-dev'] : [];
      },
    },
  },
  {
    id: 'trickling-health-endpoint',
    category: 'everything that waits has a deadline',
    groundTruth:
      'v1 deployed; the third green instance (launch 7) answers its health check with headers and then one byte every 200 ms, forever: it never says which version it serves',
    action: 'verify',
    instances: 4,
    versions: (n) => (n === 7 ? TRICKLE : n > 4 ? V1 : undefined),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1, '--no-verify'));
      await ctx.cli(verifyArgs);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['served-version'],
      names: ['launch:7', 'no complete answer within'],
    },
  },
  {
    id: 'scale-out-instance-serves-old-version',
    category: 'the environment, not the deployment',
    groundTruth:
      'v1 verified; the green ASG grows by one and CodeDeploy’s automatic deployment to the new instance (launch 9) Succeeded every event, but its app did not restart and still serves v0',
    action: 'verify',
    instances: 4,
    versions: (n) => (n === 9 ? V0 : n > 4 ? V1 : undefined),
    act: async (ctx) => {
      const id = await mustSucceed(ctx, deployArgs(V1));
      await scaleOut(ctx.cloud, greenAsgOf(id), 5);
      await automaticDeploymentsEnded(ctx.cloud, 1);
      await ctx.cli(['verify', id, '--env', 'dev', '--json']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['served-version'],
      names: ['launch:9', `serves ${V0}`],
    },
  },
  {
    id: 'interrupted-wait-reattached',
    category: 'no verdict from a memory',
    groundTruth:
      'v2 is created with --no-wait (as an interrupted deploy leaves it) and its second green instance (launch 6) fails AfterInstall under AllAtOnce; `wait ID` re-attaches from another machine: CodeDeploy says Succeeded',
    action: 'wait',
    instances: 4,
    versions: allOf(V2),
    faults: [failGreen(1, 'AfterInstall')],
    act: async (ctx) => {
      const id = await startDeploy(ctx, V2);
      await ctx.cli([...waitArgs(id), '--env', 'dev']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:6', 'AfterInstall', 'CodeDeploy: Succeeded — greenlight: FAILED'],
    },
  },
  {
    id: 'group-deleted-while-alarm-fires',
    category: 'everything that waits has a deadline',
    groundTruth:
      'v1 deployed; web-dev-5xx goes to ALARM and the deployment group web-dev is deleted: the group’s alarms and Auto Scaling groups cannot be read, which is not "no alarms"',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      const id = await mustSucceed(ctx, deployArgs(V1, '--no-verify'));
      await setAlarm(ctx.cloud, 'web-dev-5xx', 'ALARM', '5xx above 1%');
      const codedeploy = await ctx.cloud.aws.codedeploy();
      await codedeploy.send(
        new DeleteDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
      );
      await ctx.cli(['verify', id, '--json']);
    },
    expect: {
      exitCode: 1,
      names: ['deployment group web/web-dev', 'does not exist', 'cannot be verified'],
    },
  },
  {
    id: 'throttled-reads-one-failed-instance',
    category: 'throttling is weather',
    groundTruth:
      'v1 deployed with --no-verify while launch 5 fails AfterInstall (AllAtOnce: Succeeded); then 30 % of every CodeDeploy, Auto Scaling, ELBv2 and EC2 call is throttled while verify reads',
    action: 'verify',
    probabilistic: true,
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await ctx.cloud.fault(failGreen(0, 'AfterInstall'));
      await ctx.cli(deployArgs(V1, '--no-verify'));
      await ctx.cloud.clearFaults();
      for (const service of ['codedeploy', 'autoscaling', 'elasticloadbalancing', 'ec2'])
        await ctx.cloud.fault({
          scope: 'api',
          service,
          operation: '*',
          effect: 'throttle',
          probability: 0.3,
        });
      await ctx.cli(verifyArgs);
    },
    expect: {
      exitCode: 1,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['launch:5', 'AfterInstall'],
    },
  },
  {
    id: 'throttled-reads-clean-fleet',
    category: 'throttling is weather',
    groundTruth:
      'v1 deployed and every instance good; 30 % of every CodeDeploy, Auto Scaling, ELBv2 and EC2 call is throttled while verify reads',
    action: 'verify',
    probabilistic: true,
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1, '--no-verify'));
      for (const service of ['codedeploy', 'autoscaling', 'elasticloadbalancing', 'ec2'])
        await ctx.cloud.fault({
          scope: 'api',
          service,
          operation: '*',
          effect: 'throttle',
          probability: 0.3,
        });
      await ctx.cli(verifyArgs);
    },
    expect: { exitCode: 0, verified: true, names: ['verified, 4 of 4 instances'] },
  },
  {
    id: 'failed-before-traffic-old-fleet-serves',
    category: 'no false failures',
    groundTruth:
      'v1 verified; every green instance of v2 fails DownloadBundle, so v2 Fails before traffic moves and CodeDeploy rolls back to v1: the four v1 instances served all along and are no failures of v2, and the environment is on its last verified revision',
    action: 'deploy',
    instances: 4,
    versions: v1ThenV2Onward,
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await ctx.cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        event: 'DownloadBundle',
        effect: 'fail',
        exitCode: 1,
      });
      await ctx.cli(deployArgs(V2));
    },
    expect: {
      exitCode: 5,
      verified: false,
      failing: ['lifecycle-events'],
      names: ['DownloadBundle', 'traffic never moved, so the original fleet (4 instances) still serves'],
      finalState: (observed) => {
        const problems: string[] = [];
        const verification = (
          observed.result as { verification?: { rules?: { rule: string; verdict: string }[] } } | undefined
        )?.verification;
        for (const r of verification?.rules ?? [])
          if ((r.rule === 'blue-deregistered' || r.rule === 'blue-fleet') && r.verdict === 'fail')
            problems.push(`${r.rule} failed: the serving v1 fleet was held against v2`);
        return Promise.resolve(problems);
      },
    },
  },
  {
    id: 'report-path-is-a-directory',
    category: 'bad input',
    groundTruth:
      'v1 verified; `verify --junit DIR` names an existing directory: the report cannot be written there, which must be said before any AWS call, not after a verdict',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await mkdir(join(ctx.dir, 'reports'), { recursive: true });
      const before = await ctx.cloud.requests();
      await ctx.cli(['verify', '--env', 'dev', '--json', '--junit', 'reports']);
      const after = await ctx.cloud.requests();
      const calls =
        Object.values(after).reduce((a, b) => a + b, 0) - Object.values(before).reduce((a, b) => a + b, 0);
      ctx.facts.calls = String(calls);
    },
    expect: {
      exitCode: 2,
      names: ['--junit reports', 'is a directory'],
      finalState: (observed) =>
        Promise.resolve(
          observed.context.facts.calls === '0'
            ? []
            : [`${observed.context.facts.calls ?? '?'} AWS calls were made first`],
        ),
    },
  },
  {
    id: 'gate-after-scale-out-bakes-the-release',
    category: 'the release, chosen on purpose',
    groundTruth:
      'v1 deployed and verified; the green ASG grows by one and CodeDeploy’s automatic deployment installs v1 on the new instance (launch 9), which becomes the group’s last attempt: the gate bakes the release (v1’s deployment, which greenlight verified), not the automatic one, and finds launch 9 outside web-dev-tg (the local cloud’s copy of the ASG carries no target group, as in scale-out-after-deployed)',
    action: 'gate',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      const id = await mustSucceed(ctx, deployArgs(V1));
      ctx.facts.v1 = id;
      await scaleOut(ctx.cloud, greenAsgOf(id), 5);
      await automaticDeploymentsEnded(ctx.cloud, 1);
      await ctx.cloud.until(
        async () =>
          (await asgInstances(ctx.cloud, greenAsgOf(id))).filter((i) => i.state === 'InService').length,
        (n) => n === 5,
        'the new instance to be InService',
      );
      await ctx.cli(['gate', '--env', 'dev', '--bake', '10m', '--poll', '50ms', '--json']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      names: ['launch:9', 'is not registered in web-dev-tg', 'nothing was promoted'],
      finalState: (observed) => {
        const baked = (observed.result as { deploymentId?: string } | undefined)?.deploymentId;
        return Promise.resolve(
          baked === observed.context.facts.v1
            ? []
            : [`the gate baked ${baked ?? '?'}, not the release ${observed.context.facts.v1 ?? '?'}`],
        );
      },
    },
  },
  {
    id: 'gate-foreign-instance-registered',
    category: 'the environment, not the deployment',
    groundTruth:
      'v1 deployed and verified; before the bake an instance of another team’s ASG (launch 9, serving v1 by chance) is registered in web-dev-tg: it takes the environment’s traffic though no deployment of web/web-dev installed it, so the bake must fail however long it runs',
    action: 'gate',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await register(ctx.cloud, await foreignAsg(ctx.cloud, 'api-dev-asg'));
      await ctx.cli(['gate', '--env', 'dev', '--bake', '10m', '--poll', '50ms', '--json']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      names: ['gate failed', 'launch:9', 'api-dev-asg', 'nothing was promoted'],
    },
  },
  {
    id: 'deployment-id-from-another-region',
    category: 'an id must belong to the environment',
    groundTruth:
      'v1 verified in us-east-1; its id is verified with --region eu-west-1, where no such deployment exists: nothing can be judged, and nothing may pass',
    action: 'verify',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      const id = await mustSucceed(ctx, deployArgs(V1));
      await ctx.cli(['verify', id, '--env', 'dev', '--region', 'eu-west-1', '--json']);
    },
    expect: { exitCode: 2, names: ['does not exist', '--region'] },
  },
  {
    id: 'stop-meets-a-completed-deployment',
    category: 'races',
    groundTruth:
      'v1 verified; v2’s first green instance (launch 9) fails AfterInstall and greenlight stops v2 with rollback, but CodeDeploy answers the stop with DeploymentAlreadyCompletedException (it ended between the look and the stop): greenlight reads how it ended instead of failing with exit 3, finds v2 not verified and rolls back to v1 itself',
    action: 'deploy',
    instances: 4,
    // v1's fleet, then v2's, then the rollback's fleet of v1 again.
    versions: (n) => (fleetOf(n, 4) === 2 ? V2 : fleetOf(n, 4) >= 1 ? V1 : undefined),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await ctx.cloud.fault(failGreen(0, 'AfterInstall'));
      await ctx.cloud.fault({
        scope: 'api',
        service: 'codedeploy',
        operation: 'StopDeployment',
        effect: 'error',
        code: 'DeploymentAlreadyCompletedException',
        status: 400,
        message: 'Deployment has already completed.',
        count: 1,
      });
      await ctx.cli(deployArgs(V2, '--rollback-on-failure'));
    },
    expect: {
      exitCode: 5,
      verified: false,
      names: ['launch:9', 'AfterInstall', 'it had already ended'],
    },
  },
];
