// Starts a local cloud for a test and builds real SDK clients pointed at it.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { startLocalCloud, type LocalCloudOptions, type RunningLocalCloud } from '../src/server.js';

// Quiet the SDK's Node-version notice; it says nothing about the local cloud.
process.env.AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING ??= '1';
process.emitWarning = () => undefined;

export interface TestCloud {
  readonly lc: RunningLocalCloud;
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

/** Time runs 1000× faster than AWS time unless the test says otherwise. */
export async function startTestCloud(options: LocalCloudOptions = {}): Promise<TestCloud> {
  const lc = await startLocalCloud({ timeScale: 1000, ...options });
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
    ...clients,
    async close() {
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
