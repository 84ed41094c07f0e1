// tier: integration
// An instance answers its target group's health check only when something on it answers: a
// synthetic instance once a deployment installed a revision on it, or when its image (or the world)
// says it serves the path. A fleet nothing was deployed to is unhealthy, as on AWS before the first
// deployment. And the agent of instances launched through the APIs is the cloud's setting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { controlClient, ControlError } from '../src/control-client.js';
import type { WorldInput } from '../src/world.js';
import {
  putRevisions,
  s3Revision,
  serviceRoleArn,
  startCodeDeployCloud,
  type CodeDeployTestCloud,
} from './codedeploy/cloud.js';
import { caught, until } from './harness.js';

const GOLDEN = 'ami-0feed5e77ed0a11ce';

const check = { path: '/healthcheck', intervalSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 2 };

const WORLD: WorldInput = {
  images: [{ id: GOLDEN, name: 'web-golden', serves: '/healthcheck' }],
  launchTemplates: [{ name: 'bare' }, { name: 'golden', imageId: GOLDEN }],
  targetGroups: [
    { name: 'bare-tg', port: 8000, healthCheck: check },
    // golden-asg's and deployed-asg's instances: two listeners are all a test cloud opens in process.
    { name: 'app-tg', port: 8000, healthCheck: check },
  ],
  loadBalancers: [
    {
      name: 'web-alb',
      listeners: [
        { port: 0, targetGroup: 'bare-tg' },
        { port: 0, targetGroup: 'app-tg' },
      ],
    },
  ],
  autoScalingGroups: [
    {
      name: 'bare-asg',
      instances: 2,
      availabilityZones: ['us-east-1a'],
      targetGroups: ['bare-tg'],
      launchTemplate: 'bare',
    },
    {
      name: 'golden-asg',
      instances: 1,
      maxSize: 3,
      availabilityZones: ['us-east-1a'],
      targetGroups: ['app-tg'],
      launchTemplate: 'golden',
    },
    {
      name: 'deployed-asg',
      instances: 1,
      maxSize: 3,
      availabilityZones: ['us-east-1a'],
      targetGroups: ['app-tg'],
      launchTemplate: 'bare',
      serves: '/healthcheck',
    },
  ],
  applications: ['web'],
  buckets: ['web-revisions'],
};

