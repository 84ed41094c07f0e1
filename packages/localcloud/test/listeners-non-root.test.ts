// tier: e2e
// The `localcloud` command as a user who may not bind privileged ports (CI runs as root: the test
// runs it as nobody through setpriv): a listener on port 80 still answers, on a free port of its load
// balancer's own address that the control API gives, while DescribeListeners keeps Port 80. And the
// command's --account-id: the cloud's account, or exit 2 for one that is not 12 digits.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { controlClient } from '../src/control-client.js';
import { clientConfig } from './harness.js';
import { openPathTo } from './open-path.js';

const bin = fileURLToPath(new URL('../bin/localcloud.js', import.meta.url));
const ACCOUNT = '210987654321';
/** As root, the command runs as nobody; as anyone else, as that user. */
const asUnprivileged =
  process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];

/** The first port anyone may bind (Linux; 1024 unless the host lowered it). */
function privilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    return 1024;
  }
}

function command(args: string[]): [string, string[]] {
  const argv = [...asUnprivileged, process.execPath, bin, ...args];
  return [argv[0]!, argv.slice(1)];
}

describe('localcloud as a user who may not bind port 80', () => {
  let child: ChildProcess;
  let url = '';
  let closePath: () => void = () => undefined;
  before(async () => {
    // nobody must reach the package (a checkout in a mktemp -d directory is 0700).
    closePath = openPathTo(fileURLToPath(new URL('..', import.meta.url)));
    const [file, args] = command(['--port', '0', '--account-id', ACCOUNT]);
    child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH } });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: string) => {
        stderr += chunk;
        // The account line comes after the URL: both are in once it is.
        const match = /listening on (http:\/\/\S+)\n[^]*its account is /.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(`localcloud exited before listening: ${stderr}`)));
    });
    assert.match(stderr, new RegExp(`its account is ${ACCOUNT}`));
  });
  after(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    closePath();
  });

  it('serves a port-80 listener on a free port of the load balancer address, and says where', async () => {
    const ec2 = new EC2Client(clientConfig(url));
    const elbv2 = new elb.ElasticLoadBalancingV2Client(clientConfig(url));
    try {
      const subnets = (await ec2.send(new DescribeSubnetsCommand({})))
        .Subnets!.slice(0, 2)
        .map((s) => s.SubnetId!);
      const balancer = (
        await elbv2.send(new elb.CreateLoadBalancerCommand({ Name: 'web-prod-alb', Subnets: subnets }))
      ).LoadBalancers![0]!;
      const group = (
        await elbv2.send(
          new elb.CreateTargetGroupCommand({ Name: 'web-prod-tg', Port: 8000, Protocol: 'HTTP' }),
        )
      ).TargetGroups![0]!;
      const created = await elbv2.send(
        new elb.CreateListenerCommand({
          LoadBalancerArn: balancer.LoadBalancerArn,
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'forward', TargetGroupArn: group.TargetGroupArn }],
        }),
      );
      assert.equal(created.Listeners![0]!.Port, 80, 'the port asked for');
      const [listener] = await controlClient(url).listeners();
      assert.ok(listener);
      assert.equal(listener.port, 80);
      assert.equal(listener.servedAddress, balancer.DNSName);
      // Where the kernel lets anyone bind port 80 (ip_unprivileged_port_start ≤ 80, some containers),
      // the listener is served on it as asked; elsewhere on a free port of the same address.
      if (privilegedPortStart() > 80) assert.notEqual(listener.servedPort, 80, 'nobody may not bind port 80');
      else assert.equal(listener.servedPort, 80);
      // No target yet: the load balancer's own 503, from this load balancer.
      const response = await fetch(`${listener.url}/healthcheck`);
      assert.equal(response.status, 503);
      await response.text();
      assert.match(balancer.LoadBalancerArn!, new RegExp(`:${ACCOUNT}:loadbalancer/app/web-prod-alb/`));
    } finally {
      ec2.destroy();
      elbv2.destroy();
    }
  });

  it('is in the account --account-id names', async () => {
    const sts = new STSClient(clientConfig(url));
    try {
      assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, ACCOUNT);
    } finally {
      sts.destroy();
    }
  });

  it('refuses an --account-id that is not 12 digits: exit 2, saying what one is', () => {
    const [file, args] = command(['--port', '0', '--account-id', '1234-5678']);
    const result = spawnSync(file, args, { encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--account-id "1234-5678": expected an AWS account id: 12 digits/);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace');
  });
});
