// Starts a local cloud for a test and builds real SDK clients pointed at it. Unless the test asks for
// a time scale (the AWS CLI's and the real instances' tests, which run processes), the cloud runs on
// a manual clock: virtual time that `until` steps from one due timer to the next between its reads,
// so what a test sees never depends on how busy the machine is.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { startLocalCloud, type LocalCloudOptions, type RunningLocalCloud } from '../src/server.js';
import { virtualTime, type VirtualTime } from '../src/virtual-time.js';

// Quiet the SDK's Node-version notice; it says nothing about the local cloud.
process.env.AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING ??= '1';
process.emitWarning = () => undefined;

export interface TestCloud {
  readonly lc: RunningLocalCloud;
  /** The manual clock's virtual time; undefined when the test asked for a time scale. */
  readonly time: VirtualTime | undefined;
  readonly ec2: EC2Client;
  readonly autoscaling: AutoScalingClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly cloudwatch: CloudWatchClient;
  readonly s3: S3Client;
  close(): Promise<void>;
}

export function clientConfig(url: string, region = 'us-east-1') {
  return {
    endpoint: url,
    region,
    credentials: { accessKeyId: 'AKIDLOCALCLOUD', secretAccessKey: 'local-cloud-secret' },
    maxAttempts: 3,
  };
}

/** The virtual times of the test's running clouds, newest last: what `until` steps. */
const running: VirtualTime[] = [];

/** A manual clock unless the test gives a time scale (then scaled wall time). */
export async function startTestCloud(options: LocalCloudOptions = {}): Promise<TestCloud> {
  const lc = await startLocalCloud({
    ...(options.timeScale === undefined && options.clock === undefined ? { clock: 'manual' as const } : {}),
    ...options,
  });
  const time = lc.manualClock ? virtualTime(lc) : undefined;
  if (time) running.push(time);
  const config = clientConfig(lc.url);
  const clients = {
    ec2: new EC2Client(config),
    autoscaling: new AutoScalingClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    cloudwatch: new CloudWatchClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
  return {
    lc,
    time,
    ...clients,
    async close() {
      if (time) running.splice(running.indexOf(time), 1);
      for (const client of Object.values(clients)) client.destroy();
      await lc.close();
    },
  };
}

/** Runs `fn` and returns the error it throws (the test fails if it does not throw). */
export async function caught(
  fn: () => Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Reads `read` until `ok` accepts its value and returns it. On a manual clock (the newest running
 * test cloud's) virtual time steps to the next due timer between reads, for up to a day of AWS time;
 * on scaled time it polls every 10 ms for up to `within` ('30s', '1m') of wall time. Fails naming
 * `what` and the last value read.
 */
export async function until<T>(
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  within = '1m',
): Promise<T> {
  const time = running[running.length - 1];
  if (time) return time.until(read, ok, what, DAY_MS);
  const [, amount = '60', unit = 's'] = /^(\d+)(ms|s|m)$/.exec(within) ?? [];
  const deadline = Date.now() + Number(amount) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() >= deadline) {
      throw new Error(`gave up waiting for ${what} after ${within}; last read: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