// One describe around the file: its cloud's before/after belong to its tests alone, even when
// test files share a process (scripts/test-tier.ts runs unit and integration files in shards).
describe('instances before the first deployment', () => {
  let tc: CodeDeployTestCloud;
  before(async () => {
    tc = await startCodeDeployCloud({ world: WORLD });
  });
  after(() => tc.close());

  /** The health of a target group's targets; with `asg`, of that group's instances only. */
  async function healthOf(group: string, asg?: string): Promise<TargetHealthDescription[]> {
    const { TargetGroups = [] } = await tc.elbv2.send(new DescribeTargetGroupsCommand({ Names: [group] }));
    const arn = TargetGroups[0]?.TargetGroupArn;
    const all =
      (await tc.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })))
        .TargetHealthDescriptions ?? [];
    if (asg === undefined) return all;
    const { AutoScalingGroups = [] } = await tc.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asg] }),
    );
    const members = new Set((AutoScalingGroups[0]?.Instances ?? []).map((i) => i.InstanceId));
    return all.filter((d) => members.has(d.Target?.Id));
  }

  const states = (health: TargetHealthDescription[]) => health.map((d) => d.TargetHealth?.State);

  describe('health before the first deployment', () => {
    it('a synthetic fleet nothing was deployed to fails its health checks until a deployment installs a revision', async () => {
      const before = await healthOf('bare-tg');
      assert.deepEqual(states(before), ['unhealthy', 'unhealthy']);
      assert.deepEqual(before[0]?.TargetHealth, {
        State: 'unhealthy',
        Reason: 'Target.FailedHealthChecks',
        Description: 'Health checks failed',
      });
      await tc.codedeploy.send(
        new CreateDeploymentGroupCommand({
          applicationName: 'web',
          deploymentGroupName: 'bare',
          serviceRoleArn,
          autoScalingGroups: ['bare-asg'],
          deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
        }),
      );
      await putRevisions(tc, 'web-1.zip');
      const { deploymentId } = await tc.codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: 'web',
          deploymentGroupName: 'bare',
          revision: s3Revision('web-1.zip'),
        }),
      );
      await until(
        async () =>
          (await tc.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status,
        (status) => status === 'Succeeded',
        'the first deployment to succeed',
      );
      await until(
        () => healthOf('bare-tg'),
        (health) => states(health).every((s) => s === 'healthy'),
        'the deployed targets to turn healthy',
      );
    });

    it('instances of an image that serves the path are healthy at once, those it launches later too', async () => {
      // The world's image is EC2's too: DescribeImages names it.
      const { Images = [] } = await tc.ec2.send(new DescribeImagesCommand({ ImageIds: [GOLDEN] }));
      assert.equal(Images[0]?.Name, 'web-golden');
      assert.deepEqual(states(await healthOf('app-tg', 'golden-asg')), ['healthy']);
      await tc.autoscaling.send(
        new SetDesiredCapacityCommand({ AutoScalingGroupName: 'golden-asg', DesiredCapacity: 2 }),
      );
      await until(
        () => healthOf('app-tg', 'golden-asg'),
        (health) => health.length === 2 && states(health).every((s) => s === 'healthy'),
        'the scaled-out golden instance to turn healthy',
      );
    });

    it('a world group that `serves` already runs an app; instances it launches later start bare', async () => {
      assert.deepEqual(states(await healthOf('app-tg', 'deployed-asg')), ['healthy']);
      await tc.autoscaling.send(
        new SetDesiredCapacityCommand({ AutoScalingGroupName: 'deployed-asg', DesiredCapacity: 2 }),
      );
      const health = await until(
        () => healthOf('app-tg', 'deployed-asg'),
        (h) => h.length === 2 && states(h).every((s) => s === 'healthy' || s === 'unhealthy'),
        'the scaled-out instance to be judged',
      );
      assert.deepEqual(states(health).sort(), ['healthy', 'unhealthy']);
    });
  });

  describe('the agent of new instances', () => {
    it('is synthetic unless set; a manual clock refuses real ones, through the control API and the world', async () => {
      const control = controlClient(tc.lc.url);
      assert.equal(await control.instanceAgent(), 'synthetic');
      const refused = await caught(() => control.instanceAgent('real'));
      assert.ok(refused instanceof ControlError);
      assert.equal(refused.status, 409);
      assert.match(refused.message, /manual clock/);
      const bad = await caught(() =>
        fetch(`${tc.lc.url}/_localcloud/instances/agent`, { method: 'POST', body: '{"agent":"robot"}' }).then(
          async (r) => {
            if (!r.ok) throw new ControlError('POST', r.status, await r.text());
          },
        ),
      );
      assert.equal((bad as ControlError).status, 400);
      const world = await caught(() => control.loadWorld({ instances: { agent: 'real' } }));
      assert.match(world.message, /400 .*instances\.agent asks for agent: real/);
    });

    it('groups created through the API, and CodeDeploy’s copies of them, take the cloud’s setting', async () => {
      const cloud = tc.lc.cloud;
      // Set on the model: this cloud's manual clock refuses real instances through the control API, and
      // it starts no sandboxes, so the setting is all there is to see.
      cloud.defaultAgent = 'real';
      try {
        await tc.autoscaling.send(
          new CreateAutoScalingGroupCommand({
            AutoScalingGroupName: 'api-asg',
            LaunchTemplate: { LaunchTemplateName: 'bare' },
            MinSize: 0,
            MaxSize: 1,
            AvailabilityZones: ['us-east-1a'],
          }),
        );
      } finally {
        cloud.defaultAgent = 'synthetic';
      }
      const autoscaling = cloud.region('us-east-1').autoscaling;
      assert.equal(autoscaling.get('api-asg')?.agent, 'real');
      assert.equal(autoscaling.copy('api-asg', 'api-asg-copy', 0).agent, 'real');
      assert.equal(autoscaling.get('bare-asg')?.agent, 'synthetic');
    });
  });
});
