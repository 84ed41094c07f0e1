// tier: e2e
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { until } from '../../../../test/support/until.js';
import {
  createGroup,
  deploy,
  makeBundle,
  putBundle,
  realWorld,
  s3Revision,
  startRealCloud,
  type RealTestCloud,
  SANDBOXES,
} from './real-cloud.js';
import { webBundle } from './web-bundle.js';

/** A node one-liner app on the instance's address, port 8000, started the way a daemon should be. */
function startApp(tc: RealTestCloud, instanceId: string, handler: string): Promise<unknown> {
  const sandbox = tc.lc.cloud.instances.get(instanceId);
  const ip = tc.lc.cloud.region('us-east-1').ec2.get(instanceId)?.privateIpAddress ?? '';
  if (!sandbox) throw new Error(`no sandbox for ${instanceId}`);
  const app = `require('http').createServer(${handler}).listen(8000, '${ip}')`;
  return sandbox.exec(['/bin/sh', '-c', `nohup node -e "${app}" >/dev/null 2>&1 &`]);
}

async function get(url: string): Promise<{ status: number; body: string; target: string }> {
  const response = await fetch(url);
  return {
    status: response.status,
    body: await response.text(),
    target: response.headers.get('x-localcloud-target') ?? '',
  };
}

for (const sandbox of SANDBOXES)
  describe(`real health checks and a real listener (${sandbox})`, () => {
    let tc: RealTestCloud;
    let listenerUrl = '';
    let targetGroupArn = '';
    let ids: string[] = [];

    before(async () => {
      tc = await startRealCloud(realWorld(), sandbox);
      const balancer = (await tc.elbv2.send(new DescribeLoadBalancersCommand({ Names: ['web-alb'] })))
        .LoadBalancers?.[0];
      assert.match(balancer?.DNSName ?? '', /^127\.\d+\.\d+\.\d+$/);
      const listener = (
        await tc.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: balancer?.LoadBalancerArn }))
      ).Listeners?.[0];
      assert.ok((listener?.Port ?? 0) > 0);
      listenerUrl = `http://${balancer?.DNSName}:${listener?.Port}`;
      targetGroupArn =
        (await tc.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web-tg'] }))).TargetGroups?.[0]
          ?.TargetGroupArn ?? '';
      const asg = await tc.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
      );
      ids = (asg.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? '');
      await createGroup(tc, 'web-bg');
    });
    after(() => tc.close());

    const healthOf = async () =>
      Object.fromEntries(
        (
          await tc.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))
        ).TargetHealthDescriptions?.map((d) => [d.Target?.Id ?? '', d.TargetHealth]) ?? [],
      );

    it('an app that does not answer leaves its target unhealthy; the listener forwards only to healthy targets', async () => {
      const [healthy, mute, failing] = ids as [string, string, string];
      await startApp(tc, healthy, `(q, s) => s.end('ok from ${healthy}')`);
      await startApp(tc, mute, '() => undefined');
      await startApp(tc, failing, '(q, s) => { s.statusCode = 500; s.end(); }');
      // Before the apps started every check was refused; wait for the checks that reached them.
      const health = await until(
        healthOf,
        (h) =>
          h[healthy]?.State === 'healthy' &&
          h[mute]?.Reason === 'Target.Timeout' &&
          h[failing]?.Reason === 'Target.ResponseCodeMismatch',
        'the health checks that reached the apps',
        '1m',
      );
      assert.deepEqual(health[mute], {
        State: 'unhealthy',
        Reason: 'Target.Timeout',
        Description: 'Request timed out',
      });
      assert.deepEqual(health[failing], {
        State: 'unhealthy',
        Reason: 'Target.ResponseCodeMismatch',
        Description: 'Health checks failed with these codes: [500]',
      });
      for (let i = 0; i < 6; i++) {
        const answer = await get(`${listenerUrl}/`);
        assert.deepEqual(answer, { status: 200, body: `ok from ${healthy}`, target: healthy });
      }
    });

    it('after a blue/green deployment the listener serves the new version, from the green fleet only', async () => {
      await putBundle(tc, 'web/v1.zip', makeBundle(webBundle('v1')));
      const first = await deploy(tc, 'web-bg', s3Revision('web/v1.zip'));
      assert.equal(first.status, 'Succeeded', JSON.stringify(first.errorInformation));
      await putBundle(tc, 'web/v2.tar', makeBundle(webBundle('v2'), 'tar'));
      const second = await deploy(tc, 'web-bg', s3Revision('web/v2.tar', 'tar'));
      assert.equal(second.status, 'Succeeded', JSON.stringify(second.errorInformation));
      const registered = Object.keys(await healthOf());
      assert.equal(registered.length, 3);
      const served = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const answer = await get(`${listenerUrl}/healthcheck`);
        assert.equal(answer.status, 200);
        assert.equal((JSON.parse(answer.body) as { version: string }).version, 'v2');
        served.add(answer.target);
      }
      assert.deepEqual([...served].sort(), [...registered].sort());
    });
  });
