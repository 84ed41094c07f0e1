// tier: integration
// Load balancers each on a loopback address of their own: two of them listening on port 80 each
// answer for their own targets only, DescribeListeners keeps the port asked for, and a listener that
// cannot be served fails CreateListener (and a stack) with the load balancer, port and cause.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as cfn from '@aws-sdk/client-cloudformation';
import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { ControlError, controlClient } from '../src/control-client.js';
import { startLocalCloud } from '../src/server.js';
import { WorldError } from '../src/world.js';
import { caught, clientConfig, startTestCloud, until, type TestCloud } from './harness.js';

const fleet = (env: string) => ({
  name: `web-${env}-asg`,
  instances: 2,
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  targetGroups: [`web-${env}-tg`],
  serves: '/healthcheck',
});
const targetGroup = (env: string) => ({
  name: `web-${env}-tg`,
  port: 8000,
  healthCheck: { path: '/healthcheck', intervalSeconds: 5, healthyThreshold: 2 },
});

const WORLD = {
  targetGroups: [targetGroup('dev'), targetGroup('prod')],
  autoScalingGroups: [fleet('dev'), fleet('prod')],
};

/** Binds `address:port` (0: any) the way another process holding the port would. */
function hold(address: string, port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}

describe('load balancer addresses and listeners', () => {
  let t: TestCloud;
  let subnets: string[] = [];
  before(async () => {
    t = await startTestCloud({ world: WORLD });
    subnets = (await t.ec2.send(new DescribeSubnetsCommand({}))).Subnets!.slice(0, 2).map((s) => s.SubnetId!);
  });
  after(async () => t.close());

  const createBalancer = async (name: string) =>
    (await t.elbv2.send(new elb.CreateLoadBalancerCommand({ Name: name, Subnets: subnets })))
      .LoadBalancers![0]!;
  const targetGroupArn = async (name: string) =>
    (await t.elbv2.send(new elb.DescribeTargetGroupsCommand({ Names: [name] }))).TargetGroups![0]!
      .TargetGroupArn!;

  it('serves two load balancers both on port 80, each for its own targets only', async () => {
    const balancers = new Map<string, { dnsName: string; arn: string; targets: Set<string> }>();
    for (const env of ['dev', 'prod']) {
      const balancer = await createBalancer(`web-${env}-alb`);
      const groupArn = await targetGroupArn(`web-${env}-tg`);
      const created = await t.elbv2.send(
        new elb.CreateListenerCommand({
          LoadBalancerArn: balancer.LoadBalancerArn,
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'forward', TargetGroupArn: groupArn }],
        }),
      );
      assert.equal(created.Listeners![0]!.Port, 80);
      const health = await until(
        async () =>
          (await t.elbv2.send(new elb.DescribeTargetHealthCommand({ TargetGroupArn: groupArn })))
            .TargetHealthDescriptions!,
        (descriptions) => descriptions.every((d) => d.TargetHealth!.State === 'healthy'),
        `web-${env}-tg's targets to be healthy`,
      );
      balancers.set(env, {
        dnsName: balancer.DNSName!,
        arn: balancer.LoadBalancerArn!,
        targets: new Set(health.map((d) => d.Target!.Id!)),
      });
    }
    const dev = balancers.get('dev')!;
    const prod = balancers.get('prod')!;
    assert.match(dev.dnsName, /^127\.\d+\.\d+\.\d+$/);
    assert.notEqual(dev.dnsName, prod.dnsName, 'each load balancer has an address of its own');
    for (const { arn } of [dev, prod]) {
      const listeners = await t.elbv2.send(new elb.DescribeListenersCommand({ LoadBalancerArn: arn }));
      assert.deepEqual(
        listeners.Listeners!.map((l) => l.Port),
        [80],
        'DescribeListeners says the port asked for',
      );
    }

    const served = await controlClient(t.lc.url).listeners();
    for (const [env, balancer] of balancers) {
      const listener = served.find((l) => l.loadBalancerName === `web-${env}-alb`);
      assert.ok(listener, `the control API lists web-${env}-alb's listener`);
      assert.equal(listener.dnsName, balancer.dnsName);
      assert.equal(listener.servedAddress, balancer.dnsName);
      assert.equal(listener.port, 80);
      // Root binds port 80 itself; any other user gets a free port on the same address.
      if (process.getuid?.() === 0) assert.equal(listener.url, `http://${balancer.dnsName}:80`);
      const answeredBy = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${listener.url}/healthcheck`);
        assert.equal(response.status, 200);
        await response.text();
        answeredBy.add(response.headers.get('x-localcloud-target') ?? '');
      }
      assert.deepEqual(
        [...answeredBy].sort(),
        [...balancer.targets].sort(),
        `web-${env}-alb answers from its own targets, round robin, and no other`,
      );
    }
  });

  it('frees the port of a deleted listener at once: one made again on it is served (a stack update)', async () => {
    const balancer = await createBalancer('web-again-alb');
    const groupArn = await targetGroupArn('web-dev-tg');
    const create = async () =>
      (
        await t.elbv2.send(
          new elb.CreateListenerCommand({
            LoadBalancerArn: balancer.LoadBalancerArn,
            Port: 8081,
            Protocol: 'HTTP',
            DefaultActions: [{ Type: 'forward', TargetGroupArn: groupArn }],
          }),
        )
      ).Listeners![0]!;
    const first = await create();
    // No DeleteListener operation: a stack's update deletes it in the model, then creates it again.
    t.lc.cloud.region('us-east-1').elbv2.deleteListener(first.ListenerArn!);
    const again = await create();
    assert.notEqual(again.ListenerArn, first.ListenerArn);
    // Answered by this load balancer: its targets' health depends on what ran before, not the point.
    const response = await fetch(`http://${balancer.DNSName}:8081/healthcheck`);
    assert.ok([200, 503].includes(response.status), `answered ${response.status}`);
    await response.text();
  });

  it('fails CreateListener naming the load balancer, port and cause when the port is taken on its address', async () => {
    const balancer = await createBalancer('web-taken-alb');
    // Whatever holds the port on this address would answer for the load balancer: no fallback.
    const holder = await hold(balancer.DNSName!);
    const port = (holder.address() as { port: number }).port;
    const groupArn = await targetGroupArn('web-dev-tg');
    try {
      const error = await caught(() =>
        t.elbv2.send(
          new elb.CreateListenerCommand({
            LoadBalancerArn: balancer.LoadBalancerArn,
            Port: port,
            Protocol: 'HTTP',
            DefaultActions: [{ Type: 'forward', TargetGroupArn: groupArn }],
          }),
        ),
      );
      assert.equal(error.name, 'InvalidConfigurationRequestException');
      assert.equal(error.$metadata?.httpStatusCode, 400);
      assert.match(error.message, /Load balancer 'web-taken-alb' cannot listen on port \d+/);
      assert.ok(error.message.includes(`${balancer.DNSName}:${port}`), error.message);
      assert.match(error.message, /EADDRINUSE/);
      const listeners = await t.elbv2.send(
        new elb.DescribeListenersCommand({ LoadBalancerArn: balancer.LoadBalancerArn }),
      );
      assert.deepEqual(listeners.Listeners, [], 'the listener that cannot be served is not left behind');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('refuses a world whose listener cannot be served: the control API answers 400, a start fails', async () => {
    const holder = await hold('0.0.0.0');
    const port = (holder.address() as { port: number }).port;
    const world = {
      targetGroups: [{ name: 'world-tg' }],
      loadBalancers: [{ name: 'world-alb', listeners: [{ port, targetGroup: 'world-tg' }] }],
    };
    const refusal = new RegExp(`Load balancer 'world-alb' cannot listen on port ${port}: .*EADDRINUSE`);
    try {
      await assert.rejects(
        controlClient(t.lc.url).loadWorld(world),
        (error: unknown) =>
          error instanceof ControlError && error.status === 400 && refusal.test(error.message),
      );
      await assert.rejects(startLocalCloud({ clock: 'manual', world }), (error: unknown) => {
        assert.ok(error instanceof WorldError);
        assert.match(error.message, refusal);
        return true;
      });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('fails a stack whose listener cannot be served, with the load balancer, port and cause in its events', async () => {
    const client = new cfn.CloudFormationClient(clientConfig(t.lc.url));
    // The next load balancer's address is not known before the stack makes it, so every address a
    // load balancer of this cloud could get is out of reach: take its port on the whole loopback.
    const holder = await hold('0.0.0.0');
    const port = (holder.address() as { port: number }).port;
    try {
      const template = {
        Resources: {
          Alb: {
            Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
            Properties: { Name: 'web-stack-alb', Subnets: subnets },
          },
          Listener: {
            Type: 'AWS::ElasticLoadBalancingV2::Listener',
            Properties: {
              LoadBalancerArn: { Ref: 'Alb' },
              Port: port,
              Protocol: 'HTTP',
              DefaultActions: [{ Type: 'forward', TargetGroupArn: await targetGroupArn('web-dev-tg') }],
            },
          },
        },
      };
      const { Id } = await client.send(
        new cfn.CreateChangeSetCommand({
          StackName: 'web-stack',
          ChangeSetName: 'create',
          ChangeSetType: 'CREATE',
          TemplateBody: JSON.stringify(template),
        }),
      );
      await until(
        () => client.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: Id })),
        (c) => c.Status === 'CREATE_COMPLETE',
        'the change set',
      );
      await client.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: Id }));
      const stack = await until(
        async () =>
          (await client.send(new cfn.DescribeStacksCommand({ StackName: 'web-stack' }))).Stacks![0]!,
        (s) => !s.StackStatus!.endsWith('IN_PROGRESS'),
        'the stack to settle',
      );
      assert.equal(stack.StackStatus, 'ROLLBACK_COMPLETE');
      const events = (await client.send(new cfn.DescribeStackEventsCommand({ StackName: 'web-stack' })))
        .StackEvents!;
      const failed = events.find(
        (e) => e.LogicalResourceId === 'Listener' && e.ResourceStatus === 'CREATE_FAILED',
      );
      assert.ok(failed, 'the listener failed');
      assert.match(failed.ResourceStatusReason ?? '', new RegExp(`web-stack-alb.*port ${port}.*EADDRINUSE`));
    } finally {
      client.destroy();
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
